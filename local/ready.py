"""What the local stack publishes once it is ready: the state file (`local.json`, for
scripts), the shell environment file (`env`, to `source`) and the banner (for people).

Both files are written atomically, and only once the stack is ready, so that a script can
simply wait for them to exist.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.template import REGION

DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@dataclass
class ReadyStack:
    """Everything the published files and the banner say about a started stack."""

    api_url: str
    endpoint: str
    state_file: Path
    startup_seconds: float
    resources: dict[str, dict[str, str]] = field(default_factory=dict)  # tables, buckets, … by logical id
    demo_lines: list[str] = field(default_factory=list)
    schedule_lines: list[str] = field(default_factory=list)
    demo_keys: dict[str, str] = field(default_factory=dict)  # name -> secret

    @property
    def env_file(self) -> Path:
        return self.state_file.with_name("env")

    @property
    def log_dir(self) -> Path:
        return self.state_file.with_name("logs")


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


def state_document(ready: ReadyStack) -> dict[str, Any]:
    return {
        "api_url": ready.api_url,
        "endpoint_url": ready.endpoint,
        "region": REGION,
        **ready.resources,
        "env_file": str(ready.env_file),
        "logs": str(ready.log_dir),
        "demo_keys": ready.demo_keys,
        "keys": ready.demo_keys,  # name -> key: admin, reader, device (tests and tools read this)
        "startup_seconds": round(ready.startup_seconds, 1),
        "pid": os.getpid(),
    }


def env_text(ready: ReadyStack) -> str:
    """A POSIX shell file: `source .sitepulse/env` and curl, aws and boto3 reach the local stack."""
    values = {
        "SITEPULSE_API_URL": ready.api_url,
        "API": ready.api_url,
        "AWS_ENDPOINT_URL": ready.endpoint,  # every AWS SDK and the aws CLI v2 honour it
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        **DUMMY_CREDENTIALS,
    }
    for logical_id, name in ready.resources.get("buckets", {}).items():
        values[f"SITEPULSE_{_env_name(logical_id)}"] = name
    if "admin" in ready.demo_keys:
        values["SITEPULSE_KEY"] = ready.demo_keys["admin"]
    for key_name, secret in ready.demo_keys.items():
        values[f"SITEPULSE_KEY_{_env_name(key_name)}"] = secret
    lines = [
        "# The running Sitepulse local stack (python -m local / make run); removed when it stops.",
        '# Use: source .sitepulse/env   (then curl "$SITEPULSE_API_URL/...", aws ..., python boto3)',
    ]
    lines += [f"export {name}={shlex.quote(value)}" for name, value in values.items()]
    return "\n".join(lines) + "\n"


def _env_name(name: str) -> str:
    """`DataBucket` -> `DATA_BUCKET`, `sensor-gateway` -> `SENSOR_GATEWAY`."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return re.sub(r"[^A-Za-z0-9]+", "_", spaced).strip("_").upper()


def shown_path(path: Path) -> str:
    """The path as the user would type it from the current directory."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def banner(ready: ReadyStack) -> str:
    """At most 25 lines: where everything is, what was loaded, how to stop."""
    label = "{:<13}".format
    lines = [
        "",
        f"Sitepulse local stack is ready (started in {ready.startup_seconds:.1f} s)",
        f"  {label('API')}{ready.api_url}",
        f"  {label('Swagger UI')}{ready.api_url}/api/docs   (OpenAPI: {ready.api_url}/api/openapi.json)",
        f"  {label('Console')}{ready.api_url}/",
    ]
    loaded = ready.demo_lines + ready.schedule_lines
    if not ready.demo_lines:
        loaded.insert(0, "none (started without demo data)")
    for index, line in enumerate(loaded[:8]):
        lines.append(f"  {label('Demo data' if index == 0 else '')}{_clip(line)}")
    for index, (name, secret) in enumerate(list(ready.demo_keys.items())[:4]):
        lines.append(f"  {label('Demo keys' if index == 0 else '')}{name:<12} {secret}")
    lines += [
        f"  {label('Emulated AWS')}{ready.endpoint}   in a shell: source {shown_path(ready.env_file)}",
        f"  {label('Logs')}{shown_path(ready.log_dir)}/ (full logs; here: one line per request)",
        f"  {label('Stop')}Ctrl-C",
        "",
    ]
    return "\n".join(lines)


def _clip(text: str, width: int = 110) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."
