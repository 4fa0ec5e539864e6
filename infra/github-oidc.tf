# GitHub Actions -> AWS without stored keys (seed SEC-001): the enqueue action exchanges the workflow's
# OIDC token for this role's credentials (AssumeRoleWithWebIdentity) and may only send to the task queue.

locals {
  github_oidc_host = "token.actions.githubusercontent.com"

  github_oidc_provider_arn = (
    var.github_oidc_provider_arn != ""
    ? var.github_oidc_provider_arn
    : aws_iam_openid_connect_provider.github[0].arn
  )

  # The sub claims trusted, in GitHub's default template "repo:<repository>:<context>". A repository
  # written as owner@ID/repo@ID matches GitHub's immutable subject claims, which stop a deleted and
  # re-created owner or repository name from inheriting this trust.
  github_subjects_built = (
    var.github_environment != ""
    ? [for repo in var.github_repositories : "repo:${repo}:environment:${var.github_environment}"]
    : length(var.github_refs) > 0
    ? flatten([for repo in var.github_repositories : [for ref in var.github_refs : "repo:${repo}:ref:${ref}"]])
    : [for repo in var.github_repositories : "repo:${repo}:*"]
  )

  github_subjects = length(var.github_oidc_subjects) > 0 ? var.github_oidc_subjects : local.github_subjects_built
}

resource "aws_iam_openid_connect_provider" "github" {
  count = var.github_oidc_provider_arn == "" ? 1 : 0

  url            = "https://${local.github_oidc_host}"
  client_id_list = [var.github_oidc_audience]
  # AWS validates GitHub's certificate against its own trusted CAs and no longer uses these, but
  # provider versions before 5.81 require the argument; these are GitHub's published thumbprints.
  thumbprint_list = [
    "6938fd4d98bab03faadb97b34396831e3780aea1",
    "1c58a3a8518e8759bf075b76b750d4f2df264fcd",
  ]
}

data "aws_iam_policy_document" "action_trust" {
  statement {
    sid     = "GitHubActionsOidc"
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.github_oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc_host}:aud"
      values   = [var.github_oidc_audience]
    }

    condition {
      test     = "StringLike"
      variable = "${local.github_oidc_host}:sub"
      values   = local.github_subjects
    }
  }
}

resource "aws_iam_role" "action" {
  name                 = "${var.name_prefix}-enqueue-action"
  description          = "Assumed by the CodingWorker enqueue action through GitHub OIDC; may only send task messages."
  assume_role_policy   = data.aws_iam_policy_document.action_trust.json
  max_session_duration = 3600
}

data "aws_iam_policy_document" "action_permissions" {
  statement {
    sid       = "SendTasks"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.tasks.arn]
  }
}

resource "aws_iam_role_policy" "action" {
  name   = "send-tasks"
  role   = aws_iam_role.action.id
  policy = data.aws_iam_policy_document.action_permissions.json
}
