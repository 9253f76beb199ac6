"""The one local harness that tools/, tests/ and bench/ share (tests/ and bench/ never import each other).

- local services: ``services`` (DynamoDB Local, moto server), ``calendar_service`` (the SSM
  calendar stand-in), ``endpoints`` (the environment that points clients at them), ``stand_ins``
  (all of them for a local run of the stack);
- resources: ``tables`` and ``subscribers`` (made for one test or run), ``template`` (the
  synthesized stack read) and ``local_stack`` (its resources made on the stand-ins);
- functions: ``handler_loader`` (a handler imported as Lambda imports it), ``context`` (its
  context object), ``lambda_runner`` and ``lambda_worker`` (a function run from its bundled asset);
- Lambda-like delivery: ``lambda_async`` (asynchronous invocation and the one on-failure record),
  ``faults`` and ``sdk_hooks`` (faults injected, requests counted), ``soak``, ``replayer`` with
  ``sqs_poller`` and ``outcomes`` (events through the template's rules), ``operation_run`` (a
  fleet-wide operation through the batch function and the sweeper) with ``partition_meter``
  (DynamoDB's per-partition write limit, which DynamoDB Local lacks);
- ``samples``: the one loader of the sample events in events/;
- ``browser``: Debian's chromium, headless, for the tests that look at a page (the preview).
"""
