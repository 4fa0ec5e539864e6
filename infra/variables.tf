# Every input of the CodingWorker infrastructure, with its default. terraform.tfvars.example shows a
# filled-in set; only github_repositories has no default.

variable "aws_region" {
  description = "AWS region for the queues, the alarm and the SNS topic. The worker's AWS_REGION and the action's aws-region must name the same one."
  type        = string
  default     = "ap-northeast-1"
}

variable "name_prefix" {
  description = "Prefix of every resource name: queues become <prefix>-tasks and <prefix>-tasks-dlq."
  type        = string
  default     = "codingworker"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,40}$", var.name_prefix))
    error_message = "name_prefix: use 1-40 letters, digits, hyphens or underscores (SQS queue-name rules)."
  }
}

variable "tags" {
  description = "Extra tags for every resource (Project = codingworker is always set)."
  type        = map(string)
  default     = {}
}

variable "trigger_label" {
  description = "The label that marks issues for CodingWorker; written into the workflow snippet and the worker env (CW_TRIGGER_LABEL). Default: auto-code."
  type        = string
  default     = "auto-code"
}

variable "fix_failing_checks" {
  description = "Names of the workflows whose failed runs on CodingWorker's pull requests CodingWorker should fix (workflow_run in the workflow snippet, with fix-failing-checks: true). Default: none (off)."
  type        = list(string)
  default     = []
}

variable "allowed_bots" {
  description = "Bot logins (e.g. renovate[bot]) that may trigger tasks; written into the workflow snippet (allowed-bots) and the worker env (CW_ALLOWED_BOTS), so both sides apply one list. Default: none."
  type        = list(string)
  default     = []
}

# --- GitHub OIDC: who may send tasks ---------------------------------------------------------------

variable "github_repositories" {
  description = <<-EOT
    Repositories whose workflows may assume the action's role, as they appear in the OIDC sub claim:
    "owner/repo", or "owner@OWNER_ID/repo@REPO_ID" for repositories that use GitHub's immutable subject
    claims (the default for repositories created or renamed on or after 2026-07-15). See docs/setup.md.
  EOT
  type        = list(string)

  validation {
    condition     = length(var.github_repositories) > 0
    error_message = "github_repositories: name at least one repository, e.g. [\"octocat/hello-world\"]."
  }

  validation {
    condition = alltrue([
      for repo in var.github_repositories :
      can(regex("^[A-Za-z0-9-]{1,39}(@[0-9]+)?/[A-Za-z0-9._-]{1,100}(@[0-9]+)?$", repo))
    ])
    error_message = "github_repositories: each entry must be \"owner/repo\" or \"owner@OWNER_ID/repo@REPO_ID\" (no wildcards)."
  }
}

variable "github_refs" {
  description = <<-EOT
    Git refs whose workflow runs may send tasks. `issues` events run the workflow file of the default
    branch, so this is normally just that branch. An empty list allows any ref, pull request or
    environment of the listed repositories (not recommended). Ignored when github_environment is set.
  EOT
  type        = list(string)
  default     = ["refs/heads/main"]

  validation {
    condition     = alltrue([for ref in var.github_refs : can(regex("^refs/(heads|tags)/[^*?]+$", ref))])
    error_message = "github_refs: each entry must be a full ref without wildcards, e.g. \"refs/heads/main\"."
  }
}

variable "github_environment" {
  description = "When set, only jobs running in this GitHub deployment environment may send tasks (sub = repo:OWNER/REPO:environment:NAME). Default: \"\" (match by ref)."
  type        = string
  default     = ""
}

variable "github_oidc_subjects" {
  description = <<-EOT
    Exact sub claim patterns to trust instead of the ones built from github_repositories, github_refs and
    github_environment. Use this when the repository or organization customises its OIDC sub template,
    e.g. ["repository_owner_id:123456:repository_id:456789:ref:refs/heads/main"]. Default: [] (built).
  EOT
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for subject in var.github_oidc_subjects : !can(regex("^\\*?$", subject))])
    error_message = "github_oidc_subjects: a pattern may not be empty or a bare \"*\": that would trust every GitHub workflow."
  }
}

variable "github_oidc_audience" {
  description = "The aud claim the action requests (its audience input). Default: sts.amazonaws.com."
  type        = string
  default     = "sts.amazonaws.com"
}

variable "github_oidc_provider_arn" {
  description = "ARN of an existing token.actions.githubusercontent.com OIDC provider in this account (an account holds only one). Default: \"\" (create it)."
  type        = string
  default     = ""
}

# --- The worker's identity -------------------------------------------------------------------------

variable "create_worker_user" {
  description = "Create the IAM user for the worker (seed SEC-001). Default: true. Set false when the worker only uses IAM Roles Anywhere."
  type        = bool
  default     = true
}

variable "create_worker_access_key" {
  description = "Also create the user's access key. Default: false, because the secret key is then stored in the Terraform state; create it with `aws iam create-access-key` instead (docs/setup.md)."
  type        = bool
  default     = false
}

variable "worker_roles_anywhere_ca_pem" {
  description = "PEM of a CA certificate you control. When set, an IAM Roles Anywhere trust anchor, profile and role are created so the worker can use short-lived credentials from a certificate instead of an access key (docs/setup.md). Default: \"\" (off)."
  type        = string
  default     = ""
}

variable "worker_certificate_cn" {
  description = "With Roles Anywhere: only certificates with this subject common name may assume the worker role. Default: \"codingworker\"."
  type        = string
  default     = "codingworker"
}

variable "worker_metrics_namespace" {
  description = "CloudWatch namespace the worker publishes task metrics to (the worker's CW_CLOUDWATCH_NAMESPACE). When set, the worker may call cloudwatch:PutMetricData for this namespace only. Default: \"\" (metrics off, no permission)."
  type        = string
  default     = ""
}

# --- Alarms ----------------------------------------------------------------------------------------

variable "alarm_email" {
  description = "E-mail address told when a task reaches the dead-letter queue (seed 7.3). AWS sends a confirmation mail first. Default: \"\" (the SNS topic is created without a subscription)."
  type        = string
  default     = ""
}

variable "oldest_message_alarm_seconds" {
  description = "Also alarm when the oldest task has waited this long (the worker is probably not running). 0 turns it off. Default: 0; 14400 (4 h) is a sensible value."
  type        = number
  default     = 0

  validation {
    condition     = var.oldest_message_alarm_seconds == 0 || var.oldest_message_alarm_seconds >= 300
    error_message = "oldest_message_alarm_seconds: use 0 (off) or at least 300; tasks routinely wait a few minutes."
  }
}
