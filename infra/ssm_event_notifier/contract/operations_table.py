"""The operations table's schema (read by infra/ssm_event_notifier/fleet_operations.py and the functions alike): the
latest status of every item of every fleet-wide operation.

One partition per operation (`operation` = "command#<id>", "association#<account>/<region>/<id>"...):
- `item` = "#operation": the operation's own status, the fields its message shows, `expiresAt`,
  and while its message is waiting `undigested` = "1" with `readyAt` (epoch seconds): the sparse
  index READY_INDEX lists exactly the operations the sweeper has to look at, by when;
- `item` = instance id, step name, resource id, or "<task execution>/<instance>" (window runs): the
  latest status of one item, with the `order` that made it the latest (observations.order_of),
  the reason its event gave, and the `generation` (wave) of a quiet-ended operation;
- `item` = "#task#<task execution>": a window task's own latest status.
Every write is conditional: out-of-order, repeated and concurrent deliveries leave the state one
delivery in order would; nothing reopens an operation whose message went out. A quiet-ended
operation (association run, compliance wave) is not closed but moved to its next generation.
Standard library only, like the catalog: the CDK app imports it without the functions' dependencies.
"""

PARTITION_KEY = "operation"
SORT_KEY = "item"
READY_INDEX = "ready"
READY_KEY = "undigested"  # the index's partition key: present (always "1") until digested
READY_SORT_KEY = "readyAt"  # epoch seconds: when the digest is due
EXPIRY_ATTRIBUTE = "purgeAt"  # DynamoDB TTL
