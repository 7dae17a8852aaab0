# The two security groups the operator finds by name (docs/reference.md §9). Tasks and the RDS instance share the
# service group and talk to each other through its self rule (Postgres 5432, Redis 6379, API 8000);
# load balancers sit in the lb group and may reach only the API port.

resource "aws_security_group" "service" {
  name        = "langgraph-cloud-service-sg"
  description = "LangGraph Cloud ECS tasks and databases"
  vpc_id      = local.vpc_id

  lifecycle {
    precondition {
      condition     = var.create_vpc || var.vpc_id != null
      error_message = "Set vpc_id (and private_subnet_ids) of an existing VPC, or create_vpc = true."
    }
  }
}

resource "aws_security_group" "lb" {
  name        = "langgraph-cloud-lb-sg"
  description = "Load balancers in front of LangGraph Cloud API services"
  vpc_id      = local.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "service_from_self" {
  security_group_id            = aws_security_group.service.id
  referenced_security_group_id = aws_security_group.service.id
  ip_protocol                  = "-1"
  description                  = "Tasks and databases of LangGraph Cloud deployments"
}

resource "aws_vpc_security_group_ingress_rule" "service_from_lb" {
  security_group_id            = aws_security_group.service.id
  referenced_security_group_id = aws_security_group.lb.id
  ip_protocol                  = "tcp"
  from_port                    = 8000
  to_port                      = 8000
  description                  = "LangGraph API from load balancers"
}

resource "aws_vpc_security_group_egress_rule" "service_all" {
  security_group_id = aws_security_group.service.id
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "-1"
  description       = "Image pulls, AWS APIs and the deployments' own outbound calls"
}

resource "aws_vpc_security_group_ingress_rule" "lb_https" {
  for_each = { for pair in setproduct(var.lb_ingress_cidrs, [80, 443]) : "${pair[0]}:${pair[1]}" => pair }

  security_group_id = aws_security_group.lb.id
  cidr_ipv4         = each.value[0]
  ip_protocol       = "tcp"
  from_port         = each.value[1]
  to_port           = each.value[1]
  description       = "HTTP(S) clients"
}

resource "aws_vpc_security_group_egress_rule" "lb_to_service" {
  security_group_id            = aws_security_group.lb.id
  referenced_security_group_id = aws_security_group.service.id
  ip_protocol                  = "tcp"
  from_port                    = 8000
  to_port                      = 8000
  description                  = "LangGraph API tasks"
}
