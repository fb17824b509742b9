# Who may do what, least privilege, through Workload Identity (no keys anywhere):
#   serving pods     read the registry (not the prediction log: it can hold personal data) and
#                    create objects under the prediction-log prefix only, never overwrite or delete;
#   monitoring job   reads the whole bucket (log and registry), writes only MODEL/monitoring/;
#   pipeline         reads the whole bucket (log included, for retraining), writes its prefixes.
# Object-prefix limits are IAM conditions on bucket bindings (the bucket has uniform access).

locals {
  bucket_resource = "projects/_/buckets/${var.bucket_name}"
  # CEL for "objects under one of these prefixes". storage.objects.list is checked on the bucket
  # itself, so a read grant also admits the bucket resource: without it listing is denied.
  objects_under = {
    for name, prefixes in {
      registry   = [var.registry_prefix]
      log        = [var.prediction_log_prefix]
      monitoring = ["${var.registry_prefix}/${var.model_name}/monitoring"]
      pipeline   = var.pipeline_write_prefixes
    } : name => join(" || ", [for prefix in prefixes : "resource.name.startsWith(\"${local.bucket_resource}/objects/${prefix}/\")"])
  }
  listing = "resource.type == \"storage.googleapis.com/Bucket\""

  bucket_grants = {
    service_reads_registry = {
      account     = "service"
      role        = "roles/storage.objectViewer"
      title       = "registry-only"
      description = "List the bucket, read objects under the registry prefix"
      expression  = "${local.listing} || ${local.objects_under.registry}"
    }
    service_creates_log = {
      account     = "service"
      role        = "roles/storage.objectCreator"
      title       = "prediction-log-only"
      description = "Create objects under the prediction-log prefix"
      expression  = local.objects_under.log
    }
    monitoring_reads_bucket = {
      account     = "monitoring"
      role        = "roles/storage.objectViewer"
      title       = null
      description = null
      expression  = null
    }
    monitoring_writes_reports = {
      account     = "monitoring"
      role        = "roles/storage.objectUser"
      title       = "monitoring-reports-only"
      description = "Write (and replace latest.json) under MODEL/monitoring/"
      expression  = local.objects_under.monitoring
    }
    pipeline_reads_bucket = {
      account     = "pipeline"
      role        = "roles/storage.objectViewer"
      title       = null
      description = null
      expression  = null
    }
    pipeline_writes_registry = {
      account     = "pipeline"
      role        = "roles/storage.objectUser"
      title       = "pipeline-prefixes-only"
      description = "Publish versions, move aliases, stage exports"
      expression  = local.objects_under.pipeline
    }
  }
}

# Emails and members follow from the account IDs; computing them (rather than reading the
# resources' computed attributes) lets a plan, and the tests, see who gets what.
locals {
  emails  = { for key, id in var.service_account_ids : key => "${id}@${var.project_id}.iam.gserviceaccount.com" }
  members = { for key, email in local.emails : key => "serviceAccount:${email}" }
}

resource "google_service_account" "this" {
  for_each     = var.service_account_ids
  project      = var.project_id
  account_id   = each.value
  display_name = "lead-scoring ${each.key}"
}

resource "google_storage_bucket_iam_member" "grants" {
  for_each = local.bucket_grants
  bucket   = var.bucket_name
  role     = each.value.role
  member   = local.members[each.value.account]
  # The member names an account that must exist before it can be granted anything.
  depends_on = [google_service_account.this]

  dynamic "condition" {
    for_each = each.value.expression == null ? [] : [each.value]
    content {
      title       = condition.value.title
      description = condition.value.description
      expression  = condition.value.expression
    }
  }
}

locals {
  kubernetes_members = {
    for key, ksa in var.kubernetes_service_accounts : key => (
      var.workload_identity_member_form == "principal"
      ? "principal://iam.googleapis.com/projects/${var.project_number}/locations/global/workloadIdentityPools/${var.workload_pool}/subject/ns/${var.namespace}/sa/${ksa}"
      : "serviceAccount:${var.workload_pool}[${var.namespace}/${ksa}]"
    )
  }
}

# Each Kubernetes service account may act as its Google service account, and no other.
resource "google_service_account_iam_member" "workload_identity" {
  for_each           = var.kubernetes_service_accounts
  service_account_id = "projects/${var.project_id}/serviceAccounts/${google_service_account.this[each.key].account_id}@${var.project_id}.iam.gserviceaccount.com"
  role               = "roles/iam.workloadIdentityUser"
  member             = local.kubernetes_members[each.key]
}
