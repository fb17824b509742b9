# Everything the Helm chart's GKE values need, on an empty project: APIs, a cluster with
# Workload Identity and Managed Prometheus, the registry bucket, the image repository, service
# accounts with least-privilege IAM, a static IP and a managed certificate; optionally a Vertex
# AI endpoint. `tofu output -json` feeds scripts/deploy/tofu-outputs-to-values.ts.

data "google_project" "this" {
  project_id = var.project_id
}

locals {
  bucket_name     = var.bucket_name != "" ? var.bucket_name : "${var.project_id}-lead-scoring"
  registry_prefix = "registry"
  # The chart names its service account after the release (lead-scoring.fullname).
  service_ksa = var.release_name == "lead-scoring" ? "lead-scoring" : "${var.release_name}-lead-scoring"
  apis = concat([
    "artifactregistry.googleapis.com",
    "compute.googleapis.com",
    "container.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "storage.googleapis.com",
  ], var.vertex_ai_endpoint ? ["aiplatform.googleapis.com"] : [])
}

resource "google_project_service" "apis" {
  for_each = toset(local.apis)
  project  = var.project_id
  service  = each.value
  # Other things in the project may use the same APIs: destroying this stack leaves them on.
  disable_on_destroy = false
}

module "cluster" {
  source              = "../../modules/gke-cluster"
  project_id          = var.project_id
  name                = var.cluster_name
  location            = var.region
  autopilot           = var.autopilot
  deletion_protection = var.deletion_protection
  depends_on          = [google_project_service.apis]
}

module "registry_bucket" {
  source     = "../../modules/registry-bucket"
  project_id = var.project_id
  name       = local.bucket_name
  location   = var.region
  depends_on = [google_project_service.apis]
}

module "images" {
  source     = "../../modules/artifact-registry"
  project_id = var.project_id
  location   = var.region
  readers    = { gke_nodes = module.cluster.node_service_account_member }
  depends_on = [google_project_service.apis]
}

module "identities" {
  source                        = "../../modules/service-identities"
  project_id                    = var.project_id
  project_number                = data.google_project.this.number
  workload_pool                 = module.cluster.workload_pool
  bucket_name                   = module.registry_bucket.name
  registry_prefix               = local.registry_prefix
  model_name                    = var.model_name
  prediction_log_prefix         = module.registry_bucket.prediction_log_prefix
  namespace                     = var.namespace
  workload_identity_member_form = var.workload_identity_member_form
  kubernetes_service_accounts = {
    service    = local.service_ksa
    monitoring = "${local.service_ksa}-monitoring"
    pipeline   = "${local.service_ksa}-pipeline"
  }
  depends_on = [google_project_service.apis]
}

module "frontend" {
  source     = "../../modules/load-balancer-frontend"
  project_id = var.project_id
  domains    = var.domains
  depends_on = [google_project_service.apis]
}

module "vertex" {
  count      = var.vertex_ai_endpoint ? 1 : 0
  source     = "../../modules/vertex-endpoint"
  project_id = var.project_id
  region     = var.region
  depends_on = [google_project_service.apis]
}
