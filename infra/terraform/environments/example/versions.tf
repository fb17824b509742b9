terraform {
  required_version = ">= 1.6"
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 7.45"
    }
  }

  # State in a versioned bucket made once by hand (docs/deploy.md): the bucket name is given at
  # init, `tofu init -backend-config="bucket=PROJECT-tfstate"`, so this file names no project.
  backend "gcs" {
    prefix = "lead-scoring/example"
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
}
