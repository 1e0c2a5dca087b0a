"""What a fresh process pays for its first typed call (benchmarks/RESULTS.md, section 6).

Each test runs one new interpreter against the emulator and checks what it built and loaded:
only the called operation's request and response build schemas, no generic request class is
made per response type, the shared base classes read no source, and the kit's own session
reads botocore's data files as plain dicts (equal to botocore's) while a session passed in
keeps botocore's loader.
"""

from __future__ import annotations

import json
import sys

import anyio
import pytest
from botocore.loaders import JSONFileLoader, create_loader

from export_kit import ExportKit
from export_kit._shapes import OperationRequest, StartRequest
from export_kit.local import Emulator
from export_kit.models import omics

pytestmark = pytest.mark.anyio

STORE = "1234567890"

# argv: endpoint, access key, secret key, job id, "own" or "passed" (the session).
_ONE_CALL = """
import asyncio, gc, json, sys
import aiobotocore.session
from pydantic import BaseModel
from export_kit import ExportKit
import export_kit._shapes as shapes

endpoint, key, secret, job, which = sys.argv[1:6]
shapes_read = shapes._field_docstrings.cache_info().misses

async def main():
    session = aiobotocore.session.get_session() if which == "passed" else None
    async with ExportKit(region_name="us-east-1", endpoint_url=endpoint, session=session,
                         aws_access_key_id=key, aws_secret_access_key=secret) as kit:
        found = await kit.omics.get_read_set_export_job(sequence_store_id="1234567890", id=job)
        assert found.id == job
        loader = kit._session.get_component("data_loader")
        endpoints = loader.load_data("endpoints")
        model = loader.load_service_model("omics", "service-2")
        return type(loader.file_loader).__name__, type(endpoints).__name__, type(model).__name__

def classes(cls):
    yield cls
    for sub in cls.__subclasses__():
        yield from classes(sub)

file_loader, endpoints, model = asyncio.run(main())
built = sorted({c.__name__ for c in classes(BaseModel) if c.__dict__.get("__pydantic_complete__")})
print(json.dumps({
    "built": built,
    "classes": sorted({c.__name__ for c in classes(shapes.Shape)}),
    "shapes_read": shapes_read,
    "sources_read": shapes._field_docstrings.cache_info().misses,
    "file_loader": file_loader,
    "endpoints": endpoints,
    "model": model,
}))
"""


async def _one_call(emu: Emulator, session: str) -> dict[str, object]:
    async with ExportKit(**emu.kit_kwargs()) as kit:
        job = await kit.omics.start(
            sequence_store_id=STORE,
            destination="s3://bucket/out/",
            role_arn="arn:aws:iam::123456789012:role/Export",
            sources=[omics.ExportReadSet(read_set_id="1111111111")],
        )
    credentials = emu.credentials()
    argv = [
        emu.endpoint_url,
        credentials["aws_access_key_id"],
        credentials["aws_secret_access_key"],
        job.id,
        session,
    ]
    done = await anyio.run_process([sys.executable, "-c", _ONE_CALL, *argv], check=False)
    assert done.returncode == 0, done.stderr.decode()
    found: dict[str, object] = json.loads(done.stdout)
    return found


async def test_one_call_builds_only_its_request_and_response(threaded_emulator: Emulator) -> None:
    found = await _one_call(threaded_emulator, "own")
    assert found["built"] == ["GetReadSetExportJobRequest", "GetReadSetExportJobResponse"]
    # No per-response generic class (``OperationRequest[GetReadSetExportJobResponse]``).
    classes = found["classes"]
    assert isinstance(classes, list)
    assert [name for name in classes if "[" in str(name)] == []
    # The fieldless base classes in _shapes read no source; the omics module's is read once.
    assert (found["shapes_read"], found["sources_read"]) == (0, 1)


async def test_the_kits_own_session_reads_data_files_as_plain_dicts(
    threaded_emulator: Emulator,
) -> None:
    found = await _one_call(threaded_emulator, "own")
    assert (found["file_loader"], found["endpoints"], found["model"]) == (
        "PlainJSONFileLoader",
        "dict",
        "dict",
    )


async def test_a_session_passed_in_keeps_botocores_loader(threaded_emulator: Emulator) -> None:
    found = await _one_call(threaded_emulator, "passed")
    assert (found["file_loader"], found["endpoints"], found["model"]) == (
        "JSONFileLoader",
        "OrderedDict",
        "OrderedDict",
    )


def test_plain_dicts_hold_the_same_data_as_botocores() -> None:
    from export_kit._config import PlainJSONFileLoader

    ours, theirs = create_loader(), create_loader()
    ours.file_loader = PlainJSONFileLoader()
    assert type(theirs.file_loader) is JSONFileLoader
    for service in ("omics", "personalize", "discovery", "m2", "simpledbv2"):
        assert ours.load_service_model(service, "service-2") == theirs.load_service_model(
            service, "service-2"
        )
        rules = "endpoint-rule-set-1"
        assert ours.load_service_model(service, rules) == theirs.load_service_model(service, rules)
    assert ours.load_data("endpoints") == theirs.load_data("endpoints")
    assert PlainJSONFileLoader().load_file("/nonexistent/endpoints") is None


def test_request_classes_are_generic_for_type_checkers_only() -> None:
    """At run time a parametrization is the class itself: no class per response type."""
    assert OperationRequest[omics.GetReadSetExportJobResponse] is OperationRequest
    assert (
        StartRequest[omics.StartReadSetExportJobResponse, omics.GetReadSetExportJobResponse]
        is StartRequest
    )
    assert omics.GetReadSetExportJobRequest.__bases__ == (OperationRequest,)
