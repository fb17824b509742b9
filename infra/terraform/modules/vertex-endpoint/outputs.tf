output "endpoint" {
  description = "Full resource name: projects/PROJECT/locations/REGION/endpoints/ID."
  value       = google_vertex_ai_endpoint.this.id
}
