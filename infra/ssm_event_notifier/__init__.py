"""SSM Event Notifier: Systems Manager and EC2 AMI events to the teams that act on them."""
