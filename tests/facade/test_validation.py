"""Invalid requests fail with RequestValidationError (wire paths, rule names) and send nothing."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest

from export_kit import ExportKit, RequestValidationError
from export_kit.local import Emulator

from ._support import APP, START_KWARGS, STORE

pytestmark = pytest.mark.anyio

OMICS_START = START_KWARGS["omics"]
M2_ITEM = {"datasetName": "SYS1.DATA", "externalLocation": {"s3Location": "s3://b/x"}}

# (facade method, kwargs, expected wire path, expected rule)
CASES: list[tuple[str, str, dict[str, Any], str, str]] = [
    ("omics", "get_read_set_export_job", {"sequence_store_id": STORE}, "id", "required"),
    (
        "omics",
        "get_read_set_export_job",
        {"sequence_store_id": STORE, "id": "123"},
        "id",
        "min_length",
    ),
    (
        "personalize",
        "create_dataset_export_job",
        {**START_KWARGS["personalize"], "job_name": "j" * 64},
        "jobName",
        "max_length",
    ),
    ("omics", "start_read_set_export_job", {**OMICS_START, "sources": []}, "sources", "min_items"),
    (
        "omics",
        "start_read_set_export_job",
        {**OMICS_START, "sources": [{"readSetId": "1234567890"}] * 101},
        "sources",
        "max_items",
    ),
    (
        "omics",
        "list_read_set_export_jobs",
        {"sequence_store_id": STORE, "max_results": 0},
        "maxResults",
        "min",
    ),
    (
        "m2",
        "list_data_set_export_history",
        {"application_id": APP, "max_results": 2001},
        "maxResults",
        "max",
    ),
    (
        "omics",
        "start_read_set_export_job",
        {**OMICS_START, "destination": "ftp://x"},
        "destination",
        "pattern",
    ),
    (
        "simpledbv2",
        "start_domain_export",
        {**START_KWARGS["simpledbv2"], "s3_sse_algorithm": "DES"},
        "s3SseAlgorithm",
        "enum",
    ),
    (
        "m2",
        "create_data_set_export_task",
        {"application_id": APP, "export_config": {}},
        "exportConfig",
        "union",
    ),
    (
        "m2",
        "create_data_set_export_task",
        {"application_id": APP, "export_config": {"s3Location": "s3://b/x", "dataSets": [M2_ITEM]}},
        "exportConfig",
        "union",
    ),
    (
        "m2",
        "create_data_set_export_task",
        {
            "application_id": APP,
            "export_config": {"dataSets": [{**M2_ITEM, "datasetName": "has space"}]},
        },
        "exportConfig.dataSets[0].datasetName",
        "pattern",
    ),
    (
        "omics",
        "get_read_set_export_job",
        {"sequence_store_id": STORE, "id": 1234567890},
        "id",
        "type",
    ),
]


async def _invoke(call: Callable[..., Any], kwargs: dict[str, Any]) -> None:
    """Call a facade method; await it unless it returned a pager (which validates at once)."""
    result = call(**kwargs)
    if inspect.isawaitable(result):
        await result


@pytest.mark.parametrize(
    ("service", "method", "kwargs", "path", "rule"),
    CASES,
    ids=[f"{c[1]}-{c[4]}" for c in CASES],
)
async def test_invalid_request_sends_nothing(
    kit: ExportKit,
    emu: Emulator,
    service: str,
    method: str,
    kwargs: dict[str, Any],
    path: str,
    rule: str,
) -> None:
    call: Callable[..., Any] = getattr(getattr(kit, service), method)
    with pytest.raises(RequestValidationError) as caught:
        await _invoke(call, kwargs)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.operation == "".join(word.capitalize() for word in method.split("_"))
    assert [(i["path"], i["rule"]) for i in error.errors()] == [(path, rule)]
    assert emu.total_requests == 0


async def test_operation_is_named(kit: ExportKit, emu: Emulator) -> None:
    with pytest.raises(RequestValidationError) as caught:
        await kit.omics.get_read_set_export_job(sequence_store_id=STORE)  # type: ignore[call-overload]
    assert caught.value.operation == "GetReadSetExportJob"
    assert "id: is required [required]" in str(caught.value)
    assert emu.total_requests == 0


async def test_unknown_keyword_is_a_type_error(kit: ExportKit, emu: Emulator) -> None:
    """Facade methods have explicit parameters: a misspelt one fails as any Python call does."""
    call: Callable[..., Any] = kit.omics.get_read_set_export_job
    with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
        await call(sequence_store_id=STORE, id="1234567890", bogus=1)
    assert emu.total_requests == 0


async def test_unknown_key_in_a_nested_structure_names_its_wire_path(
    kit: ExportKit, emu: Emulator
) -> None:
    with pytest.raises(RequestValidationError) as caught:
        await _invoke(
            kit.omics.start_read_set_export_job,
            {**OMICS_START, "sources": [{"readSetId": "1234567890", "bogus": 1}]},
        )
    assert [(i["path"], i["rule"]) for i in caught.value.errors()] == [
        ("sources[0].bogus", "unknown_key")
    ]
    assert emu.total_requests == 0
