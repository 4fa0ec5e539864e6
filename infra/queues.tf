# The task queue and its dead-letter queue (seed FR-002, 7.3). The worker's defaults assume these values:
# CW_VISIBILITY_TIMEOUT 3600 equals the queue's visibility timeout, and its retry schedule (0, 60, 300 s)
# uses the three deliveries maxReceiveCount allows.

locals {
  task_queue_name        = "${var.name_prefix}-tasks"
  dead_letter_queue_name = "${var.name_prefix}-tasks-dlq"
}

resource "aws_sqs_queue" "dead_letter" {
  name = local.dead_letter_queue_name
  # 14 days, the SQS maximum: longer than the task queue's retention, as AWS advises, so a message's
  # original enqueue time never makes it expire early here.
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue" "tasks" {
  name = local.task_queue_name
  # Standard queue: the seed needs no FIFO ordering, and the worker is idempotent (at-least-once).
  fifo_queue                 = false
  visibility_timeout_seconds = 3600   # seed FR-002: a task may take an hour
  message_retention_seconds  = 345600 # 4 days
  receive_wait_time_seconds  = 20     # long polling by default (seed FR-003)
  sqs_managed_sse_enabled    = true   # SSE-SQS, AWS-managed keys (seed SEC-002)

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter.arn
    maxReceiveCount     = 3
  })
}

# Only the task queue may use the DLQ. A separate resource because the queues would otherwise refer
# to each other's ARN.
resource "aws_sqs_queue_redrive_allow_policy" "dead_letter" {
  queue_url = aws_sqs_queue.dead_letter.id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.tasks.arn]
  })
}

# In-transit encryption (seed SEC-002): refuse any request that does not use TLS. Deny-only; access
# itself is granted by the IAM policies in github-oidc.tf and worker-identity.tf.
data "aws_iam_policy_document" "tls_only" {
  for_each = {
    tasks       = aws_sqs_queue.tasks.arn
    dead_letter = aws_sqs_queue.dead_letter.arn
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [each.value]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "tasks" {
  queue_url = aws_sqs_queue.tasks.id
  policy    = data.aws_iam_policy_document.tls_only["tasks"].json
}

resource "aws_sqs_queue_policy" "dead_letter" {
  queue_url = aws_sqs_queue.dead_letter.id
  policy    = data.aws_iam_policy_document.tls_only["dead_letter"].json
}
