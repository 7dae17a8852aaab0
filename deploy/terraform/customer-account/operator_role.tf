# The role the byoc-operator control plane assumes in this account (SPEC §4). Only the control
# plane's principal may assume it, and only with the agreed external ID, so another customer of the
# same control plane cannot trick it into acting here (the confused-deputy problem).

locals {
  # Exactly the AWS managed policies the operator is built against; src/cloud/names.ts
  # (OPERATOR_ROLE_MANAGED_POLICIES) holds the same list and test/deploy checks they agree.
  operator_managed_policy_arns = [
    "arn:aws:iam::aws:policy/AmazonVPCReadOnlyAccess",
    "arn:aws:iam::aws:policy/AmazonECS_FullAccess",
    "arn:aws:iam::aws:policy/SecretsManagerReadWrite",
    "arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess",
    "arn:aws:iam::aws:policy/AmazonRDSFullAccess",
  ]
}

data "aws_iam_policy_document" "operator_trust" {
  statement {
    sid     = "ControlPlaneWithExternalId"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "AWS"
      identifiers = [var.control_plane_principal_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = [var.external_id]
    }
  }
}

resource "aws_iam_role" "operator" {
  name                 = var.operator_role_name
  description          = "Assumed by the byoc-operator control plane to run LangGraph Cloud deployments in this account."
  assume_role_policy   = data.aws_iam_policy_document.operator_trust.json
  max_session_duration = 3600
}

resource "aws_iam_role_policy_attachment" "operator" {
  for_each = toset(local.operator_managed_policy_arns)

  role       = aws_iam_role.operator.name
  policy_arn = each.value
}
