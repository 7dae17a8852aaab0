# Elastic Load Balancing needs its service-linked role before the first load balancer of an account.
# ELB creates it itself on first use when the caller may (the operator role's inline policy allows
# iam:CreateServiceLinkedRole for it), and most accounts that ever had a load balancer already have
# one: creating it again fails, so it is made here only when asked.

resource "aws_iam_service_linked_role" "elb" {
  count = var.create_elb_service_linked_role ? 1 : 0

  aws_service_name = "elasticloadbalancing.amazonaws.com"
  description      = "Lets Elastic Load Balancing manage the load balancers of LangGraph Cloud deployments."
}
