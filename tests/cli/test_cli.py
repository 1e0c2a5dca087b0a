"""The ``export-kit`` command, run as a real subprocess against a live emulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from export_kit.local import Emulator

OMICS_REQUEST = {
    "sequenceStoreId": "1234567890",
    "destination": "s3://bucket/out/",
    "roleArn": "arn:aws:iam::123456789012:role/Export",
    "sources": [{"readSetId": "1234567890"}],
}


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[Emulator]:
    """A real-clock emulator in a thread: the CLI runs in another process in real time."""
    with Emulator(job_duration=0.6, data_dir=tmp_path / "data") as emulator:
        yield emulator


def cli(
    emu: Emulator | None, *args: str, stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    base: list[str] = []
    if emu is not None:
        env.update(emu.env())
        base = ["--endpoint-url", emu.endpoint_url]
    env["COLUMNS"] = "200"
    return subprocess.run(
        [sys.executable, "-m", "export_kit.cli", *base, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


def test_start_status_wait_list_round_trip(emu: Emulator) -> None:
    started = cli(emu, "--json", "start", "omics", "--input", "-", stdin=json.dumps(OMICS_REQUEST))
    assert started.returncode == 0, started.stderr
    (job,) = json.loads(started.stdout)
    assert job["service"] == "omics"
    assert job["id"] in emu.job_ids("omics")
    token = job["token"]

    status = cli(emu, "--json", "status", token)
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)[0]["status"] in {"PENDING", "RUNNING", "SUCCEEDED"}

    waited = cli(
        emu, "--json", "wait", token, "--timeout", "30", "--min-delay", "0.1", "--max-delay", "0.3"
    )
    assert waited.returncode == 0, waited.stderr
    (done,) = json.loads(waited.stdout)
    assert done["status"] == "SUCCEEDED"
    assert done["native_status"] == "COMPLETED"

    listed = cli(emu, "--json", "list", "omics", "--sequence-store-id", "1234567890")
    assert listed.returncode == 0, listed.stderr
    assert [row["id"] for row in json.loads(listed.stdout)] == [job["id"]]


def test_wait_reports_a_failed_job_with_exit_1(emu: Emulator) -> None:
    emu.fail_next("omics", reason="read set is archived")
    started = cli(emu, "--json", "start", "omics", "--input", "-", stdin=json.dumps(OMICS_REQUEST))
    token = json.loads(started.stdout)[0]["token"]
    waited = cli(
        emu, "--json", "wait", token, "--timeout", "30", "--min-delay", "0.1", "--max-delay", "0.3"
    )
    assert waited.returncode == 1
    assert json.loads(waited.stdout)[0]["status"] == "FAILED"
    assert "read set is archived" in waited.stderr


def test_bad_json_is_one_error_line_and_nothing_is_sent(emu: Emulator) -> None:
    result = cli(emu, "start", "omics", "--input", "-", stdin="{not json")
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: --input is not valid JSON")
    assert "Traceback" not in result.stderr
    assert emu.total_requests == 0


def test_bad_field_names_wire_path_and_rule(emu: Emulator) -> None:
    bad = {**OMICS_REQUEST, "sources": [{"readSetId": "12"}], "roleArn": "nope"}
    result = cli(emu, "start", "omics", "--input", "-", stdin=json.dumps(bad))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert any(
        line.startswith("error: sources[0].readSetId:") and "[min_length]" in line for line in lines
    )
    assert any(line.startswith("error: roleArn:") for line in lines)
    assert "Traceback" not in result.stderr
    assert emu.total_requests == 0


def test_missing_input_file(emu: Emulator, tmp_path: Path) -> None:
    result = cli(emu, "start", "m2", "--input", str(tmp_path / "absent.json"))
    assert result.returncode == 2
    assert result.stderr.startswith("error: cannot read --input")
    assert emu.total_requests == 0


def test_unknown_token(emu: Emulator) -> None:
    result = cli(emu, "status", "definitely-not-a-token")
    assert result.returncode == 2
    assert "not an export_kit job token" in result.stderr
    assert "Traceback" not in result.stderr
    assert emu.total_requests == 0


def test_list_needs_its_scope(emu: Emulator) -> None:
    result = cli(emu, "list", "m2")
    assert result.returncode == 2
    assert result.stderr.strip() == "error: list m2 needs --application-id"
    wrong = cli(emu, "list", "discovery", "--domain-name", "d")
    assert wrong.returncode == 2
    assert "--domain-name does not apply to discovery" in wrong.stderr
    assert emu.total_requests == 0


def test_service_error_is_exit_1_without_traceback(emu: Emulator) -> None:
    token_job = cli(
        emu, "--json", "start", "omics", "--input", "-", stdin=json.dumps(OMICS_REQUEST)
    )
    token = json.loads(token_job.stdout)[0]["token"]
    emu.mark_missing("omics", "1234567890")  # the sequence store is gone
    result = cli(emu, "--json", "status", token)
    assert result.returncode == 1
    assert "ResourceNotFoundException" in json.loads(result.stdout)[0]["error"]
    assert "Traceback" not in result.stderr


def test_unknown_subcommand_is_usage_error() -> None:
    result = cli(None, "frobnicate")
    assert result.returncode == 2
    assert "error:" in result.stderr


def test_demo_end_to_end(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "export_kit.cli",
            "demo",
            "--job-duration",
            "0.5",
            "--data-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("AWS_")}, "COLUMNS": "200"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All five exports succeeded." in result.stdout
    for service in ("m2", "personalize", "discovery", "simpledbv2", "omics"):
        assert service in result.stdout
    assert result.stdout.count("SUCCEEDED") >= 5
    manifests = sorted(p.relative_to(tmp_path).parts[1] for p in tmp_path.rglob("manifest.json"))
    assert manifests == ["m2", "omics", "personalize", "simpledb"]
