variable "project_id" {
  description = "Project of the address and the certificate."
  type        = string
}

variable "address_name" {
  description = "Name of the global static IP address (the chart's ingress.staticIpName or gateway.staticIpName)."
  type        = string
  default     = "lead-scoring-ip"
}

variable "certificate_name" {
  description = "Name of the Google-managed SSL certificate (the chart's ingress.preSharedCerts or gateway.preSharedCerts)."
  type        = string
  default     = "lead-scoring-cert"
}

variable "domains" {
  description = "Host names the certificate covers (the chart's ingress.hosts); their DNS A records must point at the address."
  type        = list(string)
  validation {
    condition     = length(var.domains) > 0 && length(var.domains) <= 100
    error_message = "domains must name between 1 and 100 host names (the limit of a managed certificate)."
  }
  validation {
    condition     = alltrue([for domain in var.domains : can(regex("^([a-z0-9]([a-z0-9-]*[a-z0-9])?\\.)+[a-z]{2,63}$", domain))])
    error_message = "domains must be lower-case fully qualified host names without a trailing dot or a wildcard (managed certificates cover neither)."
  }
}
