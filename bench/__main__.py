"""`make bench`: every API benchmark module (`bench/api_*.py`, each with `run()`), then the cold
start of every API function (`bench/cold_start.py`) and the full-scale offline report
(`bench/report_offline.py`).

    python -m bench [name ...]             e.g. python -m bench cold_start report_offline
    python -m bench name --option ...      one section with its own options, e.g.
                                           python -m bench cold_start --rounds 7

Options go to the one section named before them (its `main()` parses them, and refuses the
ones it does not know); an unknown name, options after several names or after none, or
options for a section that takes none are usage errors (exit 2), never silently ignored.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

SECTIONS_AFTER_API = ("cold_start", "report_offline")
USAGE = "usage: python -m bench [name ...] | python -m bench name --option ..."


def sections() -> list[str]:
    """Module names in the order `make bench` runs them."""
    return sorted(p.stem for p in Path(__file__).parent.glob("api_*.py")) + list(SECTIONS_AFTER_API)


def main(argv: list[str]) -> int:
    first_option = next((i for i, arg in enumerate(argv) if arg.startswith("-")), len(argv))
    names, options = argv[:first_option], argv[first_option:]
    modules = sections()
    known = {name.removeprefix("api_"): name for name in modules} | {name: name for name in modules}
    unknown = [name for name in names if name not in known]
    if unknown:
        return _usage(f"unknown section {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    if options:
        if len(names) != 1:
            return _usage(f"options {' '.join(options)} need exactly one section before them")
        module = importlib.import_module(f"bench.{known[names[0]]}")
        if not hasattr(module, "main"):
            return _usage(f"section {names[0]} takes no options (got {' '.join(options)})")
        print(f"\n=== {names[0].removeprefix('api_')} ===", flush=True)
        sys.argv = [f"python -m bench {names[0]}", *options]  # the section's argparse reads sys.argv
        return module.main() or 0
    wanted = {known[name] for name in names}
    for name in modules:
        if wanted and name not in wanted:
            continue
        module = importlib.import_module(f"bench.{name}")
        print(f"\n=== {name.removeprefix('api_')} ===", flush=True)
        module.run()
    return 0


def _usage(message: str) -> int:
    print(f"{USAGE}\n{message}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
