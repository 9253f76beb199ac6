"""Runs one function's handler the way Lambda's Python runtime does, for the local tools.

Started as `python -I -S lambda_worker.py CODE_DIR HANDLER [LAYER_DIR ...]`: -I and -S
leave only the standard library on sys.path, then this adds the function's code asset
and each layer's python/ folder, exactly what Lambda puts there. Nothing else of the
repository or of the virtualenv can be imported, so a dependency missing from
lambdas/requirements.txt fails here as it would in Lambda.

Requests arrive on stdin, one JSON object a line: {"event": ..., "requestId": ...}.
Answers go to the original stdout, one JSON line each; the handler's own output
(Powertools logs and metrics) goes to stderr.
"""

import importlib
import json
import os
import sys
import time
import traceback

# Marks, on stderr, the end of one invocation's logs.
END_OF_LOGS = "\x1eend-of-invocation "


class LambdaContext:
    def __init__(self, request_id: str, timeout: float) -> None:
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "local")
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        region = os.environ.get("AWS_REGION", "us-east-1")
        account = os.environ.get("LOCAL_ACCOUNT_ID", "123456789012")
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{account}:function:{self.function_name}"
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(int((self._deadline - time.monotonic()) * 1000), 0)


def main() -> None:
    answers = sys.stdout
    sys.stdout = sys.stderr
    code_dir, handler_path, *layer_dirs = sys.argv[1:]
    sys.path[:0] = [code_dir] + [os.path.join(layer, "python") for layer in layer_dirs]
    timeout = float(os.environ.get("AWS_LAMBDA_FUNCTION_TIMEOUT", "3"))
    module_name, attribute = handler_path.rsplit(".", 1)
    handler = None
    init_error = None
    try:
        handler = getattr(importlib.import_module(module_name), attribute)
    except Exception as error:  # reported on every invocation, as Lambda does
        init_error = {
            "errorType": "Runtime.ImportModuleError" if isinstance(error, ImportError) else "Runtime.InitError",
            "errorMessage": f"{type(error).__name__}: {error}",
            "stackTrace": traceback.format_exc().splitlines(),
        }
    for line in sys.stdin:
        request = json.loads(line)
        if handler is None:
            answer = {"ok": False, **(init_error or {})}
        else:
            try:
                result = handler(request["event"], LambdaContext(request["requestId"], timeout))
                answer = {"ok": True, "result": result}
            except Exception as error:
                answer = {
                    "ok": False,
                    "errorType": type(error).__name__,
                    "errorMessage": str(error),
                    "stackTrace": traceback.format_exc().splitlines(),
                }
        print(END_OF_LOGS + request["requestId"], file=sys.stderr, flush=True)
        answers.write(json.dumps(answer, default=str) + "\n")
        answers.flush()


if __name__ == "__main__":
    main()
