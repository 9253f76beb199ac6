"""The functions' handlers. Lambda imports `handlers.<function>`, so this package runs first.

The cyclic garbage collector is paused while a function loads: boto3, botocore's service models and
Powertools make hundreds of thousands of objects that live as long as the function, and the
collector went over them again and again, a noticeable part of every cold start
(docs/benchmarks.md). Each handler module ends with `loaded()`: what loading made is frozen, out of the
collector's reach for the function's life (it is never garbage), and the collector runs again.
If a module fails to load, the runtime reports it and its process exits (awslambdaric's bootstrap):
nothing runs on with the collector off.
"""

import gc

gc.disable()


def loaded() -> None:
    """The function's modules and clients are loaded: freeze them and resume the collector."""
    gc.freeze()
    gc.enable()
