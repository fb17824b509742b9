output "address_name" {
  description = "Name of the global static IP address."
  value       = google_compute_global_address.this.name
}

output "address" {
  description = "The IP address: point the domains' DNS A records at it."
  value       = google_compute_global_address.this.address
}

output "certificate_name" {
  description = "Name of the Google-managed certificate."
  value       = google_compute_managed_ssl_certificate.this.name
}

output "domains" {
  description = "Host names the certificate covers."
  value       = var.domains
}
