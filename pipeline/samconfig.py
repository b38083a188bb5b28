"""One environment's deploy settings from samconfig.toml, so the workflows never repeat them.

`python -m pipeline.samconfig dev` prints `stack_name=sitepulse-dev` and `region=eu-west-1`,
one per line: the format of $GITHUB_OUTPUT.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Any

SAMCONFIG = Path(__file__).resolve().parents[1] / "samconfig.toml"
SETTINGS = ("stack_name", "region")


class UnknownEnvironmentError(LookupError):
    pass


def environment_settings(config: dict[str, Any], environment: str) -> dict[str, str]:
    """The stack name and region `sam deploy --config-env <environment>` uses: its deploy
    parameters over its global ones (SAM's own precedence). No fallback to `default`: an
    environment the file does not describe must not deploy the default stack."""
    section = config.get(environment)
    if environment == "version" or not isinstance(section, dict):
        raise UnknownEnvironmentError(f"samconfig.toml has no [{environment}.*] section")
    merged: dict[str, Any] = {
        **section.get("global", {}).get("parameters", {}),
        **section.get("deploy", {}).get("parameters", {}),
    }
    missing = [name for name in SETTINGS if not merged.get(name)]
    if missing:
        raise UnknownEnvironmentError(f"[{environment}] in samconfig.toml lacks {', '.join(missing)}")
    return {name: str(merged[name]) for name in SETTINGS}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m pipeline.samconfig <environment>", file=sys.stderr)
        return 2
    try:
        settings = environment_settings(tomllib.loads(SAMCONFIG.read_text()), argv[0])
    except UnknownEnvironmentError as error:
        print(error, file=sys.stderr)
        return 1
    for name, value in settings.items():
        print(f"{name}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
