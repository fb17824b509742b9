# The model registry's bucket: immutable semver versions and alias files (registry/), the
# service's prediction log (PREFIX/), the monitoring job's reports (registry/MODEL/monitoring/).
resource "google_storage_bucket" "this" {
  project  = var.project_id
  name     = var.name
  location = var.location

  # IAM only, no per-object ACLs: access is what the bindings say, and IAM conditions on object
  # prefixes (service-identities) need it.
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy

  # An alias file overwritten by mistake, or a version deleted, can be restored.
  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      age            = var.prediction_log_retention_days
      matches_prefix = ["${var.prediction_log_prefix}/"]
    }
    action {
      type = "Delete"
    }
  }

  # With versioning a deletion (the rule above included) keeps a noncurrent version: drop those
  # after the recovery window, or nothing would ever be freed.
  lifecycle_rule {
    condition {
      days_since_noncurrent_time = var.noncurrent_version_retention_days
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }
}
