"""One cold start, as Lambda makes it: bench/cold_start.py runs this file, once per start, as

    python -I -S -B bench/cold_start_probe.py ARGUMENTS

A script, never `-m bench...`: the process can import nothing of the repository but the folders
ARGUMENTS names (the function's code, the layer, the runtime's folder). ARGUMENTS is one JSON object
(cold_start.Starter.start): path, handler (None for the bare baseline), event, request_id, profile,
roots. The answer is one JSON line on stdout: init and first-invocation seconds, CPU seconds, the
sampled milliseconds by package when profiled, and the handler's result.
"""

import importlib
import json
import os
import sys
import threading
import time
from types import FrameType

# The sampler's phases: where the time of init and of the first invocation goes.
INIT, FIRST, DONE = "init_ms", "first_ms", "done"


class Sampler(threading.Thread):
    """Every millisecond: which package the main thread is in. The innermost frame of the code or of the
    layer names it; a module being imported names its own package (its loading included); the standard
    library counts for the package that called it; a wait on a socket is the stand-ins' answer."""

    def __init__(self, roots: list[str]) -> None:
        super().__init__(daemon=True)
        self.main, self.phase, self.last = threading.main_thread().ident, INIT, time.perf_counter()
        self.code, *self.packages = roots
        self.ours = {name.removesuffix(".py") for root in self.packages for name in os.listdir(root)}
        self.ours |= {"notifier", "handlers"}
        self.totals: dict[str, dict[str, float]] = {INIT: {}, FIRST: {}}

    def where(self, innermost: FrameType) -> str:
        if innermost.f_code.co_filename.endswith(("/socket.py", "/selectors.py", "/ssl.py")):
            return "waiting on the stand-ins"
        frame: FrameType | None = innermost
        while frame is not None:
            file = frame.f_code.co_filename
            if file.startswith(self.code):
                return "notifier"
            for root in self.packages:
                if file.startswith(root):
                    return file[len(root) :].lstrip("/").split("/")[0].removesuffix(".py")
            if frame.f_code.co_name == "_find_and_load_unlocked" and file.startswith("<frozen importlib"):
                top = str(frame.f_locals.get("name", "")).split(".")[0]
                if top in self.ours:
                    return "notifier" if top == "handlers" else top
            frame = frame.f_back
        return "python itself"

    def run(self) -> None:
        while self.phase != DONE:
            time.sleep(0.001)
            frame = sys._current_frames().get(self.main or 0)
            now = time.perf_counter()
            if frame is not None and self.phase in self.totals:
                totals, name = self.totals[self.phase], self.where(frame)
                totals[name] = totals.get(name, 0.0) + (now - self.last) * 1000
            self.last = now

    def spent(self) -> dict[str, dict[str, float]]:
        """Milliseconds by package, each phase's largest first."""
        return {
            phase: {name: round(ms, 1) for name, ms in sorted(totals.items(), key=lambda kv: -kv[1])}
            for phase, totals in self.totals.items()
        }


class Context:
    """The Lambda context object. Not tools/harness/context.py's: that one imports Powertools and
    tools.harness, which this process's path does not hold (the baseline's holds no Powertools)."""

    function_version = "$LATEST"
    log_stream_name = "2026/01/01/[$LATEST]0123456789abcdef"

    def __init__(self, request_id: str) -> None:
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.memory_limit_in_mb = int(os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"])
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self._deadline = time.monotonic() + 30

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.monotonic()) * 1000)


class Bare:
    """The baseline, a bare function: the runtime's boto3 and two clients at init; invoked, the calls one
    notification makes (PutItem, Publish, UpdateItem), bare."""

    def __init__(self) -> None:
        import boto3

        self.dynamodb, self.sns = boto3.client("dynamodb"), boto3.client("sns")

    def __call__(self, event: dict[str, object], _context: Context) -> dict[str, str]:
        table, key = os.environ["IDEMPOTENCY_TABLE_NAME"], {"id": {"S": f"bare#{event['id']}"}}
        self.dynamodb.put_item(
            TableName=table,
            Item={**key, "status": {"S": "INPROGRESS"}},
            ConditionExpression="attribute_not_exists(id)",
        )
        topic = os.environ["NOTIFICATION_TOPIC_ARN"]
        published = self.sns.publish(TopicArn=topic, Subject="bench", Message=json.dumps(event))
        self.dynamodb.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="SET #s = :s",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": {"S": "COMPLETED"}},
        )
        return {"messageId": published["MessageId"]}


def main() -> None:
    args = json.loads(sys.argv[1])
    # Lambda's order: the code, the layer, the runtime's folder, before the standard library (as
    # tools/harness/lambda_worker.py lays out a function's path).
    sys.path[:0] = args["path"]
    # The runtime's own start, before the function's init, as in Lambda: what it loads, the function finds loaded.
    importlib.import_module("awslambdaric.bootstrap")
    started = time.perf_counter()
    answers, sys.stdout = sys.stdout, sys.stderr  # the function's logs go where Lambda's go, not in the answer
    sampler = None
    if args["profile"]:
        sys.setswitchinterval(0.0005)
        sampler = Sampler(args["roots"])
        sampler.start()
    if args["handler"]:
        module, name = args["handler"].rsplit(".", 1)
        handler = getattr(importlib.import_module(module), name)
    else:
        handler = Bare()
    init, init_cpu = time.perf_counter() - started, time.process_time()
    if sampler:
        sampler.phase = FIRST
    invoked = time.perf_counter()
    result = handler(args["event"], Context(args["request_id"]))
    answer: dict[str, object] = {
        "init": init,
        "first": time.perf_counter() - invoked,
        "init_cpu": init_cpu,
        "cpu": time.process_time(),
    }
    if sampler:
        sampler.phase = DONE
        sampler.join()
        answer.update(sampler.spent())
    answer["result"] = json.loads(json.dumps(result, default=str))
    print(json.dumps(answer), file=answers, flush=True)


if __name__ == "__main__":
    main()
