"""The pytest plugin (export_kit.pytest_plugin), run the way users run it: pytester starts a
fresh pytest in a subprocess on a small user test file, the plugin loaded by its ``pytest11``
entry point, with the settings of our own suite (warnings are errors, pytest-asyncio strict).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from export_kit.local import Emulator

INI = """
[pytest]
filterwarnings = error
asyncio_mode = strict
asyncio_default_fixture_loop_scope = function
"""

START = """
OMICS_START = dict(
    sequence_store_id="1234567890",
    destination="s3://bucket/{prefix}/",
    role_arn="arn:aws:iam::123456789012:role/Export",
    sources=[{{"read_set_id": "1111111111"}}],
)
"""

USER_TESTS = (
    """
import boto3
import pytest
import pytest_asyncio
from botocore.config import Config

from export_kit import ExportKit, ExportStatus, ThrottlingError
from export_kit.local import FaultConfig
"""
    + START.format(prefix="out")
    + """

@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request):
    return request.param


@pytest.mark.anyio
async def test_start_wait_and_files(ek_kit, ek_emulator, ek_poll):
    job = await ek_kit.omics.start(**OMICS_START)
    done = await job.wait(timeout=5, poll=ek_poll)
    assert done.status is ExportStatus.SUCCEEDED
    assert (ek_emulator.data_dir / "bucket" / "out" / "manifest.json").is_file()
    assert ek_emulator.requests[("omics", "StartReadSetExportJob")] == 1


@pytest.mark.anyio
async def test_a_fault_for_this_test(ek_kit_kwargs, ek_emulator):
    ek_emulator.set_faults("omics", FaultConfig(throttle_rate=1.0))
    async with ExportKit(**ek_kit_kwargs, config=Config(retries={"total_max_attempts": 1})) as kit:
        with pytest.raises(ThrottlingError):
            await kit.omics.get_read_set_export_job(sequence_store_id="1234567890", id="1234567890")


@pytest.mark.anyio
async def test_the_next_test_starts_clean(ek_kit, ek_emulator):
    assert ek_emulator.total_requests == 0  # counted afresh, and the fault above is gone
    jobs = [job async for job in ek_kit.omics.list_read_set_export_jobs(sequence_store_id="1234567890")]
    assert jobs
    assert ek_emulator.total_requests == 1


def test_sync_code_reaches_the_same_emulator(ek_emulator):
    client = boto3.client("omics", **ek_emulator.client_kwargs())
    client.list_read_set_export_jobs(sequenceStoreId="1234567890")
    assert ek_emulator.total_requests == 1


@pytest.mark.ek_emulator(clock="manual", job_duration=60)
@pytest.mark.anyio
async def test_a_manual_clock_of_its_own(ek_kit, ek_emulator):
    job = await ek_kit.omics.start(**OMICS_START)
    ek_emulator.advance(61)
    await job.refresh()
    assert job.status is ExportStatus.SUCCEEDED


@pytest_asyncio.fixture
async def my_kit(ek_kit_kwargs):
    async with ExportKit(**ek_kit_kwargs) as kit:
        yield kit


@pytest.mark.asyncio
async def test_pytest_asyncio_with_its_own_kit_fixture(my_kit, ek_poll):
    job = await my_kit.omics.start(**OMICS_START)
    done = await job.wait(timeout=5, poll=ek_poll)
    assert done.status is ExportStatus.SUCCEEDED
"""
)


LEFTOVER_TESTS = (
    """
import pytest

from export_kit import ExportStatus
"""
    + START.format(prefix="leftover")
    + """

@pytest.fixture
def anyio_backend():
    return "asyncio"


def test_arms_outcomes_and_a_fault_it_never_uses(ek_emulator):
    ek_emulator.fail_next("omics", "left over")
    ek_emulator.cancel_next()
    ek_emulator.inject("throttle", service="omics", count=5)


@pytest.mark.anyio
async def test_the_next_test_gets_the_services_own_outcome(ek_kit, ek_emulator, ek_poll):
    job = await ek_kit.omics.start(**OMICS_START)
    done = await job.wait(timeout=5, poll=ek_poll)
    assert done.status is ExportStatus.SUCCEEDED
    assert ek_emulator.requests[("omics", "StartReadSetExportJob")] == 1  # not throttled
"""
)


ENDPOINT_TESTS = (
    """
import pytest

from export_kit import ExportStatus
"""
    + START.format(prefix="remote")
    + """

@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.anyio
async def test_runs_anywhere(ek_kit, ek_poll):
    assert ek_poll is None  # the services' own poll defaults away from the emulator
    job = await ek_kit.omics.start(**OMICS_START)
    await job.refresh()
    assert job.status is ExportStatus.PENDING


def test_needs_controls(ek_emulator):
    raise AssertionError("not reached with an endpoint")


@pytest.mark.ek_emulator(clock="manual")
def test_needs_its_own_emulator():
    raise AssertionError("not reached with an endpoint")
"""
)


@pytest.fixture
def user_project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini(INI)
    pytester.makepyfile(test_user=USER_TESTS, test_endpoint=ENDPOINT_TESTS)
    return pytester


def test_fixtures_serve_async_sync_and_controls_tests(user_project: pytest.Pytester) -> None:
    result = user_project.runpytest_subprocess("-p", "no:cacheprovider", "test_user.py")
    result.assert_outcomes(passed=10)  # 4 anyio tests x 2 backends, 2 more


def test_outcomes_and_faults_a_test_armed_but_never_used_do_not_reach_the_next_test(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(test_leftover=LEFTOVER_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "test_leftover.py")
    result.assert_outcomes(passed=2)


@pytest.mark.parametrize("how", ["option", "environment"])
def test_another_endpoint_runs_kit_tests_and_skips_control_tests_saying_why(
    user_project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    with Emulator(clock="manual") as elsewhere:
        for name, value in elsewhere.env().items():
            if name != "AWS_ENDPOINT_URL":
                monkeypatch.setenv(name, value)
        args = ["-p", "no:cacheprovider", "-rs", "test_endpoint.py"]
        if how == "option":
            args += ["--export-kit-endpoint", elsewhere.endpoint_url]
        else:
            monkeypatch.setenv("EXPORT_KIT_ENDPOINT", elsewhere.endpoint_url)
        result = user_project.runpytest_subprocess(*args)
        assert elsewhere.requests[("omics", "StartReadSetExportJob")] == 1  # it ran there
    result.assert_outcomes(passed=1, skipped=2)
    reason = f"needs the local emulator's controls; the tests run against {elsewhere.endpoint_url}"
    result.stdout.fnmatch_lines([f"SKIPPED*{reason}*", f"SKIPPED*{reason}*"])


def test_import_export_kit_loads_neither_pytest_nor_the_plugin() -> None:
    code = (
        "import sys, export_kit; "
        "print(sorted(m for m in sys.modules if m == 'pytest' or m.endswith('pytest_plugin')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
