"""Fleet-wide operations: one message per operation instead of one per instance (storm control).

A Run Command sent to 1,000 instances emits an event per instance and status; a Maintenance Window
run one per target. Those events go to a buffer (SQS), are recorded per operation in the operations
table, and one message sums the operation up once it ends or expires. Which detail-types belong to
which kind of operation, in which role, is catalog data (``catalog.OPERATIONS``).

- ``observations``: which operation and item an event belongs to, which status is newer, expiry (pure);
- ``summaries``: counts, failures and duration from the recorded items (pure);
- ``digest_messages``: the message, in the shape of every notification (pure);
- ``table_schema``: the operations table's keys and index, shared with ``infra/`` (standard library);
- ``operation_store``: the operations table's conditional writes, queries and claims (DynamoDB);
- ``recorder``: the batch function's part; ``sweeper``: the scheduled function's part.
"""
