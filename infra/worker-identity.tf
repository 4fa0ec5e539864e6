# The worker's identity and the one policy it gets, whichever way it signs in:
# - the seed's IAM user (SEC-001), with an access key you create outside Terraform by default, or
# - IAM Roles Anywhere (optional): short-lived credentials from an X.509 certificate on the laptop, so
#   no long-lived key exists at all. See docs/setup.md for why and how.

locals {
  roles_anywhere_enabled = var.worker_roles_anywhere_ca_pem != ""
  metrics_enabled        = var.worker_metrics_namespace != ""
}

data "aws_iam_policy_document" "worker" {
  # The daemon: long-poll, delete when done, keep a running task invisible (heartbeat, retry delays),
  # and read the queue's attributes (doctor, the redrive policy that names the DLQ).
  statement {
    sid    = "ConsumeTasks"
    effect = "Allow"
    actions = [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
    ]
    resources = [aws_sqs_queue.tasks.arn]
  }

  # The daemon moves a permanently failed task to the DLQ itself, with its reason, instead of waiting
  # for three redeliveries.
  statement {
    sid       = "DeadLetterTasks"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letter.arn]
  }

  # `codingworker dlq list` and `dlq redrive`: read the DLQ, delete what was replayed, and send the
  # replayed task back to the task queue (`codingworker enqueue` uses the same permission).
  statement {
    sid    = "InspectDeadLetters"
    effect = "Allow"
    actions = [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
    ]
    resources = [aws_sqs_queue.dead_letter.arn]
  }

  statement {
    sid       = "RedriveTasks"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.tasks.arn]
  }

  # Opt-in CloudWatch metrics (seed MAINT-002). PutMetricData has no resource-level permissions, so the
  # namespace condition is what keeps it narrow.
  dynamic "statement" {
    for_each = local.metrics_enabled ? [var.worker_metrics_namespace] : []

    content {
      sid       = "PublishMetrics"
      effect    = "Allow"
      actions   = ["cloudwatch:PutMetricData"]
      resources = ["*"]

      condition {
        test     = "StringEquals"
        variable = "cloudwatch:namespace"
        values   = [statement.value]
      }
    }
  }
}

resource "aws_iam_policy" "worker" {
  name        = "${var.name_prefix}-worker"
  description = "What the CodingWorker daemon and its dlq commands need on the task queue and the DLQ, nothing else."
  policy      = data.aws_iam_policy_document.worker.json
}

# --- The seed's IAM user ---------------------------------------------------------------------------

resource "aws_iam_user" "worker" {
  count = var.create_worker_user ? 1 : 0
  name  = "${var.name_prefix}-worker"
}

resource "aws_iam_user_policy_attachment" "worker" {
  count      = var.create_worker_user ? 1 : 0
  user       = aws_iam_user.worker[0].name
  policy_arn = aws_iam_policy.worker.arn
}

# Off by default: the secret would be stored in plain text in the Terraform state.
resource "aws_iam_access_key" "worker" {
  count = var.create_worker_user && var.create_worker_access_key ? 1 : 0
  user  = aws_iam_user.worker[0].name
}

# --- IAM Roles Anywhere (optional, no long-lived key) ----------------------------------------------

resource "aws_rolesanywhere_trust_anchor" "worker" {
  count   = local.roles_anywhere_enabled ? 1 : 0
  name    = "${var.name_prefix}-worker"
  enabled = true

  source {
    source_type = "CERTIFICATE_BUNDLE"

    source_data {
      x509_certificate_data = var.worker_roles_anywhere_ca_pem
    }
  }
}

data "aws_iam_policy_document" "worker_roles_anywhere_trust" {
  count = local.roles_anywhere_enabled ? 1 : 0

  statement {
    sid    = "RolesAnywhere"
    effect = "Allow"
    # TagSession and SetSourceIdentity are part of every Roles Anywhere session: it tags the session
    # with the certificate's subject and sets the source identity.
    actions = ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"]

    principals {
      type        = "Service"
      identifiers = ["rolesanywhere.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_rolesanywhere_trust_anchor.worker[0].arn]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalTag/x509Subject/CN"
      values   = [var.worker_certificate_cn]
    }
  }
}

resource "aws_iam_role" "worker" {
  count                = local.roles_anywhere_enabled ? 1 : 0
  name                 = "${var.name_prefix}-worker"
  description          = "Assumed by the CodingWorker daemon through IAM Roles Anywhere."
  assume_role_policy   = data.aws_iam_policy_document.worker_roles_anywhere_trust[0].json
  max_session_duration = 3600
}

resource "aws_iam_role_policy_attachment" "worker" {
  count      = local.roles_anywhere_enabled ? 1 : 0
  role       = aws_iam_role.worker[0].name
  policy_arn = aws_iam_policy.worker.arn
}

resource "aws_rolesanywhere_profile" "worker" {
  count            = local.roles_anywhere_enabled ? 1 : 0
  name             = "${var.name_prefix}-worker"
  enabled          = true
  role_arns        = [aws_iam_role.worker[0].arn]
  duration_seconds = 3600
}
