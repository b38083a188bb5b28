"""`make bench`: every API benchmark module (`bench/api_*.py`, each with `run()`), then the cold
start of every API function (`bench/cold_start.py`) and the full-scale offline report
(`bench/report_offline.py`).

    python -m bench [name ...]     e.g. python -m bench cold_start report_offline
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

SECTIONS_AFTER_API = ("cold_start", "report_offline")


def main(argv: list[str]) -> int:
    wanted = set(argv)
    modules = sorted(p.stem for p in Path(__file__).parent.glob("api_*.py")) + list(SECTIONS_AFTER_API)
    for name in modules:
        if wanted and name.removeprefix("api_") not in wanted and name not in wanted:
            continue
        module = importlib.import_module(f"bench.{name}")
        print(f"\n=== {name.removeprefix('api_')} ===", flush=True)
        module.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
