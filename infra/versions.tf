# Terraform and provider versions. The seed asks for Terraform 1.5+ with state in S3: the backend is left
# out of this file on purpose so `terraform init` works with local state for a first try; copy
# backend.tf.example to backend.tf (or pass -backend-config) to keep the state in S3.
terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.x brought aws_sqs_queue_redrive_allow_policy and the IAM Roles Anywhere resources used here.
      version = ">= 5.0, < 7.0"
    }
  }
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = merge({ Project = "codingworker" }, var.tags)
  }
}
