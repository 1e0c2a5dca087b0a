"""Native statuses map exactly as the table in docs/concepts/jobs.md; unknown ones become
UNKNOWN."""

from __future__ import annotations

import pytest

from export_kit.jobs import ExportStatus
from export_kit.services import SERVICES, spec_for

S = ExportStatus

DOCUMENTED: dict[str, dict[str, ExportStatus]] = {
    "m2": {
        "Creating": S.PENDING,
        "Running": S.RUNNING,
        "Completed": S.SUCCEEDED,
        "Failed": S.FAILED,
    },
    "personalize": {
        "CREATE PENDING": S.PENDING,
        "CREATE IN_PROGRESS": S.RUNNING,
        "ACTIVE": S.SUCCEEDED,
        "CREATE FAILED": S.FAILED,
    },
    "discovery": {"IN_PROGRESS": S.RUNNING, "SUCCEEDED": S.SUCCEEDED, "FAILED": S.FAILED},
    "simpledbv2": {
        "PENDING": S.PENDING,
        "IN_PROGRESS": S.RUNNING,
        "SUCCEEDED": S.SUCCEEDED,
        "FAILED": S.FAILED,
    },
    "omics": {
        "SUBMITTED": S.PENDING,
        "IN_PROGRESS": S.RUNNING,
        "CANCELLING": S.CANCELLING,
        "COMPLETED": S.SUCCEEDED,
        "COMPLETED_WITH_FAILURES": S.PARTIAL,
        "FAILED": S.FAILED,
        "CANCELLED": S.CANCELLED,
    },
}


def test_every_service_has_job_semantics() -> None:
    assert set(SERVICES) == set(DOCUMENTED)


@pytest.mark.parametrize("service", sorted(DOCUMENTED))
def test_status_map_is_the_design_table(service: str) -> None:
    spec = spec_for(service)
    assert dict(spec.statuses) == DOCUMENTED[service]
    for native, status in DOCUMENTED[service].items():
        assert spec.status(native) is status


@pytest.mark.parametrize("service", sorted(DOCUMENTED))
@pytest.mark.parametrize("native", ["", "PAUSED", "completed", "ACTIVE ", "Creating2"])
def test_unknown_native_status_is_unknown(service: str, native: str) -> None:
    if native in DOCUMENTED[service]:
        pytest.skip("a known value for this service")
    assert spec_for(service).status(native) is S.UNKNOWN


def test_terminal_statuses() -> None:
    assert {s for s in S if s.is_terminal} == {S.SUCCEEDED, S.PARTIAL, S.FAILED, S.CANCELLED}
    assert {s for s in S if s.is_success} == {S.SUCCEEDED, S.PARTIAL}
    assert str(S.RUNNING) == "RUNNING"


def test_unknown_service_is_rejected() -> None:
    with pytest.raises(ValueError, match="no export jobs for service 's3'"):
        spec_for("s3")
