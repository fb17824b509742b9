# The security properties of issue 21, asserted on plans with a mocked google provider (no
# credentials, no network; scripts/check-terraform.sh runs `tofu test`). Each run plans one
# module, or the whole example; every assertion fails when the module loses its property.

mock_provider "google" {
  mock_data "google_project" {
    defaults = {
      number = "123456789012"
    }
  }
}

# Each run passes these to its module; a module ignores those it does not declare.
variables {
  project_id            = "acme-ml"
  domains               = ["leads.acme.example", "scores.acme.example"]
  project_number        = "123456789012"
  workload_pool         = "acme-ml.svc.id.goog"
  bucket_name           = "acme-ml-lead-scoring"
  prediction_log_prefix = "prediction-log"
}

run "registry_bucket_has_uniform_access_and_versioning" {
  command = plan
  module {
    source = "../../modules/registry-bucket"
  }
  variables {
    name     = "acme-ml-lead-scoring"
    location = "europe-west1"
  }

  assert {
    condition     = google_storage_bucket.this.uniform_bucket_level_access == true
    error_message = "The registry bucket must have uniform bucket-level access (IAM only, no object ACLs)."
  }
  assert {
    condition     = google_storage_bucket.this.public_access_prevention == "enforced"
    error_message = "The registry bucket must enforce public access prevention."
  }
  assert {
    condition     = google_storage_bucket.this.versioning[0].enabled == true
    error_message = "The registry bucket must keep object versions."
  }
  assert {
    condition = anytrue([for rule in google_storage_bucket.this.lifecycle_rule :
      one(rule.action).type == "Delete" && one(rule.condition).matches_prefix == tolist(["prediction-log/"]) &&
    one(rule.condition).age >= 45])
    error_message = "Old prediction-log objects must be deleted, and not before the monitoring job's lookback."
  }
}

run "service_reads_the_registry_and_only_creates_log_objects" {
  command = plan
  module {
    source = "../../modules/service-identities"
  }

  assert {
    condition = toset([for grant in google_storage_bucket_iam_member.grants : grant.role
      if grant.member == "serviceAccount:lead-scoring@acme-ml.iam.gserviceaccount.com"]) == toset([
      "roles/storage.objectViewer", "roles/storage.objectCreator"
    ])
    error_message = "The service must hold objectViewer and objectCreator on the bucket, nothing else."
  }
  assert {
    condition = alltrue([for grant in google_storage_bucket_iam_member.grants :
      length(grant.condition) == 1 && (grant.role == "roles/storage.objectViewer"
        ? grant.condition[0].expression == "resource.type == \"storage.googleapis.com/Bucket\" || resource.name.startsWith(\"projects/_/buckets/acme-ml-lead-scoring/objects/registry/\")"
      : grant.condition[0].expression == "resource.name.startsWith(\"projects/_/buckets/acme-ml-lead-scoring/objects/prediction-log/\")")
    if grant.member == "serviceAccount:lead-scoring@acme-ml.iam.gserviceaccount.com"])
    error_message = "The service's read must be limited to the registry, and its only write to creating objects under the prediction-log prefix."
  }
  assert {
    condition = alltrue([for grant in google_storage_bucket_iam_member.grants :
      grant.role == "roles/storage.objectViewer" || (length(grant.condition) == 1 &&
      !strcontains(grant.condition[0].expression, "/objects/prediction-log/"))
    if grant.member != "serviceAccount:lead-scoring@acme-ml.iam.gserviceaccount.com"])
    error_message = "Only the service may write the prediction log, and every other write must be limited to a prefix."
  }
  assert {
    condition = alltrue([for grant in google_storage_bucket_iam_member.grants :
      grant.condition[0].expression == "resource.name.startsWith(\"projects/_/buckets/acme-ml-lead-scoring/objects/registry/lead-scoring/monitoring/\")"
    if grant.member == "serviceAccount:lead-scoring-monitoring@acme-ml.iam.gserviceaccount.com" && grant.role != "roles/storage.objectViewer"])
    error_message = "The monitoring job may write only its reports (MODEL/monitoring/)."
  }
  assert {
    condition = alltrue(concat(
      [for grant in google_storage_bucket_iam_member.grants : !contains(["allUsers", "allAuthenticatedUsers"], grant.member)],
      [for binding in google_service_account_iam_member.workload_identity : !contains(["allUsers", "allAuthenticatedUsers"], binding.member)],
    ))
    error_message = "No IAM member may be allUsers or allAuthenticatedUsers."
  }
  assert {
    condition = alltrue([for key, binding in google_service_account_iam_member.workload_identity :
      binding.role == "roles/iam.workloadIdentityUser" &&
      binding.member == "principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/acme-ml.svc.id.goog/subject/ns/lead-scoring/sa/${var.kubernetes_service_accounts[key]}"
    ])
    error_message = "Each Kubernetes service account must be bound to its own Google service account, in the principal:// form."
  }
}

run "workload_identity_classic_form" {
  command = plan
  module {
    source = "../../modules/service-identities"
  }
  variables {
    workload_identity_member_form = "classic"
  }

  assert {
    condition     = google_service_account_iam_member.workload_identity["service"].member == "serviceAccount:acme-ml.svc.id.goog[lead-scoring/lead-scoring]"
    error_message = "The classic form is serviceAccount:POOL[NAMESPACE/KSA]."
  }
}

run "artifact_registry_refuses_public_readers" {
  command = plan
  module {
    source = "../../modules/artifact-registry"
  }
  variables {
    location = "europe-west1"
    readers  = { everyone = "allUsers" }
  }
  expect_failures = [var.readers]
}

run "autopilot_cluster_has_workload_identity" {
  command = plan
  module {
    source = "../../modules/gke-cluster"
  }
  variables {
    name     = "lead-scoring"
    location = "europe-west1"
  }

  assert {
    condition     = google_container_cluster.this.enable_autopilot == true
    error_message = "The cluster must be Autopilot by default."
  }
  assert {
    condition     = try(google_container_cluster.this.workload_identity_config[0].workload_pool, null) == "acme-ml.svc.id.goog"
    error_message = "Workload Identity must be enabled, with the project's pool."
  }
  assert {
    condition     = google_container_cluster.this.monitoring_config[0].managed_prometheus[0].enabled == true
    error_message = "Managed Prometheus must be on (the chart's PodMonitoring and Rules)."
  }
}

run "standard_cluster_pods_see_the_gke_metadata_server" {
  command = plan
  module {
    source = "../../modules/gke-cluster"
  }
  variables {
    name      = "lead-scoring"
    location  = "europe-west1"
    autopilot = false
  }

  assert {
    condition     = try(google_container_cluster.this.workload_identity_config[0].workload_pool, null) == "acme-ml.svc.id.goog"
    error_message = "Workload Identity must be enabled on a Standard cluster too."
  }
  assert {
    condition = alltrue([for pool in google_container_node_pool.standard :
    pool.node_config[0].workload_metadata_config[0].mode == "GKE_METADATA"]) && length(google_container_node_pool.standard) == 1
    error_message = "The Standard node pool must run the GKE metadata server (GKE_METADATA)."
  }
  assert {
    condition     = google_container_cluster.this.node_config[0].workload_metadata_config[0].mode == "GKE_METADATA"
    error_message = "The short-lived default pool must not expose the node's credentials either."
  }
}

run "certificate_covers_the_configured_domains" {
  command = plan
  module {
    source = "../../modules/load-balancer-frontend"
  }

  assert {
    condition     = google_compute_managed_ssl_certificate.this.managed[0].domains == tolist(["leads.acme.example", "scores.acme.example"])
    error_message = "The managed certificate must cover exactly the configured domains."
  }
  assert {
    condition     = google_compute_global_address.this.address_type == "EXTERNAL"
    error_message = "The load balancer's address must be a global external one."
  }
}

run "certificate_refuses_a_wildcard" {
  command = plan
  module {
    source = "../../modules/load-balancer-frontend"
  }
  variables {
    domains = ["*.acme.example"]
  }
  expect_failures = [var.domains]
}

run "example_outputs_feed_the_chart" {
  command = plan

  assert {
    condition     = output.hosts == tolist(var.domains) && module.frontend.certificate_name == output.certificate_name
    error_message = "The chart's hosts must be the certificate's domains."
  }
  assert {
    condition     = output.service_account_email == "lead-scoring@acme-ml.iam.gserviceaccount.com"
    error_message = "The chart's Google service account must be the one the service's grants go to."
  }
  assert {
    condition     = output.model_uri == "gs://acme-ml-lead-scoring/registry/lead-scoring@production" && output.prediction_log_uri == "gs://acme-ml-lead-scoring/prediction-log"
    error_message = "The model and prediction-log URIs must be the prefixes the IAM conditions name."
  }
  assert {
    condition     = output.image_repository == "europe-west1-docker.pkg.dev/acme-ml/serving/lead-scoring"
    error_message = "The image repository must be the Artifact Registry repository's."
  }
}

run "example_with_a_vertex_ai_endpoint" {
  command = plan
  variables {
    vertex_ai_endpoint = true
  }

  assert {
    condition     = length(module.vertex) == 1 && contains(keys(google_project_service.apis), "aiplatform.googleapis.com")
    error_message = "vertex_ai_endpoint = true must create the endpoint and enable the Vertex AI API."
  }
}
