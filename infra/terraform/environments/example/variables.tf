variable "project_id" {
  description = "An existing Google Cloud project with billing."
  type        = string
}

variable "region" {
  description = "Region of the cluster, the bucket, the image repository and the Vertex AI endpoint."
  type        = string
  default     = "europe-west1"
}

variable "domains" {
  description = "Host names of the API; the managed certificate covers them and the chart routes them."
  type        = list(string)
}

variable "bucket_name" {
  description = "Registry bucket; empty: PROJECT_ID-lead-scoring."
  type        = string
  default     = ""
}

variable "cluster_name" {
  description = "GKE cluster name."
  type        = string
  default     = "lead-scoring"
}

variable "autopilot" {
  description = "Autopilot cluster (true) or Standard with a GKE_METADATA node pool (false)."
  type        = bool
  default     = true
}

variable "namespace" {
  description = "Kubernetes namespace of the Helm release."
  type        = string
  default     = "lead-scoring"
}

variable "release_name" {
  description = "Helm release name; the chart's service account is named after it (RELEASE-lead-scoring, or lead-scoring when the release is lead-scoring)."
  type        = string
  default     = "lead-scoring"
}

variable "model_name" {
  description = "Model name in the registry."
  type        = string
  default     = "lead-scoring"
}

variable "model_alias" {
  description = "Alias the service follows."
  type        = string
  default     = "production"
}

variable "workload_identity_member_form" {
  description = "\"principal\" (principal://… identifiers) or \"classic\" (serviceAccount:PROJECT.svc.id.goog[NS/KSA])."
  type        = string
  default     = "principal"
}

variable "vertex_ai_endpoint" {
  description = "Also create a Vertex AI endpoint for the same image (the model upload and deployment are gcloud steps: docs/deploy.md)."
  type        = bool
  default     = false
}

variable "deletion_protection" {
  description = "Protect the cluster from `tofu destroy`."
  type        = bool
  default     = true
}
