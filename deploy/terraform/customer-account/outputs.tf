output "operator_role_arn" {
  description = "roleArn of every project created in this account."
  value       = aws_iam_role.operator.arn
}

output "external_id" {
  description = "externalId of every project created in this account."
  value       = var.external_id
}

output "vpc_id" {
  description = "VPC the operator will discover by its langgraph-cloud-enabled tag."
  value       = local.vpc_id
}

output "private_subnet_ids" {
  description = "Subnets tagged langgraph-cloud-private=1: ECS tasks and RDS run here."
  value       = local.private_subnet_ids
}

output "public_subnet_ids" {
  description = "Subnets tagged langgraph-cloud-private=0."
  value       = local.public_subnet_ids
}

output "service_security_group_id" {
  description = "Id of langgraph-cloud-service-sg."
  value       = aws_security_group.service.id
}

output "lb_security_group_id" {
  description = "Id of langgraph-cloud-lb-sg."
  value       = aws_security_group.lb.id
}

output "db_subnet_group_name" {
  description = "Name of the DB subnet group for project databases."
  value       = aws_db_subnet_group.this.name
}

output "task_execution_role_arn" {
  description = "ARN of LangGraphCloudECSTaskExecutionRole."
  value       = aws_iam_role.task_execution.arn
}

output "redis_namespace_id" {
  description = "Id of the Cloud Map namespace langgraph-cloud-redis the projects' Redis registers in."
  value       = aws_service_discovery_private_dns_namespace.redis.id
}
