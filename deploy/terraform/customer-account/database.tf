# The DB subnet group every project's RDS instance is created in (docs/reference.md §9): the private subnets.

resource "aws_db_subnet_group" "this" {
  name        = "langgraph-cloud-db-subnet-group"
  description = "Private subnets for LangGraph Cloud databases"
  subnet_ids  = local.private_subnet_ids

  lifecycle {
    precondition {
      condition     = length(local.private_subnet_ids) >= 2
      error_message = "RDS needs private subnets in at least two availability zones: give two or more private_subnet_ids, or create_vpc = true."
    }
  }
}
