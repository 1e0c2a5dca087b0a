"""Responses are lenient: what AWS adds after codegen never breaks a caller."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeAlias

import pytest
from pydantic import Field, Tag, ValidationError

from export_kit._shapes import ResponseShape, UnknownMember, union_discriminator
from export_kit.errors import ExportKitError, RequestValidationError, ResponseError
from export_kit.models import discovery, m2, omics, personalize

NOW = datetime(2026, 11, 25, tzinfo=UTC)


def test_unknown_keys_are_kept_and_metadata_dropped() -> None:
    parsed = m2.GetDataSetExportTaskResponse.from_api(
        {
            "taskId": "t-1",
            "status": "Completed",
            "brandNewField": {"x": 1},
            "ResponseMetadata": {"RequestId": "r"},
        }
    )
    assert parsed.model_extra == {"brandNewField": {"x": 1}}
    assert parsed.task_id == "t-1"


def test_unknown_enum_values_are_kept_as_strings() -> None:
    parsed = omics.GetReadSetExportJobResponse.from_api(
        {
            "id": "1234567890",
            "sequenceStoreId": "1234567890",
            "destination": "s3://b/",
            "status": "PAUSED_FOR_REVIEW",
            "creationTime": NOW,
            "readSets": [{"id": "1234567890", "status": "SOMETHING_NEW"}],
        }
    )
    assert parsed.status == "PAUSED_FOR_REVIEW"
    assert parsed.read_sets is not None
    assert parsed.read_sets[0].status == "SOMETHING_NEW"


def test_response_constraints_are_not_enforced() -> None:
    """A value outside the request-side rules (pattern, length) still parses in a response."""
    parsed = omics.StartReadSetExportJobResponse.from_api(
        {
            "id": "short",  # requests need 10-36 digits
            "sequenceStoreId": "x",
            "destination": "not-an-s3-url",
            "status": "SUBMITTED",
            "creationTime": NOW,
        }
    )
    assert parsed.id == "short"


def test_shared_structure_is_strict_in_requests_and_lenient_in_responses() -> None:
    """Personalize's S3DataConfig is both sent and received: one class, two directions."""
    described = personalize.DescribeDatasetExportJobResponse.from_api(
        {"datasetExportJob": {"jobOutput": {"s3DataDestination": {"path": "s3://b/", "new": 1}}}}
    )
    job = described.dataset_export_job
    assert job is not None
    assert job.job_output is not None
    assert job.job_output.s3_data_destination.model_extra == {"new": 1}
    with pytest.raises(RequestValidationError) as caught:
        personalize.S3DataConfig.model_validate({"path": "s3://b/", "new": 1})
    assert [(e["path"], e["rule"]) for e in caught.value.errors()] == [("new", "unknown_key")]


def test_shared_structure_field_rules_bind_requests_only() -> None:
    odd = {"path": "ftp://" + "x" * 300}  # breaks the path pattern and its 256 maximum
    described = personalize.DescribeDatasetExportJobResponse.from_api(
        {"datasetExportJob": {"jobOutput": {"s3DataDestination": odd}}}
    )
    assert described.dataset_export_job is not None
    assert described.dataset_export_job.job_output is not None
    assert described.dataset_export_job.job_output.s3_data_destination.path == odd["path"]
    with pytest.raises(RequestValidationError) as caught:
        personalize.CreateDatasetExportJobRequest(
            job_name="j",
            dataset_arn="arn:aws:personalize:us-east-1:123456789012:dataset/g/D",
            role_arn="arn:aws:iam::123456789012:role/R",
            job_output={"s3DataDestination": {"path": "ftp://host/x"}},
        )
    assert [(e["path"], e["rule"]) for e in caught.value.errors()] == [
        ("jobOutput.s3DataDestination.path", "pattern")
    ]


# No union reaches a response in the 17 operations today; generated response unions use
# the same helper with response=True, exercised here on a model built the same way.
class PlaceS3(ResponseShape):
    s3_location: Annotated[
        str, Field(validation_alias="s3Location", serialization_alias="s3Location")
    ]


class PlaceHttp(ResponseShape):
    url: Annotated[str, Field(validation_alias="url")]


Place: TypeAlias = Annotated[
    Annotated[PlaceS3, Tag("PlaceS3")]
    | Annotated[PlaceHttp, Tag("PlaceHttp")]
    | Annotated[UnknownMember, Tag("UnknownMember")],
    union_discriminator(
        "Place",
        {"PlaceS3": ("s3Location", "s3_location"), "PlaceHttp": ("url", "url")},
        response=True,
    ),
]


class Holder(ResponseShape):
    place: Place


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ({"s3Location": "s3://b/"}, PlaceS3(s3_location="s3://b/")),
        ({"url": "https://x"}, PlaceHttp(url="https://x")),
        ({"ftpLocation": {"host": "h"}}, UnknownMember(tag="ftpLocation", value={"host": "h"})),
    ],
)
def test_response_unions_pick_the_member_or_keep_an_unknown_one(
    wire: dict[str, Any], expected: object
) -> None:
    parsed = Holder.from_api({"place": wire})
    assert parsed.place == expected
    if isinstance(parsed.place, UnknownMember):
        assert parsed.place.to_api() == wire


# -- client error correction and ResponseError ------------------------------------------------

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def test_a_required_member_the_service_left_out_gets_its_zero_value() -> None:
    """Discovery sometimes omits statusMessage, which its model marks required."""
    info = discovery.ExportInfo.from_api(
        {"exportId": "e-1", "exportStatus": "SUCCEEDED", "exportRequestTime": NOW}
    )
    assert info.status_message == ""
    assert info.export_id == "e-1"
    assert "status_message" in info.model_fields_set  # corrected, not defaulted by the class


class Everything(ResponseShape):
    text: str
    count: int
    ratio: float
    flag: bool
    blob: bytes
    when: datetime
    items: list[str]
    mapping: dict[str, int]
    status: Literal["ON", "OFF"] | str
    nested: omics.ExportReadSetDetail
    place: Place
    optional: str | None = None


def test_zero_values_follow_the_smithy_list_per_type() -> None:
    parsed = Everything.from_api({})
    assert parsed.text == ""
    assert parsed.count == 0
    assert parsed.ratio == 0.0
    assert parsed.flag is False
    assert parsed.blob == b""
    assert parsed.when == EPOCH
    assert parsed.items == []
    assert parsed.mapping == {}
    assert parsed.status == ""  # the unknown value of an enum
    assert parsed.nested == omics.ExportReadSetDetail.from_api({"id": "", "status": ""})
    assert parsed.place == UnknownMember(tag="", value=None)  # a union's unknown variant
    assert parsed.optional is None


def test_requests_still_require_their_required_members() -> None:
    with pytest.raises(RequestValidationError) as caught:
        omics.GetReadSetExportJobRequest.model_validate({"sequenceStoreId": "1234567890"})
    assert [(e["path"], e["rule"]) for e in caught.value.errors()] == [("id", "required")]
    with pytest.raises(ValidationError):  # a response model built by hand is not corrected
        discovery.ExportInfo(export_id="e", export_status="SUCCEEDED", export_request_time=NOW)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "payload",
    [
        {"id": 1234567890, "sequenceStoreId": "1", "destination": "s3://b/", "status": "X"},
        {"id": "1", "creationTime": "not a time"},
        ["not", "an", "object"],
    ],
)
def test_an_unreadable_response_raises_response_error_with_the_payload(payload: Any) -> None:
    with pytest.raises(ResponseError) as caught:
        omics.GetReadSetExportJobResponse.from_api(payload, operation="GetReadSetExportJob")
    error = caught.value
    assert isinstance(error, ExportKitError)
    assert not isinstance(error, ValidationError)
    assert isinstance(error.__cause__, ValidationError)
    assert error.payload == payload
    assert error.operation == "GetReadSetExportJob"
    assert str(error).startswith("GetReadSetExportJob: unreadable response: not a ")


def test_unknown_member_is_public_and_cheap_to_import() -> None:
    from export_kit import models
    from export_kit.models import UnknownMember as Public

    assert Public is UnknownMember
    assert "UnknownMember" in models.__all__
    code = "import sys, export_kit.models; print('pydantic' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_correction_reaches_structures_it_filled_in() -> None:
    """A missing required structure becomes {} and its own required members are corrected."""
    described = personalize.DescribeDatasetExportJobResponse.from_api(
        {"datasetExportJob": {"jobName": "j", "jobOutput": {}}}
    )
    job = described.dataset_export_job
    assert job is not None
    assert job.job_output is not None
    assert job.job_output.s3_data_destination.path == ""


def test_a_complete_response_is_parsed_as_sent() -> None:
    info = discovery.ExportInfo.from_api(
        {
            "exportId": "e-1",
            "exportStatus": "SUCCEEDED",
            "statusMessage": "done",
            "exportRequestTime": NOW,
        }
    )
    assert (info.status_message, info.export_request_time) == ("done", NOW)
