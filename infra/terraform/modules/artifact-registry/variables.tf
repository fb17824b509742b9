variable "project_id" {
  description = "Project that holds the repository."
  type        = string
}

variable "location" {
  description = "Repository location: the cluster's region, so that nodes pull in-region."
  type        = string
}

variable "repository_id" {
  description = "Repository name: images are LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE."
  type        = string
  default     = "serving"
}

variable "image_name" {
  description = "Image name inside the repository."
  type        = string
  default     = "lead-scoring"
}

variable "readers" {
  description = "IAM members that pull images (the cluster's nodes, Vertex AI's service agent), by a fixed key: the members themselves are only known after apply."
  type        = map(string)
  default     = {}
  validation {
    condition     = alltrue([for member in values(var.readers) : !contains(["allUsers", "allAuthenticatedUsers"], member)])
    error_message = "readers must name principals: allUsers and allAuthenticatedUsers would make the images public."
  }
}

variable "immutable_tags" {
  description = "Refuse to move an existing tag: a release tag always names the same image."
  type        = bool
  default     = true
}
