# The network the operator discovers by tag (docs/reference.md §9): the VPC and its subnets carry
# langgraph-cloud-enabled=1, private subnets langgraph-cloud-private=1, public ones 0.
# Either an existing VPC is tagged in place (aws_ec2_tag leaves its other tags alone and
# removes only ours on destroy), or a new one is created with the tags on it.

locals {
  azs = var.create_vpc ? slice(data.aws_availability_zones.available[0].names, 0, var.availability_zone_count) : []

  vpc_id             = var.create_vpc ? aws_vpc.this[0].id : var.vpc_id
  private_subnet_ids = var.create_vpc ? [for az in local.azs : aws_subnet.private[az].id] : var.private_subnet_ids
  public_subnet_ids  = var.create_vpc ? [for az in local.azs : aws_subnet.public[az].id] : var.public_subnet_ids
}

# --- existing VPC -------------------------------------------------------------------------------

resource "aws_ec2_tag" "vpc_enabled" {
  count = var.create_vpc ? 0 : 1

  resource_id = var.vpc_id
  key         = "langgraph-cloud-enabled"
  value       = "1"
}

resource "aws_ec2_tag" "subnet_enabled" {
  for_each = var.create_vpc ? toset([]) : toset(concat(var.private_subnet_ids, var.public_subnet_ids))

  resource_id = each.value
  key         = "langgraph-cloud-enabled"
  value       = "1"
}

resource "aws_ec2_tag" "private_subnet" {
  for_each = var.create_vpc ? toset([]) : toset(var.private_subnet_ids)

  resource_id = each.value
  key         = "langgraph-cloud-private"
  value       = "1"
}

resource "aws_ec2_tag" "public_subnet" {
  for_each = var.create_vpc ? toset([]) : toset(var.public_subnet_ids)

  resource_id = each.value
  key         = "langgraph-cloud-private"
  value       = "0"
}

# --- new VPC (create_vpc = true) ----------------------------------------------------------------

data "aws_availability_zones" "available" {
  count = var.create_vpc ? 1 : 0

  state = "available"
}

resource "aws_vpc" "this" {
  count = var.create_vpc ? 1 : 0

  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = {
    Name                      = "langgraph-cloud"
    "langgraph-cloud-enabled" = "1"
  }
}

resource "aws_subnet" "private" {
  for_each = { for i, az in local.azs : az => i }

  vpc_id            = aws_vpc.this[0].id
  availability_zone = each.key
  cidr_block        = cidrsubnet(var.vpc_cidr, 4, each.value)

  tags = {
    Name                      = "langgraph-cloud-private-${each.key}"
    "langgraph-cloud-enabled" = "1"
    "langgraph-cloud-private" = "1"
  }
}

resource "aws_subnet" "public" {
  for_each = { for i, az in local.azs : az => i }

  vpc_id            = aws_vpc.this[0].id
  availability_zone = each.key
  cidr_block        = cidrsubnet(var.vpc_cidr, 4, each.value + 8)

  tags = {
    Name                      = "langgraph-cloud-public-${each.key}"
    "langgraph-cloud-enabled" = "1"
    "langgraph-cloud-private" = "0"
  }
}

resource "aws_internet_gateway" "this" {
  count = var.create_vpc ? 1 : 0

  vpc_id = aws_vpc.this[0].id
  tags   = { Name = "langgraph-cloud" }
}

# One NAT gateway, in the first AZ: tasks in private subnets need egress to pull images and reach
# AWS APIs. An AZ outage takes their egress with it; use an existing VPC with per-AZ NAT if that matters.
resource "aws_eip" "nat" {
  count = var.create_vpc ? 1 : 0

  domain = "vpc"
  tags   = { Name = "langgraph-cloud-nat" }
}

resource "aws_nat_gateway" "this" {
  count = var.create_vpc ? 1 : 0

  allocation_id = aws_eip.nat[0].id
  subnet_id     = aws_subnet.public[local.azs[0]].id
  tags          = { Name = "langgraph-cloud" }

  depends_on = [aws_internet_gateway.this]
}

resource "aws_route_table" "public" {
  count = var.create_vpc ? 1 : 0

  vpc_id = aws_vpc.this[0].id
  tags   = { Name = "langgraph-cloud-public" }

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.this[0].id
  }
}

resource "aws_route_table" "private" {
  count = var.create_vpc ? 1 : 0

  vpc_id = aws_vpc.this[0].id
  tags   = { Name = "langgraph-cloud-private" }

  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.this[0].id
  }
}

resource "aws_route_table_association" "public" {
  for_each = aws_subnet.public

  subnet_id      = each.value.id
  route_table_id = aws_route_table.public[0].id
}

resource "aws_route_table_association" "private" {
  for_each = aws_subnet.private

  subnet_id      = each.value.id
  route_table_id = aws_route_table.private[0].id
}
