# Exactly what the chart's GKE values take from the infrastructure (the keys in the
# descriptions), plus what the steps around `helm install` need. scripts/deploy/
# tofu-outputs-to-values.ts turns `tofu output -json` into a values file; its test checks that
# these names and its fixture agree.

output "gcp_project" {
  description = "config.gcpProject."
  value       = var.project_id
}

output "image_repository" {
  description = "image.repository (push the image here first)."
  value       = module.images.image_repository
}

output "bucket_uri" {
  description = "gs://BUCKET: the registry bucket."
  value       = module.registry_bucket.url
}

output "model_uri" {
  description = "model.uri: the model following its alias in the registry."
  value       = "${module.registry_bucket.url}/${local.registry_prefix}/${var.model_name}@${var.model_alias}"
}

output "prediction_log_uri" {
  description = "predictionLog.uri: where the service may create log objects."
  value       = "${module.registry_bucket.url}/${module.registry_bucket.prediction_log_prefix}"
}

output "service_account_email" {
  description = "serviceAccount.gcpServiceAccount: the Google service account of the serving pods."
  value       = module.identities.emails.service
}

output "monitoring_service_account_email" {
  description = "Google service account of the monitoring job (annotation of its Kubernetes service account)."
  value       = module.identities.emails.monitoring
}

output "pipeline_service_account_email" {
  description = "Google service account of the training pipeline and retraining."
  value       = module.identities.emails.pipeline
}

output "namespace" {
  description = "Namespace of the release (helm install --namespace)."
  value       = module.identities.namespace
}

output "monitoring_kubernetes_service_account" {
  description = "monitoringJob.serviceAccountName: the Kubernetes service account bound to the monitoring job's Google service account."
  value       = module.identities.kubernetes_service_accounts.monitoring
}

output "static_ip_name" {
  description = "ingress.staticIpName (and gateway.staticIpName)."
  value       = module.frontend.address_name
}

output "static_ip_address" {
  description = "Point the DNS A records of the hosts here."
  value       = module.frontend.address
}

output "certificate_name" {
  description = "ingress.preSharedCerts (and gateway.preSharedCerts): the Google-managed certificate."
  value       = module.frontend.certificate_name
}

output "hosts" {
  description = "ingress.hosts (and gateway.hosts)."
  value       = module.frontend.domains
}

output "cluster_name" {
  description = "gcloud container clusters get-credentials NAME --location LOCATION."
  value       = module.cluster.name
}

output "cluster_location" {
  description = "The cluster's region."
  value       = module.cluster.location
}

output "vertex_ai_endpoint" {
  description = "Full resource name of the Vertex AI endpoint, or null when there is none."
  value       = var.vertex_ai_endpoint ? module.vertex[0].endpoint : null
}
