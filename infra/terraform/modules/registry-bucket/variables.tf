variable "project_id" {
  description = "Project that holds the bucket."
  type        = string
}

variable "name" {
  description = "Bucket name (globally unique)."
  type        = string
}

variable "location" {
  description = "Bucket location: the cluster's region keeps model downloads in-region."
  type        = string
}

variable "prediction_log_prefix" {
  description = "Object prefix of the service's prediction log (PREDICTION_LOG_URI = gs://BUCKET/PREFIX), without slashes at either end."
  type        = string
  default     = "prediction-log"
  validation {
    condition     = can(regex("^[^/]+(/[^/]+)*$", var.prediction_log_prefix))
    error_message = "prediction_log_prefix must be a non-empty object prefix without a leading or trailing slash."
  }
}

variable "prediction_log_retention_days" {
  description = "Prediction log objects are deleted this many days after they were written."
  type        = number
  default     = 400
  # The monitoring job joins outcomes to predictions up to its --lookback (30 d by default) before
  # its window; retention below that would silently shrink the join.
  validation {
    condition     = var.prediction_log_retention_days >= 45
    error_message = "prediction_log_retention_days must be at least 45 (the monitoring job's 30-day lookback plus margin)."
  }
}

variable "noncurrent_version_retention_days" {
  description = "Replaced or deleted object versions are kept this many days (recovery of an overwritten alias or a deleted model)."
  type        = number
  default     = 30
}

variable "force_destroy" {
  description = "Let `tofu destroy` delete a bucket that still holds objects."
  type        = bool
  default     = false
}
