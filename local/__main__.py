"""`python -m local` — start the Sitepulse local stack (what `make run` does)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from local.fault_spec import ENV_VAR, FaultSpecError, faults_from_env
from local.stack import ROOT, LocalStack


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    parser.add_argument("--template", type=Path, default=ROOT / "template.yaml")
    parser.add_argument("--state-file", type=Path, default=ROOT / ".sitepulse" / "local.json")
    parser.add_argument("--no-demo", action="store_true", help="start without demo data")
    parser.add_argument("--no-schedules", action="store_true", help="do not run scheduled functions")
    args = parser.parse_args(argv)
    try:
        faults = faults_from_env()
    except FaultSpecError as error:
        parser.error(f"{ENV_VAR}: {error}")

    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())

    stack = LocalStack(
        template=args.template,
        host=args.host,
        port=args.port,
        state_file=args.state_file,
        demo=not args.no_demo,
        schedules=not args.no_schedules,
        faults=faults,
        log=lambda message: print(message, file=sys.stderr, flush=True),
    ).start()
    print(
        f"\nSitepulse local stack is up\n"
        f"  API          {stack.api_url}\n"
        f"  OpenAPI      {stack.api_url}/api/openapi.json\n"
        f"  Swagger UI   {stack.api_url}/api/docs\n"
        f"  AWS (moto)   {stack.endpoint}   (details: {args.state_file})\n"
        f"  Faults       {faults.describe() if faults else 'off'}\n"
        f"Press Ctrl-C to stop.",
        file=sys.stderr,
        flush=True,
    )
    stopping.wait()
    print("stopping…", file=sys.stderr, flush=True)
    stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
