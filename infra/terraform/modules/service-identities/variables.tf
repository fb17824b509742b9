variable "project_id" {
  description = "Project of the service accounts and of the cluster's Workload Identity pool."
  type        = string
}

variable "project_number" {
  description = "Project number (the principal:// identifiers of Workload Identity name the project by number)."
  type        = string
}

variable "workload_pool" {
  description = "The cluster's Workload Identity pool, PROJECT_ID.svc.id.goog (from the cluster, so that bindings wait for it)."
  type        = string
}

variable "bucket_name" {
  description = "The registry bucket."
  type        = string
}

variable "registry_prefix" {
  description = "Object prefix of the model registry in the bucket (MODEL_URI = gs://BUCKET/PREFIX/MODEL@ALIAS), without slashes at either end."
  type        = string
  default     = "registry"
}

variable "model_name" {
  description = "Model name in the registry; the monitoring job writes under PREFIX/MODEL/monitoring/."
  type        = string
  default     = "lead-scoring"
}

variable "prediction_log_prefix" {
  description = "Object prefix of the prediction log, without slashes at either end."
  type        = string
}

variable "pipeline_write_prefixes" {
  description = "Object prefixes the training pipeline writes: the registry and its export staging area (`--out gs://BUCKET/PREFIX/...`)."
  type        = list(string)
  default     = ["registry", "staging"]
}

variable "namespace" {
  description = "Kubernetes namespace of the release."
  type        = string
  default     = "lead-scoring"
}

variable "service_account_ids" {
  description = "Google service account IDs (6-30 characters) of the serving pods, the monitoring job and the training pipeline."
  type = object({
    service    = string
    monitoring = string
    pipeline   = string
  })
  default = {
    service    = "lead-scoring"
    monitoring = "lead-scoring-monitoring"
    pipeline   = "lead-scoring-pipeline"
  }
}

variable "kubernetes_service_accounts" {
  description = "Kubernetes service accounts (in namespace) that act as them: the chart's (the release's full name), the monitoring CronJob's (monitoringJob.serviceAccountName) and the pipeline's, if it runs in the cluster."
  type = object({
    service    = string
    monitoring = string
    pipeline   = string
  })
  default = {
    service    = "lead-scoring"
    monitoring = "lead-scoring-monitoring"
    pipeline   = "lead-scoring-pipeline"
  }
}

variable "workload_identity_member_form" {
  description = "How Workload Identity bindings name a Kubernetes service account: \"principal\" (principal://iam.googleapis.com/projects/NUMBER/locations/global/workloadIdentityPools/POOL/subject/ns/NS/sa/KSA) or \"classic\" (serviceAccount:POOL[NS/KSA]), for organisation policies or tools that accept only the latter."
  type        = string
  default     = "principal"
  validation {
    condition     = contains(["principal", "classic"], var.workload_identity_member_form)
    error_message = "workload_identity_member_form must be \"principal\" or \"classic\"."
  }
}
