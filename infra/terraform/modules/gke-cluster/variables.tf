variable "project_id" {
  description = "Project that holds the cluster."
  type        = string
}

variable "name" {
  description = "Cluster name."
  type        = string
}

variable "location" {
  description = "Region of the cluster (regional: the control plane and nodes span its zones)."
  type        = string
}

variable "autopilot" {
  description = "Autopilot (Google manages the nodes) when true; a Standard cluster with one node pool when false."
  type        = bool
  default     = true
}

variable "release_channel" {
  description = "GKE release channel: RAPID, REGULAR or STABLE."
  type        = string
  default     = "REGULAR"
  validation {
    condition     = contains(["RAPID", "REGULAR", "STABLE"], var.release_channel)
    error_message = "release_channel must be RAPID, REGULAR or STABLE."
  }
}

variable "network" {
  description = "VPC network of the cluster."
  type        = string
  default     = "default"
}

variable "subnetwork" {
  description = "Subnetwork of the cluster; null: the network's subnetwork in the region."
  type        = string
  default     = null
}

variable "node_machine_type" {
  description = "Standard only: machine type of the node pool."
  type        = string
  default     = "e2-standard-4"
}

variable "node_min_count" {
  description = "Standard only: fewest nodes per zone of the node pool."
  type        = number
  default     = 1
}

variable "node_max_count" {
  description = "Standard only: most nodes per zone of the node pool."
  type        = number
  default     = 3
}

variable "deletion_protection" {
  description = "Refuse `tofu destroy` of the cluster until this is set to false and applied."
  type        = bool
  default     = true
}
