# The role ECS uses to start every project's tasks (docs/reference.md §9): pull images, write logs, and read the
# project's secrets into the container environment. It may read only secrets that carry the
# langgraph-cloud tag, which the operator puts on every secret it creates: any other secret in the
# account given that tag becomes readable by these tasks too.

data "aws_caller_identity" "current" {}

data "aws_iam_policy_document" "task_execution_trust" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "task_execution" {
  name               = "LangGraphCloudECSTaskExecutionRole"
  description        = "ECS task execution role for LangGraph Cloud deployments."
  assume_role_policy = data.aws_iam_policy_document.task_execution_trust.json
}

resource "aws_iam_role_policy_attachment" "task_execution" {
  role       = aws_iam_role.task_execution.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

data "aws_iam_policy_document" "read_project_secrets" {
  statement {
    sid       = "ReadLangGraphCloudSecrets"
    effect    = "Allow"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = ["arn:aws:secretsmanager:*:${data.aws_caller_identity.current.account_id}:secret:*"]

    condition {
      test     = "Null"
      variable = "aws:ResourceTag/langgraph-cloud"
      values   = ["false"]
    }
  }
}

resource "aws_iam_role_policy" "read_project_secrets" {
  name   = "ReadLangGraphCloudSecrets"
  role   = aws_iam_role.task_execution.id
  policy = data.aws_iam_policy_document.read_project_secrets.json
}
