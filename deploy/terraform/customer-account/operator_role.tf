# The role the byoc-operator control plane assumes in this account (docs/reference.md §9). Only the control
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

# What the managed policies above lack (docs/reference.md §9), in one inline policy. The same statements are in
# deploy/iam/operator-role-inline-policy.json for customers who manage IAM outside Terraform;
# test/deploy/terraform.test.ts checks the two agree. Load balancers and target groups are the
# operator's own when they are named lg-* (src/cloud/names.ts, albName).
data "aws_iam_policy_document" "operator_extras" {
  statement {
    sid    = "ReadLoadBalancing"
    effect = "Allow"
    actions = [
      "elasticloadbalancing:DescribeListeners",
      "elasticloadbalancing:DescribeLoadBalancerAttributes",
      "elasticloadbalancing:DescribeLoadBalancers",
      "elasticloadbalancing:DescribeTags",
      "elasticloadbalancing:DescribeTargetGroupAttributes",
      "elasticloadbalancing:DescribeTargetGroups",
      "elasticloadbalancing:DescribeTargetHealth",
    ]
    resources = ["*"]
  }

  statement {
    sid    = "ManageProjectLoadBalancing"
    effect = "Allow"
    actions = [
      "elasticloadbalancing:AddTags",
      "elasticloadbalancing:CreateListener",
      "elasticloadbalancing:CreateLoadBalancer",
      "elasticloadbalancing:CreateTargetGroup",
      "elasticloadbalancing:DeleteListener",
      "elasticloadbalancing:DeleteLoadBalancer",
      "elasticloadbalancing:DeleteTargetGroup",
      "elasticloadbalancing:ModifyListener",
      "elasticloadbalancing:ModifyLoadBalancerAttributes",
      "elasticloadbalancing:ModifyTargetGroup",
      "elasticloadbalancing:ModifyTargetGroupAttributes",
      "elasticloadbalancing:RemoveTags",
      "elasticloadbalancing:SetSecurityGroups",
      "elasticloadbalancing:SetSubnets",
    ]
    resources = [
      "arn:aws:elasticloadbalancing:*:*:loadbalancer/app/lg-*/*",
      "arn:aws:elasticloadbalancing:*:*:targetgroup/lg-*/*",
      "arn:aws:elasticloadbalancing:*:*:listener/app/lg-*/*",
    ]
  }

  statement {
    sid       = "ReadCertificates"
    effect    = "Allow"
    actions   = ["acm:DescribeCertificate", "acm:ListCertificates"]
    resources = ["*"]
  }

  statement {
    sid       = "ScaleEcsServices"
    effect    = "Allow"
    actions   = ["application-autoscaling:*"]
    resources = ["*"]
  }

  statement {
    sid    = "DiscoverRedis"
    effect = "Allow"
    actions = [
      "servicediscovery:CreateService",
      "servicediscovery:DeleteService",
      "servicediscovery:DiscoverInstances",
      "servicediscovery:GetNamespace",
      "servicediscovery:GetOperation",
      "servicediscovery:GetService",
      "servicediscovery:ListInstances",
      "servicediscovery:ListNamespaces",
      "servicediscovery:ListServices",
      "servicediscovery:ListTagsForResource",
      "servicediscovery:TagResource",
      "servicediscovery:UntagResource",
      "servicediscovery:UpdateService",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "ServiceLinkedRolesOnFirstUse"
    effect    = "Allow"
    actions   = ["iam:CreateServiceLinkedRole"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "iam:AWSServiceName"
      values   = ["ecs.application-autoscaling.amazonaws.com", "elasticloadbalancing.amazonaws.com"]
    }
  }

  statement {
    sid     = "ManageTheLogGroup"
    effect  = "Allow"
    actions = ["logs:PutRetentionPolicy", "logs:TagResource"]
    resources = [
      "arn:aws:logs:*:*:log-group:/aws/ecs/langgraph-cloud",
      "arn:aws:logs:*:*:log-group:/aws/ecs/langgraph-cloud:*",
    ]
  }
}

resource "aws_iam_role_policy" "operator_extras" {
  name   = "langgraph-cloud-operator-extras"
  role   = aws_iam_role.operator.id
  policy = data.aws_iam_policy_document.operator_extras.json
}
