output "name" {
  description = "Cluster name (gcloud container clusters get-credentials NAME --location LOCATION)."
  value       = google_container_cluster.this.name
}

output "location" {
  description = "Cluster location."
  value       = google_container_cluster.this.location
}

output "workload_pool" {
  description = "Workload Identity pool of the cluster: PROJECT_ID.svc.id.goog."
  value       = google_container_cluster.this.workload_identity_config[0].workload_pool
}

output "node_service_account_email" {
  description = "Service account of the nodes (it pulls images: give it read on the image repository)."
  value       = local.node_email
  depends_on  = [google_service_account.nodes]
}

output "node_service_account_member" {
  description = "The nodes' service account as an IAM member."
  value       = "serviceAccount:${local.node_email}"
  depends_on  = [google_service_account.nodes]
}
