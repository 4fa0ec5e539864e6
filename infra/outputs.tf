# Everything the enqueue action's inputs and the worker's settings need. After `terraform apply`:
#   terraform output -raw workflow_snippet   -> paste into .github/workflows/codingworker.yml
#   terraform output -raw worker_env         -> append to the worker's env file (service/codingworker.env.example)

output "aws_region" {
  description = "The region of the queues: the action's aws-region input and the worker's AWS_REGION."
  value       = var.aws_region
}

output "queue_url" {
  description = "The task queue: the action's queue-url input and the worker's CW_QUEUE_URL."
  value       = aws_sqs_queue.tasks.url
}

output "queue_arn" {
  description = "ARN of the task queue."
  value       = aws_sqs_queue.tasks.arn
}

output "dead_letter_queue_url" {
  description = "The dead-letter queue (codingworker dlq list / redrive find it through the task queue's redrive policy)."
  value       = aws_sqs_queue.dead_letter.url
}

output "dead_letter_queue_arn" {
  description = "ARN of the dead-letter queue."
  value       = aws_sqs_queue.dead_letter.arn
}

output "action_role_arn" {
  description = "The role the enqueue action assumes through OIDC: its role-to-assume input."
  value       = aws_iam_role.action.arn
}

output "github_oidc_subjects" {
  description = "The sub claims the action role trusts; compare with the sub in a failing run's OIDC token."
  value       = local.github_subjects
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms publish to; subscribe more endpoints to it if you like."
  value       = aws_sns_topic.alarms.arn
}

output "worker_policy_arn" {
  description = "The worker's IAM policy (attached to the user and, with Roles Anywhere, to the role)."
  value       = aws_iam_policy.worker.arn
}

output "worker_user_name" {
  description = "The worker's IAM user, or null when create_worker_user = false. Create its key with: aws iam create-access-key --user-name <this>."
  value       = var.create_worker_user ? aws_iam_user.worker[0].name : null
}

output "worker_access_key_id" {
  description = "Only when create_worker_access_key = true."
  value       = length(aws_iam_access_key.worker) > 0 ? aws_iam_access_key.worker[0].id : null
}

output "worker_secret_access_key" {
  description = "Only when create_worker_access_key = true: terraform output -raw worker_secret_access_key."
  value       = length(aws_iam_access_key.worker) > 0 ? aws_iam_access_key.worker[0].secret : null
  sensitive   = true
}

output "worker_roles_anywhere" {
  description = "With Roles Anywhere: the ARNs aws_signing_helper needs (--trust-anchor-arn, --profile-arn, --role-arn)."
  value = local.roles_anywhere_enabled ? {
    trust_anchor_arn = aws_rolesanywhere_trust_anchor.worker[0].arn
    profile_arn      = aws_rolesanywhere_profile.worker[0].arn
    role_arn         = aws_iam_role.worker[0].arn
  } : null
}

output "workflow_snippet" {
  description = "The workflow for each repository in github_repositories (.github/workflows/codingworker.yml)."
  value = templatefile("${path.module}/templates/workflow.yml.tftpl", {
    trigger_label      = var.trigger_label
    allowed_bots       = var.allowed_bots
    queue_url          = aws_sqs_queue.tasks.url
    aws_region         = var.aws_region
    role_arn           = aws_iam_role.action.arn
    audience           = var.github_oidc_audience
    fix_failing_checks = var.fix_failing_checks
  })
}

output "worker_env" {
  description = "The worker settings these resources determine, in env-file form (credentials are added separately, see docs/setup.md)."
  value = templatefile("${path.module}/templates/worker.env.tftpl", {
    queue_url         = aws_sqs_queue.tasks.url
    aws_region        = var.aws_region
    metrics_namespace = var.worker_metrics_namespace
    trigger_label     = var.trigger_label
    allowed_bots      = var.allowed_bots
  })
}
