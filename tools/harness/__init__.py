"""The one local harness that tools/, tests/ and bench/ share: the local services, the resources made
from the synthesized template, Lambda-like delivery, and the loader of the sample events."""
