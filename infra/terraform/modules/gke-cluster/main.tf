# A GKE cluster for the chart: Workload Identity (pods read Cloud Storage without keys), Managed
# Prometheus (the chart's PodMonitoring and Rules), the Gateway API (the chart's gateway.* path)
# and Dataplane V2 (enforces the chart's NetworkPolicy). Autopilot by default; Standard as an
# option, with one autoscaled node pool whose pods see the GKE metadata server.

locals {
  workload_pool = "${var.project_id}.svc.id.goog"
  # Known at plan time (the resource's own email is not), so plans and tests see the grants.
  node_account_id = substr("${var.name}-nodes", 0, 30)
  node_email      = "${local.node_account_id}@${var.project_id}.iam.gserviceaccount.com"
}

# The nodes' own identity, instead of the Compute Engine default service account, which holds
# Editor on the project in many organisations.
resource "google_service_account" "nodes" {
  project      = var.project_id
  account_id   = local.node_account_id
  display_name = "GKE nodes of ${var.name}"
}

# Writing logs and metrics, reading what the node agents need: Google's role for exactly this.
resource "google_project_iam_member" "nodes_default" {
  project = var.project_id
  role    = "roles/container.defaultNodeServiceAccount"
  member  = "serviceAccount:${local.node_email}"
  # The member names an account that must exist before it can be granted anything.
  depends_on = [google_service_account.nodes]
}

resource "google_container_cluster" "this" {
  project  = var.project_id
  name     = var.name
  location = var.location

  enable_autopilot = var.autopilot ? true : null
  # Standard: the default pool cannot be configured as needed, so it is replaced by the pool below.
  remove_default_node_pool = var.autopilot ? null : true
  initial_node_count       = var.autopilot ? null : 1
  # Dataplane V2 is Autopilot's only dataplane; Standard clusters have to ask for it.
  datapath_provider = var.autopilot ? null : "ADVANCED_DATAPATH"

  network    = var.network
  subnetwork = var.subnetwork
  # VPC-native: container-native load balancing (the chart's NEG annotation) needs alias IPs.
  ip_allocation_policy {}

  deletion_protection = var.deletion_protection
  # Nodes start with this account: it must exist and hold its role first.
  depends_on = [google_project_iam_member.nodes_default]

  release_channel {
    channel = var.release_channel
  }

  workload_identity_config {
    workload_pool = local.workload_pool
  }

  # The metric components stay GKE's defaults (they differ between Autopilot and Standard).
  monitoring_config {
    managed_prometheus {
      enabled = true
    }
  }

  gateway_api_config {
    channel = "CHANNEL_STANDARD"
  }

  dynamic "cluster_autoscaling" {
    for_each = var.autopilot ? [1] : []
    content {
      auto_provisioning_defaults {
        service_account = local.node_email
        oauth_scopes    = ["https://www.googleapis.com/auth/cloud-platform"]
      }
    }
  }

  dynamic "node_config" {
    for_each = var.autopilot ? [] : [1]
    content {
      # The short-lived default pool too: without it, the first apply briefly runs nodes whose pods
      # could read the node's credentials.
      service_account = local.node_email
      workload_metadata_config {
        mode = "GKE_METADATA"
      }
    }
  }
}

resource "google_container_node_pool" "standard" {
  count    = var.autopilot ? 0 : 1
  project  = var.project_id
  name     = "default"
  cluster  = google_container_cluster.this.id
  location = var.location

  autoscaling {
    min_node_count = var.node_min_count
    max_node_count = var.node_max_count
  }

  management {
    auto_repair  = true
    auto_upgrade = true
  }

  node_config {
    machine_type    = var.node_machine_type
    service_account = local.node_email
    oauth_scopes    = ["https://www.googleapis.com/auth/cloud-platform"]
    # Pods get the GKE metadata server, which serves Workload Identity tokens and hides the
    # node's own credentials; without it every pod could act as the node.
    workload_metadata_config {
      mode = "GKE_METADATA"
    }
    shielded_instance_config {
      enable_secure_boot = true
    }
  }
}
