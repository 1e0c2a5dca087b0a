"""Presigned URLs (Discovery's configurationsDownloadUrl) never show in reprs."""

from __future__ import annotations

import pytest

from export_kit import ExportKit
from export_kit.local import Emulator
from export_kit.models import discovery

pytestmark = pytest.mark.anyio

PRESIGNED = (
    "https://bucket.s3.amazonaws.com/export.zip"
    "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE&X-Amz-Signature=deadbeef"
)


def test_presigned_url_is_masked_in_repr_but_kept_in_the_field() -> None:
    page = discovery.DescribeExportTasksResponse.from_api(
        {
            "exportsInfo": [
                {
                    "exportId": "e-1",
                    "exportStatus": "SUCCEEDED",
                    "statusMessage": "done",
                    "exportRequestTime": "2024-01-01T00:00:00Z",
                    "configurationsDownloadUrl": PRESIGNED,
                }
            ]
        }
    )
    for text in (repr(page), str(page), repr(page.exports_info), f"{page.exports_info}"):
        assert "X-Amz-Signature" not in text
        assert "AKIDEXAMPLE" not in text
        assert "https://bucket.s3.amazonaws.com/export.zip?…" in text
    assert page.exports_info is not None
    assert page.exports_info[0].configurations_download_url == PRESIGNED


async def test_emulator_download_url_round_trips(kit: ExportKit, emu: Emulator) -> None:
    started = await kit.discovery.start_export_task()
    assert started.export_id
    emu.advance(3600)
    [info] = await kit.discovery.describe_export_tasks(export_ids=[started.export_id]).collect()
    assert info.export_status == "SUCCEEDED"
    assert info.configurations_download_url
    assert info.configurations_download_url.startswith(emu.endpoint_url)
