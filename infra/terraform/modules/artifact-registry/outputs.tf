output "repository_url" {
  description = "LOCATION-docker.pkg.dev/PROJECT/REPOSITORY: where `docker push` goes."
  value       = "${google_artifact_registry_repository.this.location}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.this.repository_id}"
}

output "image_repository" {
  description = "The service's image without a tag: the chart's image.repository."
  value       = "${google_artifact_registry_repository.this.location}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.this.repository_id}/${var.image_name}"
}
