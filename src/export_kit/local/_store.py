"""Optional persistence of the emulator's state as one JSON file under ``data_dir``.

The file is rewritten atomically (temp file + rename) after every change, so a restarted
emulator pointed at the same directory keeps every job, token and job name.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, cast

STATE_FILE = ".export-kit-emulator-state.json"
VERSION = 1


def state_path(data_dir: Path) -> Path:
    return data_dir / STATE_FILE


def save(data_dir: Path, state: dict[str, Any]) -> None:
    """Write ``state`` atomically."""
    data_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".state-", dir=data_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"version": VERSION, **state}, fh)
        os.replace(tmp, state_path(data_dir))
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(data_dir: Path) -> dict[str, Any] | None:
    """The saved state, or ``None`` when there is none (a corrupt file is an error)."""
    path = state_path(data_dir)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ValueError(f"emulator state file {path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or cast("dict[str, Any]", data).get("version") != VERSION:
        raise ValueError(f"emulator state file {path} has an unsupported format")
    return cast("dict[str, Any]", data)
