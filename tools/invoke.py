"""One invocation of one function of the template, like `sam local invoke`, without Docker.

    python -m tools.invoke FUNCTION -e EVENT.json [--endpoint URL] [--dynamodb-endpoint URL]

FUNCTION is a construct id (AmiNotifier), a catalog name (ami) or a logical id from the
template. Prints the function's logs on stderr and its result (or error) on stdout; exit
code 0 when the handler returned, 1 when it raised.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tools.harness.endpoints import function_environment
from tools.harness.lambda_runner import FunctionProcess
from tools.harness.local_stack import LocalStack
from tools.harness.stand_ins import stand_ins
from tools.harness.template import Template, ensure_synthesized


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.invoke", description=__doc__.split("\n\n")[0])
    parser.add_argument("function", metavar="FUNCTION")
    parser.add_argument("-e", "--event", required=True, metavar="EVENT.json", help="the event, '-' for stdin")
    parser.add_argument("--endpoint", metavar="URL", help="use a running moto server instead of starting one")
    parser.add_argument("--dynamodb-endpoint", metavar="URL", help="use a running DynamoDB (Local) too")
    args = parser.parse_args(argv)
    event = json.load(sys.stdin) if args.event == "-" else json.loads(Path(args.event).read_text())
    template = Template(ensure_synthesized())
    try:
        spec = template.find_function(args.function)
    except KeyError as error:
        parser.error(str(error.args[0]))
    with stand_ins(sys.stderr, args.endpoint, args.dynamodb_endpoint) as endpoints:
        stack = LocalStack(template, endpoints).deploy()
        environment = {**function_environment(endpoints), **stack.function_environment(spec.logical_id)}
        process = FunctionProcess(spec, environment)
        try:
            invocation = process.invoke(event)
        finally:
            process.close()
    for line in invocation.logs:
        print(line, file=sys.stderr)
    if invocation.ok:
        print(json.dumps(invocation.result, indent=2, default=str))
        return 0
    print(json.dumps({"errorType": invocation.error_type, "errorMessage": invocation.error_message}, indent=2))
    return 1


if __name__ == "__main__":
    sys.exit(main())
