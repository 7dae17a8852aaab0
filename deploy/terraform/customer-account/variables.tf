variable "control_plane_principal_arn" {
  description = "ARN of the IAM principal the byoc-operator control plane runs as (its own role). Only this principal may assume the operator role."
  type        = string

  validation {
    condition     = can(regex("^arn:aws:iam::[0-9]{12}:(root|role/.+|user/.+)$", var.control_plane_principal_arn))
    error_message = "control_plane_principal_arn must be an IAM role, user or account-root ARN, e.g. arn:aws:iam::111122223333:role/byoc-operator."
  }
}

variable "external_id" {
  description = "External ID the control plane passes to sts:AssumeRole (confused-deputy guard). Give the same value as the project's externalId."
  type        = string

  validation {
    condition     = length(var.external_id) >= 2 && length(var.external_id) <= 1224 && can(regex("^[[:alnum:]+=,.@:/_-]+$", var.external_id))
    error_message = "external_id must be 2-1224 characters of letters, digits and +=,.@:/_- (the characters STS accepts)."
  }
}

variable "operator_role_name" {
  description = "Name of the role the operator assumes. The operator's own IAM policy (deploy/iam/operator-policy.json) only allows roles whose name starts with LangGraphCloudOperatorRole."
  type        = string
  default     = "LangGraphCloudOperatorRole"

  validation {
    condition     = can(regex("^LangGraphCloudOperatorRole[[:alnum:]+=,.@_-]{0,38}$", var.operator_role_name))
    error_message = "operator_role_name must start with LangGraphCloudOperatorRole (the operator may assume no other role) and be at most 64 characters."
  }
}

variable "create_vpc" {
  description = "Create a new VPC with private and public subnets across availability zones and a NAT gateway. When false, vpc_id and the subnet ids of an existing VPC are tagged instead."
  type        = bool
  default     = false
}

variable "vpc_id" {
  description = "Existing VPC to tag for LangGraph Cloud (required when create_vpc is false)."
  type        = string
  default     = null

  validation {
    condition     = var.vpc_id == null || can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must look like vpc-0123456789abcdef0."
  }
}

variable "private_subnet_ids" {
  description = "Private subnets of the existing VPC, in at least two availability zones: ECS tasks and RDS run here (required when create_vpc is false)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.private_subnet_ids : can(regex("^subnet-[0-9a-f]+$", id))])
    error_message = "private_subnet_ids must contain subnet ids like subnet-0123456789abcdef0."
  }
}

variable "public_subnet_ids" {
  description = "Public subnets of the existing VPC, tagged langgraph-cloud-private=0 (optional)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.public_subnet_ids : can(regex("^subnet-[0-9a-f]+$", id))])
    error_message = "public_subnet_ids must contain subnet ids like subnet-0123456789abcdef0."
  }
}

variable "vpc_cidr" {
  description = "CIDR block of the new VPC (create_vpc = true); each subnet gets a /(prefix+4) of it."
  type        = string
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && try(tonumber(split("/", var.vpc_cidr)[1]) >= 16 && tonumber(split("/", var.vpc_cidr)[1]) <= 24, false)
    error_message = "vpc_cidr must be an IPv4 CIDR block between /16 and /24."
  }
}

variable "availability_zone_count" {
  description = "Number of availability zones the new VPC spans (create_vpc = true); RDS needs at least two."
  type        = number
  default     = 2

  validation {
    condition     = var.availability_zone_count >= 2 && var.availability_zone_count <= 6 && floor(var.availability_zone_count) == var.availability_zone_count
    error_message = "availability_zone_count must be a whole number from 2 to 6."
  }
}

variable "lb_ingress_cidrs" {
  description = "IPv4 CIDR blocks allowed to reach load balancers in langgraph-cloud-lb-sg on ports 80 and 443."
  type        = list(string)
  default     = ["0.0.0.0/0"]

  validation {
    condition     = alltrue([for c in var.lb_ingress_cidrs : can(cidrhost(c, 0))])
    error_message = "lb_ingress_cidrs must contain IPv4 CIDR blocks."
  }
}

variable "create_elb_service_linked_role" {
  description = "Create AWSServiceRoleForElasticLoadBalancing. Leave false when the account already has it (any account that ever had a load balancer does); ELB also creates it on first use."
  type        = bool
  default     = false
}
