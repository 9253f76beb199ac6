"""Why it failed: the reasons, names and next steps a failure message carries, read within a budget.

- ``reads``: the AWS reads (SSM, EC2), one call each, behind ``FailureReads``;
- ``budget``: ``ReadBudget`` runs reads in parallel, at most N calls and S seconds per message;
  a read that is denied, throttled, slow or empty becomes one "unavailable" line, never an error;
- ``output``: text from instances (command output, failure messages) made safe to show;
- ``reasons``: what to read for a fleet message or one event, and the ``FailureReport`` it gives;
- ``messages``: the report as e-mail lines and as the JSON document's ``failure`` object.
"""
