output "emails" {
  description = "Google service account emails by workload (service, monitoring, pipeline): the iam.gke.io/gcp-service-account annotations."
  value       = { for key, account in google_service_account.this : key => local.emails[key] }
}

output "members" {
  description = "The same accounts as IAM members (serviceAccount:EMAIL)."
  value       = { for key, account in google_service_account.this : key => local.members[key] }
}

output "kubernetes_service_accounts" {
  description = "Kubernetes service accounts bound to them, by workload."
  value       = var.kubernetes_service_accounts
}

output "namespace" {
  description = "Kubernetes namespace of those service accounts."
  value       = var.namespace
}
