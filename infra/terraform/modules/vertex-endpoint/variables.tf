variable "project_id" {
  description = "Project of the endpoint."
  type        = string
}

variable "region" {
  description = "Vertex AI region of the endpoint (and of the model uploaded to it)."
  type        = string
}

variable "endpoint_id" {
  description = "The endpoint's ID: digits only, no leading zero, at most 10 digits (the Vertex AI API's rule for user-chosen endpoint IDs)."
  type        = string
  default     = "1000000001"
  validation {
    condition     = can(regex("^[1-9][0-9]{0,9}$", var.endpoint_id))
    error_message = "endpoint_id must be up to 10 digits without a leading zero."
  }
}

variable "display_name" {
  description = "Display name of the endpoint."
  type        = string
  default     = "lead-scoring"
}
