# The external Application Load Balancer's fixed parts, made before the Ingress or Gateway that
# uses them: a global address (DNS can point at it before the first deployment) and a
# Google-managed certificate for the service's host names. The certificate turns ACTIVE once the
# DNS records point at the address and the load balancer serves it. Certificates are immutable:
# changing domains replaces it, and HTTPS is down until the new one provisions; to avoid that,
# create a second one under another name, list both in the chart, then drop the old one.
resource "google_compute_global_address" "this" {
  project      = var.project_id
  name         = var.address_name
  description  = "lead-scoring external Application Load Balancer"
  address_type = "EXTERNAL"
  ip_version   = "IPV4"
}

resource "google_compute_managed_ssl_certificate" "this" {
  project     = var.project_id
  name        = var.certificate_name
  description = "lead-scoring: ${join(", ", var.domains)}"

  managed {
    domains = var.domains
  }
}
