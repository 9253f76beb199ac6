"""The operations table's schema, read by the CDK app (infra/storm.py) and the functions alike.

Standard library only, like the catalog: the CDK app imports it without the functions' dependencies.
"""

PARTITION_KEY = "operation"
SORT_KEY = "item"
READY_INDEX = "ready"
READY_KEY = "undigested"  # the index's partition key: present (always "1") until digested
READY_SORT_KEY = "readyAt"  # epoch seconds: when the digest is due
EXPIRY_ATTRIBUTE = "purgeAt"  # DynamoDB TTL
