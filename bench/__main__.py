"""`make bench`: run every API benchmark module (`bench/api_*.py`, each with `run()`) and print figures."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    wanted = set(argv)
    modules = sorted(p.stem for p in Path(__file__).parent.glob("api_*.py"))
    for name in modules:
        if wanted and name.removeprefix("api_") not in wanted and name not in wanted:
            continue
        module = importlib.import_module(f"bench.{name}")
        print(f"\n=== {name.removeprefix('api_')} ===", flush=True)
        module.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
