"""What a finished export leaves behind: small, deterministic files under ``data_dir``.

``s3://bucket/some/prefix`` maps to ``data_dir/bucket/some/prefix``.  S3 keys may hold what
file names may not, so a key part that is not a safe file name (over 255 bytes in UTF-8,
or holding a NUL byte) is stored as ``~`` plus the first 40 hex digits of its SHA-256;
``.``, ``..`` and empty parts are dropped, and nothing is written outside ``data_dir``.
The manifest keeps the destination as given.  Each export writes
a ``manifest.json`` (what was exported, by which job) plus data records; the records are
pseudo-random but reproducible from the emulator's seed and the job id.  Discovery's
export is a real zip of CSV files, served at the ``configurationsDownloadUrl``.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from ._jobs import Job


def s3_path(data_dir: Path, url: str) -> Path:
    """Local path for an ``s3://bucket/key`` URL (other schemes keep host and path too)."""
    rest = url.split("://", 1)[-1]
    parts = [safe_name(p) for p in PurePosixPath(rest).parts if p not in ("", ".", "..", "/")]
    if not parts:
        parts = ["_unnamed"]
    target = data_dir.joinpath(*parts).resolve()
    root = data_dir.resolve()
    if root not in target.parents and target != root:
        raise ValueError(f"destination {url!r} escapes the data directory")
    return target


#: The longest file name (in bytes) the common local file systems accept.
NAME_MAX = 255


def safe_name(part: str) -> str:
    """``part`` itself, or ``~<sha256 prefix>`` when it cannot be a file name."""
    raw = part.encode("utf-8", "surrogatepass")
    if len(raw) <= NAME_MAX and b"\0" not in raw:
        return part
    return "~" + hashlib.sha256(raw).hexdigest()[:40]


def records(seed: int, job_id: str, count: int) -> list[dict[str, Any]]:
    """Reproducible fake data records for one job."""
    rng = random.Random(f"{seed}:{job_id}")
    return [
        {"id": f"item-{i:05d}", "value": rng.randint(0, 10**6), "score": round(rng.random(), 6)}
        for i in range(count)
    ]


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def write_export(
    data_dir: Path, job: Job, seed: int, destinations: list[str], failed: set[str]
) -> list[Path]:
    """Write the files of a finished ``job`` to each destination prefix; returns what was written."""
    written: list[Path] = []
    for dest in destinations:
        base = s3_path(data_dir, dest)
        rows = records(seed, job.id, 5)
        data = base / "data-00000.jsonl"
        _write(data, "".join(json.dumps(r) + "\n" for r in rows))
        manifest = base / "manifest.json"
        _write(
            manifest,
            json.dumps(
                {
                    "service": job.service,
                    "jobId": job.id,
                    "destination": dest,
                    "files": [data.name],
                    "records": len(rows),
                    "failed": sorted(failed),
                },
                indent=2,
            ),
        )
        written += [data, manifest]
    return written


def discovery_zip(seed: int, export_id: str) -> bytes:
    """The zip a Discovery export's download URL serves: CSV files of servers and apps."""
    rng = random.Random(f"{seed}:{export_id}")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        servers = ["serverId,hostName,osName,cpuType,totalRamInMB"]
        for i in range(5):
            servers.append(
                f"d-server-{i:04d},host-{i}.example.internal,Linux,x86_64,{rng.choice([2048, 4096, 8192])}"
            )
        zf.writestr("Server.csv", "\n".join(servers) + "\n")
        apps = [
            "applicationId,name,serverCount",
            f"d-application-0001,demo-app,{rng.randint(1, 5)}",
        ]
        zf.writestr("Application.csv", "\n".join(apps) + "\n")
    return buffer.getvalue()
