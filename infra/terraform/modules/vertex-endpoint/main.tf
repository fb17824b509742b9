# A Vertex AI endpoint for the same image as the GKE deployment. The provider has no resource
# that uploads a custom-container model or deploys it to an endpoint
# (google_vertex_ai_endpoint_with_model_garden_deployment only deploys Model Garden and Hugging
# Face models), so those two steps are `gcloud ai models upload` and
# `gcloud ai endpoints deploy-model` (docs/deploy.md, "Vertex AI endpoint").
resource "google_vertex_ai_endpoint" "this" {
  project      = var.project_id
  location     = var.region
  region       = var.region
  name         = var.endpoint_id
  display_name = var.display_name
  description  = "lead-scoring: the serving image, deployed with gcloud ai endpoints deploy-model"
}
