"""The Systems Manager API audit: CloudTrail records of the calls people make, one message per burst.

``bursts``: ``BurstGate``, the pipeline's gate: the first call of a kind by a principal is news; the
same call by the same principal within the burst window is counted, not notified again.
"""
