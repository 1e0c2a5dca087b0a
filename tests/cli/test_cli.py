"""The ``export-kit`` command, run as a real subprocess against a live emulator."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from export_kit import __version__
from export_kit.local import Emulator
from export_kit.models import SERVICES
from export_kit.services import spec_for

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
    emu: Emulator | None,
    *args: str,
    stdin: str | None = None,
    timeout: float = 60,
    env: Mapping[str, str | None] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``export-kit`` as a user would; ``env`` adds (or, with ``None``, removes) variables."""
    full = _env(emu, env)
    base = ["--endpoint-url", emu.endpoint_url] if emu is not None else []
    return subprocess.run(
        [sys.executable, "-m", "export_kit.cli", *base, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=full,
        timeout=timeout,
        check=False,
    )


def _env(emu: Emulator | None, extra: Mapping[str, str | None] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    if emu is not None:
        env.update(emu.env())
    env["COLUMNS"] = "200"
    for key, value in (extra or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


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


# -- one error boundary: every error is `error:` lines (or JSON) and exit 1 or 2 -----------------


def test_version() -> None:
    result = cli(None, "--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"export-kit {__version__}"


@pytest.fixture
def bare(tmp_path: Path) -> dict[str, str | None]:
    """No AWS settings: empty config and credentials files, HOME without a token cache."""
    empty = tmp_path / "empty"
    empty.write_text("")
    return {
        "AWS_ACCESS_KEY_ID": None,
        "AWS_SECRET_ACCESS_KEY": None,
        "AWS_DEFAULT_REGION": None,
        "AWS_CONFIG_FILE": str(empty),
        "AWS_SHARED_CREDENTIALS_FILE": str(empty),
        "AWS_EC2_METADATA_DISABLED": "true",
        "HOME": str(tmp_path),
    }


LIST_OMICS = ("list", "omics", "--sequence-store-id", "1234567890")


@pytest.mark.parametrize(
    ("case", "extra", "options", "kind", "says"),
    [
        ("no credentials", {}, ["--region", "us-east-1"], "CredentialsError", "credentials"),
        (
            "partial credentials",
            {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE"},
            ["--region", "us-east-1"],
            "CredentialsError",
            "Partial credentials",
        ),
        ("no region", {}, [], "ConfigurationError", "region"),
        (
            "unknown profile",
            {},
            ["--region", "us-east-1", "--profile", "nope"],
            "ConfigurationError",
            "(nope) could not be found",
        ),
    ],
)
def test_a_bad_setup_is_one_error_line_exit_1_and_nothing_is_sent(
    emu: Emulator,
    bare: dict[str, str | None],
    case: str,
    extra: dict[str, str],
    options: list[str],
    kind: str,
    says: str,
) -> None:
    env = {**bare, **extra}
    text = cli(emu, *options, *LIST_OMICS, env=env)
    assert text.returncode == 1, case
    (line,) = text.stderr.splitlines()
    assert line.startswith("error: ")
    assert says in line
    assert text.stdout == ""
    as_json = cli(emu, "--json", *options, *LIST_OMICS, env=env)
    assert as_json.returncode == 1
    error = json.loads(as_json.stdout)["error"]
    assert error["type"] == kind
    assert says in error["message"]
    assert emu.total_requests == 0


def _sso_home(home: Path, token: str) -> dict[str, str]:
    """An AWS config with an sso-session profile and a legacy SSO profile, and ``token``
    as the cached SSO token of both (botocore reads ~/.aws/sso/cache)."""
    aws = home / ".aws"
    (aws / "sso" / "cache").mkdir(parents=True)
    (aws / "config").write_text(
        "[profile modern]\nsso_session = corp\nsso_account_id = 123456789012\n"
        "sso_role_name = Export\nregion = us-east-1\n"
        "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
        "sso_region = us-east-1\n"
        "[profile legacy]\nsso_start_url = https://corp.awsapps.com/start\n"
        "sso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = Export\n"
        "region = us-east-1\n"
    )
    for key in ("corp", "https://corp.awsapps.com/start"):
        name = hashlib.sha1(key.encode()).hexdigest()
        (aws / "sso" / "cache" / f"{name}.json").write_text(token)
    return {"HOME": str(home), "AWS_CONFIG_FILE": str(aws / "config")}


EXPIRED = json.dumps(
    {
        "startUrl": "https://corp.awsapps.com/start",
        "region": "us-east-1",
        "accessToken": "expired-token",
        "expiresAt": "2020-01-01T00:00:00Z",
    }
)


@pytest.mark.parametrize("token", [EXPIRED, "{corrupt"], ids=["expired", "corrupt"])
@pytest.mark.parametrize("profile", ["modern", "legacy"])
def test_an_expired_or_corrupt_sso_token_is_a_credentials_error(
    emu: Emulator, bare: dict[str, str | None], tmp_path: Path, token: str, profile: str
) -> None:
    env = {**bare, **_sso_home(tmp_path / "home", token)}
    result = cli(emu, "--json", "--profile", profile, *LIST_OMICS, env=env)
    assert result.returncode == 1
    assert json.loads(result.stdout)["error"]["type"] == "CredentialsError"
    assert "Traceback" not in result.stderr  # botocore logs the refresh failure with one
    assert emu.total_requests == 0


def test_deeply_nested_input_and_token_are_usage_errors(emu: Emulator) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    result = cli(emu, "start", "omics", "--input", "-", stdin=deep)
    assert result.returncode == 2
    assert result.stderr == "error: --input is nested too deeply\n"
    nested = "[" * 5_000 + "]" * 5_000  # past the recursion limit, within argv's
    token = "ekjob." + base64.urlsafe_b64encode(nested.encode()).decode().rstrip("=")
    result = cli(emu, "--json", "status", token)
    assert result.returncode == 2
    assert "not an export_kit job token" in json.loads(result.stdout)["error"]["message"]
    assert "Traceback" not in result.stderr
    assert emu.total_requests == 0


@pytest.mark.parametrize("value", ["-1", "nan", "inf"])
def test_a_negative_or_non_finite_timeout_is_a_usage_error(emu: Emulator, value: str) -> None:
    result = cli(emu, "wait", "--timeout", value, "ekjob.x")
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        f"error: argument --timeout: must be a finite number >= 0, got {value!r}"
    )
    as_json = cli(emu, "--json", "wait", "--timeout", value, "ekjob.x")
    assert as_json.returncode == 2
    assert json.loads(as_json.stdout)["error"]["type"] == "UsageError"
    assert emu.total_requests == 0


@pytest.mark.parametrize("command", ["demo", "serve"])
def test_an_unwritable_data_dir_is_one_error_line(tmp_path: Path, command: str) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = cli(None, command, "--data-dir", str(blocker / "data"), timeout=30)
    assert result.returncode == 1
    assert result.stderr == f"error: {blocker / 'data'}: Not a directory\n"
    assert not (blocker.parent / "export-kit-data").exists()


def test_request_validation_errors_are_json_with_issues(emu: Emulator) -> None:
    result = cli(emu, "--json", "start", "simpledbv2", "--input", "-", stdin='{"bogus": 1}')
    assert result.returncode == 2
    error = json.loads(result.stdout)["error"]
    assert error["type"] == "RequestValidationError"
    assert {issue["path"] for issue in error["issues"]} == {"domainName", "s3Bucket", "bogus"}
    assert emu.total_requests == 0


def test_error_lines_are_not_wrapped_when_stderr_is_not_a_terminal(emu: Emulator) -> None:
    profile = "a-profile-name-long-enough-to-be-wrapped-at-any-narrow-width-" + "x" * 40
    result = cli(emu, "--profile", profile, *LIST_OMICS, env={"COLUMNS": "40"})
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert f"The config profile ({profile}) could not be found" in line


# -- list: normalized status, native status, keys from the service specs ----------------------

START_INPUTS = {
    "m2": {
        "applicationId": "app-1",
        "exportConfig": {
            "dataSets": [
                {"datasetName": "SYS1.DATA", "externalLocation": {"s3Location": "s3://b/x"}}
            ]
        },
    },
    "personalize": {
        "jobName": "job-1",
        "datasetArn": "arn:aws:personalize:us-east-1:123456789012:dataset/group/INTERACTIONS",
        "roleArn": "arn:aws:iam::123456789012:role/Export",
        "jobOutput": {"s3DataDestination": {"path": "s3://bucket/out/"}},
    },
    "discovery": {},
    "simpledbv2": {"domainName": "domain-1", "s3Bucket": "bucket-1"},
    "omics": OMICS_REQUEST,
}
LIST_SCOPE = {
    "m2": ["--application-id", "app-1"],
    "omics": ["--sequence-store-id", "1234567890"],
}


def test_list_shows_normalized_and_native_status_for_every_service(emu: Emulator) -> None:
    assert set(START_INPUTS) == set(SERVICES)
    ids: dict[str, str] = {}
    for service in SERVICES:
        started = cli(
            emu, "--json", "start", service, "--input", "-", stdin=json.dumps(START_INPUTS[service])
        )
        assert started.returncode == 0, started.stderr
        job_id = json.loads(started.stdout)[0]["id"]
        listed = cli(emu, "--json", "list", service, *LIST_SCOPE.get(service, []))
        assert listed.returncode == 0, listed.stderr
        (row,) = json.loads(listed.stdout)
        spec = spec_for(service)
        assert row["service"] == service
        assert row["id"] == job_id
        assert row["native_status"] in spec.statuses
        assert row["status"] == spec.status(row["native_status"]).value
        if service in {"m2", "personalize", "omics"}:  # their words differ from ExportStatus
            assert row["status"] != row["native_status"]
        ids[service] = job_id
    by_id = cli(emu, "--json", "list", "discovery", "--export-id", ids["discovery"])
    assert by_id.returncode == 0, by_id.stderr
    assert [row["id"] for row in json.loads(by_id.stdout)] == [ids["discovery"]]


# -- Ctrl+C during wait --------------------------------------------------------------------------


def test_ctrl_c_during_wait_prints_how_to_resume_and_exits_130(tmp_path: Path) -> None:
    with Emulator(job_duration=600, data_dir=tmp_path / "data") as slow:
        started = cli(
            slow, "--json", "start", "omics", "--input", "-", stdin=json.dumps(OMICS_REQUEST)
        )
        token = json.loads(started.stdout)[0]["token"]
        base = ["--endpoint-url", slow.endpoint_url]
        waiting = subprocess.Popen(
            [sys.executable, "-m", "export_kit.cli", *base, "wait", token, "--min-delay", "0.1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(slow, None),
        )
        try:
            deadline = time.monotonic() + 30
            while slow.requests[("omics", "GetReadSetExportJob")] < 2:
                assert time.monotonic() < deadline, "the wait never polled"
                time.sleep(0.05)
            waiting.send_signal(signal.SIGINT)
            _, stderr = waiting.communicate(timeout=30)
        finally:
            waiting.kill()
            waiting.wait()
    assert waiting.returncode == 130
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert "error: interrupted; the jobs keep running. Resume the wait with:" in lines
    assert f"error:   export-kit --endpoint-url {slow.endpoint_url} wait {token}" in lines
