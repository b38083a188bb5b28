"""Each function's output in its own log: `<state dir>/logs/<LogicalId>.log`.

A worker's stdout and stderr (Powertools JSON lines, the runtime client's `[ERROR]` lines,
warnings, tracebacks) are read line by line and written to its function's file, one JSON
object per line, every one naming the function: JSON objects get `function_name` when
they lack it (lines logged while a module loads, EMF metrics), anything else becomes
`{"level", "function_name", "message"}`. CloudWatch Logs does the same job with one log
group per function; here several workers of a function share the file, a line at a time.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

_LEVELS = {"[ERROR]": "ERROR", "[WARNING]": "WARNING", "[WARN]": "WARNING", "[DEBUG]": "DEBUG"}


def attributed(line: str, function_name: str, stream: str = "stdout") -> str:
    """The log line as one JSON object that names `function_name`."""
    text = line.rstrip("\r\n")
    if text.startswith("{"):
        try:
            record: Any = json.loads(text)
        except ValueError:
            record = None
        if isinstance(record, dict):
            if "function_name" in record:
                return text
            return json.dumps({**record, "function_name": function_name}, default=str)
    default = "WARNING" if stream == "stderr" else "INFO"  # Python's warnings and tracebacks
    level = next((lvl for prefix, lvl in _LEVELS.items() if text.startswith(prefix)), default)
    return json.dumps(
        {
            "level": level,
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "function_name": function_name,
            "stream": stream,
            # The runtime client joins the lines of one error report with \r.
            "message": text.replace("\r", "\n"),
        }
    )


class FunctionLog:
    """Where one function's lines go: a file (or a stream, for `make invoke`), one line at a time."""

    def __init__(self, function_name: str, stream: IO[str], close: bool) -> None:
        self.function_name = function_name
        self._stream = stream
        self._close = close
        self._closed = False
        self._lock = threading.Lock()

    def write(self, line: str, stream: str = "stdout") -> None:
        record = attributed(line, self.function_name, stream)
        with self._lock:
            if self._closed:
                return
            self._stream.write(record + "\n")
            self._stream.flush()

    def pump(self, source: IO[bytes], stream: str) -> threading.Thread:
        """Copy a worker's stdout or stderr into this log until the worker closes it."""

        def run() -> None:
            for raw in iter(source.readline, b""):
                if raw.strip():
                    self.write(raw.decode("utf-8", "replace"), stream)
            source.close()

        thread = threading.Thread(target=run, daemon=True, name=f"log-{self.function_name}")
        thread.start()
        return thread

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._close:
                self._stream.close()


class FunctionLogs:
    """The log of every function: files under `directory`, or one stream for all."""

    def __init__(self, directory: Path | None = None, stream: IO[str] | None = None) -> None:
        if (directory is None) == (stream is None):
            raise ValueError("give a directory or a stream")
        self.directory = directory
        self._stream = stream
        self._logs: dict[str, FunctionLog] = {}
        self._lock = threading.Lock()
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)

    def path(self, logical_id: str) -> Path | None:
        return None if self.directory is None else self.directory / f"{logical_id}.log"

    def log(self, logical_id: str, function_name: str) -> FunctionLog:
        with self._lock:
            if logical_id not in self._logs:
                path = self.path(logical_id)
                if path is not None:
                    # One run's logs: a function's file starts empty (other files there are left alone).
                    self._logs[logical_id] = FunctionLog(
                        function_name, path.open("w", encoding="utf-8"), close=True
                    )
                else:
                    assert self._stream is not None  # noqa: S101 — a development-tool invariant (never run in Lambda), not input validation
                    self._logs[logical_id] = FunctionLog(function_name, self._stream, close=False)
            return self._logs[logical_id]

    def close(self) -> None:
        with self._lock:
            for log in self._logs.values():
                log.close()
            self._logs.clear()
