output "name" {
  description = "Bucket name."
  value       = google_storage_bucket.this.name
}

output "url" {
  description = "gs://BUCKET."
  value       = "gs://${google_storage_bucket.this.name}"
}

output "prediction_log_prefix" {
  description = "Object prefix of the prediction log, without slashes at either end."
  value       = var.prediction_log_prefix
}
