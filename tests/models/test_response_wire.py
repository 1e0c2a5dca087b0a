"""Responses over real HTTP: a service that omits a required member or sends nonsense.

The emulator always answers in full, so these tests stand up a tiny aiohttp server on
127.0.0.1 that answers every Discovery call with a fixed JSON body.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web
from botocore.config import Config

from export_kit import ExportKit, ExportStatus, ResponseError

pytestmark = pytest.mark.anyio

#: Discovery's ExportInfo without statusMessage (the model marks it required).
WITHOUT_STATUS_MESSAGE = {
    "exportsInfo": [
        {"exportId": "export-1", "exportStatus": "SUCCEEDED", "exportRequestTime": 1764028800}
    ]
}
#: An ExportInfo whose exportId is a number: no correction can read that.
WRONG_TYPE = {
    "exportsInfo": [
        {
            "exportId": 12345,
            "exportStatus": "SUCCEEDED",
            "statusMessage": "done",
            "exportRequestTime": 1764028800,
        }
    ]
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def discovery_answering() -> AsyncIterator[Callable[[dict[str, Any]], ExportKit]]:
    """``kit = discovery_answering(body)``: a kit whose Discovery calls all get ``body``."""
    body: dict[str, Any] = {}

    async def answer(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(text=json.dumps(body), content_type="application/x-amz-json-1.1")

    app = web.Application()
    app.router.add_post("/", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    kits: list[ExportKit] = []

    def make(answer_with: dict[str, Any]) -> ExportKit:
        body.clear()
        body.update(answer_with)
        kit = ExportKit(
            region_name="us-west-2",
            endpoint_url=f"http://{host}:{port}",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"total_max_attempts": 1}),
        )
        kits.append(kit)
        return kit

    try:
        yield make
    finally:
        for kit in kits:
            await kit.aclose()
        await runner.cleanup()


async def test_a_missing_required_member_does_not_break_a_wait(
    discovery_answering: Callable[[dict[str, Any]], ExportKit],
) -> None:
    kit = discovery_answering(WITHOUT_STATUS_MESSAGE)
    job = kit.job("discovery", "export-1")
    done = await job.wait(timeout=5)
    assert done.status is ExportStatus.SUCCEEDED
    info = await kit.discovery.describe_export_tasks(export_ids=["export-1"]).collect()
    assert [i.status_message for i in info] == [""]


async def test_an_unreadable_response_raises_response_error(
    discovery_answering: Callable[[dict[str, Any]], ExportKit],
) -> None:
    kit = discovery_answering(WRONG_TYPE)
    with pytest.raises(ResponseError) as caught:
        await kit.discovery.describe_export_tasks(export_ids=["export-1"]).collect()
    assert caught.value.operation == "DescribeExportTasks"
    assert caught.value.payload["exportsInfo"][0]["exportId"] == 12345
    assert "exportsInfo[0].exportId" in str(caught.value)
