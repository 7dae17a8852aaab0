# How the api and queue find their Redis (docs/reference.md §9): a Cloud Map private DNS namespace in the VPC. In
# awsvpc mode a bare service name does not resolve; each project's Redis registers in this namespace as
# lg-<p>-redis, so REDIS_URI names lg-<p>-redis.langgraph-cloud-redis. The operator discovers the
# namespace by name and never creates it (src/cloud/names.ts, REDIS_NAMESPACE_NAME).

resource "aws_service_discovery_private_dns_namespace" "redis" {
  name        = "langgraph-cloud-redis"
  description = "LangGraph Cloud Redis discovery"
  vpc         = local.vpc_id
}
