"""botocore failures become the export_kit error tree, from real emulator responses."""

from __future__ import annotations

import asyncio
import importlib
import uuid
from pathlib import Path
from typing import Any

import pytest
from botocore import exceptions as boto
from botocore.exceptions import ClientError

from export_kit import (
    AccessDeniedError,
    ConfigurationError,
    ConflictError,
    CredentialsError,
    EventLoopError,
    ExportKit,
    ExportKitError,
    InvalidRequestError,
    NotFoundError,
    QuotaExceededError,
    RequestValidationError,
    ServerError,
    ServiceError,
    ThrottlingError,
    TransportError,
)
from export_kit._shapes import OperationRequest
from export_kit.errors import service_error_class
from export_kit.local import Emulator
from export_kit.models import SERVICES, omics

from ._support import APP, NO_RETRIES, START_KWARGS, STORE

pytestmark = pytest.mark.anyio


def _request_classes() -> list[type[OperationRequest[Any]]]:
    found: list[type[OperationRequest[Any]]] = []
    for service in SERVICES:
        module = importlib.import_module(f"export_kit.models.{service}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, OperationRequest)
                and "operation" in vars(value)
            ):
                found.append(value)
    return found


def test_every_modelled_error_code_maps_to_a_specific_class() -> None:
    classes = _request_classes()
    assert len(classes) == 17
    unmapped = {
        (cls.operation.service, code)
        for cls in classes
        for code in cls.operation.errors
        if service_error_class(code) is ServiceError
    }
    assert unmapped == set()


def _check(error: ServiceError, *, service: str, operation: str, code: str, status: int) -> None:
    assert error.service == service
    assert error.operation == operation
    assert error.code == code
    assert error.http_status == status
    assert error.message
    assert error.request_id  # the emulator's x-amzn-RequestId
    assert isinstance(error.__cause__, ClientError)


async def test_not_found(kit: ExportKit) -> None:
    with pytest.raises(NotFoundError) as caught:
        await kit.omics.get_read_set_export_job(sequence_store_id=STORE, id="5555555555")
    _check(
        caught.value,
        service="omics",
        operation="GetReadSetExportJob",
        code="ResourceNotFoundException",
        status=404,
    )
    with pytest.raises(NotFoundError) as caught:
        await kit.simpledbv2.get_export(
            export_arn="arn:aws:sdb:us-east-1:123456789012:domain/d/export/x"
        )
    assert caught.value.code == "NoSuchExportException"


async def test_missing_scope_is_not_found(kit: ExportKit, emu: Emulator) -> None:
    emu.mark_missing("m2", APP)
    with pytest.raises(NotFoundError) as caught:
        await kit.m2.list_data_set_export_history(application_id=APP).collect()
    assert caught.value.operation == "ListDataSetExportHistory"


async def test_conflicts(kit: ExportKit) -> None:
    await kit.simpledbv2.start_domain_export(**START_KWARGS["simpledbv2"], client_token="t-1")
    with pytest.raises(ConflictError) as caught:
        await kit.simpledbv2.start_domain_export(
            domain_name="domain-1", s3_bucket="other-bucket", client_token="t-1"
        )
    assert caught.value.code == "ConflictException"

    await kit.personalize.create_dataset_export_job(**START_KWARGS["personalize"])
    with pytest.raises(ConflictError) as caught:
        await kit.personalize.create_dataset_export_job(**START_KWARGS["personalize"])
    assert caught.value.code == "ResourceAlreadyExistsException"

    await kit.discovery.start_continuous_export()
    with pytest.raises(ConflictError) as caught:
        await kit.discovery.start_continuous_export()
    assert caught.value.code == "ConflictErrorException"


async def test_service_side_validation_is_invalid_request(kit: ExportKit) -> None:
    pager = kit.personalize.list_dataset_export_jobs(next_token="not-a-token")
    with pytest.raises(InvalidRequestError) as caught:
        await pager.collect()
    assert caught.value.code == "InvalidNextTokenException"


async def test_bad_signature_is_access_denied(tmp_path: Any) -> None:
    with Emulator(verify_signatures=True, data_dir=tmp_path) as strict:
        kwargs = {**strict.kit_kwargs(), "aws_secret_access_key": "wrong"}
        async with ExportKit(**kwargs, config=NO_RETRIES) as kit:
            with pytest.raises(AccessDeniedError) as caught:
                await kit.omics.get_read_set_export_job(sequence_store_id=STORE, id="1234567890")
    assert caught.value.code == "InvalidSignatureException"
    assert caught.value.http_status == 403


@pytest.mark.parametrize(
    ("fault", "error", "status"), [("throttle", ThrottlingError, 429), ("error", ServerError, 500)]
)
async def test_injected_faults(
    kit: ExportKit, emu: Emulator, fault: Any, error: type[ServiceError], status: int
) -> None:
    emu.inject(fault, service="omics", operation="GetReadSetExportJob")
    with pytest.raises(error) as caught:
        await kit.omics.get_read_set_export_job(sequence_store_id=STORE, id="1234567890")
    assert caught.value.http_status == status
    assert caught.value.retryable


async def test_dropped_connection_is_transport_error(kit: ExportKit, emu: Emulator) -> None:
    # aiohttp resends an idempotent GET once on a dropped keep-alive connection, so
    # drop both; POST operations (json protocol) are not resent.
    emu.inject("drop", service="omics", count=2)
    with pytest.raises(TransportError) as caught:
        await kit.omics.get_read_set_export_job(sequence_store_id=STORE, id="1234567890")
    assert "GetReadSetExportJob" in str(caught.value)
    assert caught.value.__cause__ is not None
    emu.inject("drop", service="personalize")
    with pytest.raises(TransportError):
        await kit.personalize.describe_dataset_export_job(
            dataset_export_job_arn="arn:aws:personalize:us-east-1:123456789012:dataset-export-job/x"
        )
    assert emu.requests[("personalize", "DescribeDatasetExportJob")] == 1


async def test_refused_connection_is_transport_error(emu: Emulator) -> None:
    kwargs = {**emu.kit_kwargs(), "endpoint_url": "http://127.0.0.1:9"}  # discard port: closed
    async with ExportKit(**kwargs, config=NO_RETRIES) as kit:
        with pytest.raises(TransportError):
            await kit.m2.get_data_set_export_task(application_id=APP, task_id="t-1")


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_default_retries_hide_one_throttle_and_reuse_the_client_token(emu: Emulator) -> None:
    tokens: list[str] = []
    async with ExportKit(**emu.kit_kwargs()) as kit:  # default: standard retries
        client = await kit.client("omics")

        def capture(request: Any, **_: Any) -> None:
            import json

            tokens.append(json.loads(request.body)["clientToken"])

        client.meta.events.register("before-send.omics.StartReadSetExportJob", capture)
        emu.inject("throttle", service="omics", operation="StartReadSetExportJob")
        started = await kit.omics.start_read_set_export_job(**START_KWARGS["omics"])
    assert started.id
    assert emu.requests[("omics", "StartReadSetExportJob")] == 2
    assert len(tokens) == 2
    assert tokens[0] == tokens[1]  # one token per logical call, reused by the retry


@pytest.mark.parametrize(
    ("service", "method", "code", "status"),
    [
        ("m2", "create_data_set_export_task", "ServiceQuotaExceededException", 402),
        ("personalize", "create_dataset_export_job", "LimitExceededException", 400),
        ("simpledbv2", "start_domain_export", "NumberExportsLimitExceeded", 409),
        ("omics", "start_read_set_export_job", "ServiceQuotaExceededException", 402),
    ],
)
async def test_quota_exceeded(service: str, method: str, code: str, status: int) -> None:
    async with (
        Emulator(clock="manual", max_active_jobs=1) as quota,
        ExportKit(**quota.kit_kwargs(), config=NO_RETRIES) as kit,
    ):
        start = getattr(getattr(kit, service), method)
        await start(**START_KWARGS[service])
        second = dict(START_KWARGS[service])
        if service == "personalize":
            second["job_name"] = "job-2"
        with pytest.raises(QuotaExceededError) as caught:
            await start(**second)
        _check(
            caught.value,
            service=service,
            operation=caught.value.operation,
            code=code,
            status=status,
        )
        quota.advance(3600)  # the first job finishes: room for another
        await start(**second)


async def test_throttling_carries_the_servers_retry_hint(kit: ExportKit, emu: Emulator) -> None:
    emu.inject("throttle", service="omics", operation="GetReadSetExportJob")
    with pytest.raises(ThrottlingError) as caught:
        await kit.omics.get_read_set_export_job(sequence_store_id=STORE, id="5555555555")
    assert caught.value.retry_after == 1.0


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-amz-retry-after": "1500"}, 1.5),
        ({"Retry-After": "3"}, 3.0),
        ({"x-amz-retry-after": "250", "retry-after": "9"}, 0.25),
        ({"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}, None),
        ({"Retry-After": "-1"}, None),
        ({}, None),
    ],
)
def test_retry_hint_parsing(headers: dict[str, str], expected: float | None) -> None:
    from export_kit._dispatch import retry_after

    assert retry_after(headers) == expected


# -- configuration and credentials: real botocore behaviour, nothing sent ----------------------


@pytest.fixture
def bare_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No AWS settings at all: empty config and credentials files, no instance metadata."""
    import os

    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    empty = tmp_path / "empty"
    empty.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return tmp_path


def _write_config(directory: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    config = directory / "config"
    config.write_text(text)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))


# (case, ExportKit keyword arguments beyond the endpoint, expected class, botocore cause)
_SETUPS: list[tuple[str, dict[str, Any], type[ConfigurationError], type[BaseException]]] = [
    ("no credentials", {"region_name": "us-east-1"}, CredentialsError, boto.NoCredentialsError),
    (
        "partial credentials",
        {"region_name": "us-east-1", "aws_access_key_id": "AKIAEXAMPLE"},
        CredentialsError,
        boto.PartialCredentialsError,
    ),
    (
        "no region",
        {"aws_access_key_id": "a", "aws_secret_access_key": "b"},
        ConfigurationError,
        boto.NoRegionError,
    ),
    (
        "unknown profile",
        {"region_name": "us-east-1", "profile_name": "no-such-profile"},
        ConfigurationError,
        boto.ProfileNotFound,
    ),
    (
        "malformed region",
        {"region_name": "us east 1!", "aws_access_key_id": "a", "aws_secret_access_key": "b"},
        ConfigurationError,
        boto.InvalidRegionError,
    ),
]


@pytest.mark.parametrize(
    ("extra", "expected", "cause"),
    [pytest.param(extra, exp, cause, id=case) for case, extra, exp, cause in _SETUPS],
)
async def test_a_bad_setup_is_a_configuration_error_and_nothing_is_sent(
    emu: Emulator,
    bare_env: Path,
    extra: dict[str, Any],
    expected: type[ConfigurationError],
    cause: type[BaseException],
) -> None:
    async with ExportKit(endpoint_url=emu.endpoint_url, config=NO_RETRIES, **extra) as kit:
        with pytest.raises(expected) as caught:
            await kit.omics.get_read_set_export_job(sequence_store_id=STORE, id="1234567890")
    assert type(caught.value) is expected
    assert isinstance(caught.value.__cause__, cause)
    assert "omics" in str(caught.value)
    assert emu.total_requests == 0


async def test_an_invalid_endpoint_url_is_a_configuration_error(bare_env: Path) -> None:
    async with ExportKit(
        region_name="us-east-1",
        endpoint_url="not a url",
        aws_access_key_id="a",
        aws_secret_access_key="b",
    ) as kit:
        with pytest.raises(ConfigurationError, match="Invalid endpoint: not a url") as caught:
            await kit.m2.get_data_set_export_task(application_id=APP, task_id="t-1")
    assert isinstance(caught.value.__cause__, ValueError)


async def test_an_unreadable_config_file_is_a_configuration_error(
    emu: Emulator, bare_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_config(bare_env, "[profile broken\nregion = ", monkeypatch)
    async with ExportKit(**emu.kit_kwargs(), config=NO_RETRIES) as kit:
        with pytest.raises(ConfigurationError) as caught:
            await kit.omics.get_read_set_export_job(sequence_store_id=STORE, id="1234567890")
    assert isinstance(caught.value.__cause__, boto.ConfigParseError)
    assert emu.total_requests == 0


async def test_a_missing_sso_token_is_a_credentials_error(
    emu: Emulator, bare_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fresh sso-session name: botocore finds no cached token for it (an expired token is
    # covered by tests/cli, which can point HOME at its own token cache).
    session = f"export-kit-test-{uuid.uuid4().hex}"
    _write_config(
        bare_env,
        f"[profile sso]\nsso_session = {session}\nsso_account_id = 123456789012\n"
        f"sso_role_name = Export\nregion = us-east-1\n[sso-session {session}]\n"
        "sso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n",
        monkeypatch,
    )
    async with ExportKit(endpoint_url=emu.endpoint_url, profile_name="sso") as kit:
        with pytest.raises(CredentialsError) as caught:
            await kit.omics.get_read_set_export_job(sequence_store_id=STORE, id="1234567890")
    assert isinstance(caught.value.__cause__, boto.SSOTokenLoadError)
    assert emu.total_requests == 0


async def test_botocores_own_parameter_check_is_a_request_validation_error(
    kit: ExportKit, emu: Emulator
) -> None:
    client = await kit.client("omics")

    def add_bogus(params: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {**params, "bogus": 1}

    client.meta.events.register("provide-client-params.omics.GetReadSetExportJob", add_bogus)
    with pytest.raises(RequestValidationError) as caught:
        await kit.omics.get_read_set_export_job(sequence_store_id=STORE, id="1234567890")
    assert isinstance(caught.value.__cause__, boto.ParamValidationError)
    assert caught.value.errors()[0]["path"] == "bogus"
    assert caught.value.errors()[0]["rule"] == "botocore"
    assert emu.total_requests == 0


def test_param_validation_report_lines_name_their_member() -> None:
    from export_kit._dispatch import configuration_error

    report = (
        "Parameter validation failed:\n"
        'Missing required parameter in sources[0]: "readSetId"\n'
        "Invalid length for parameter sequenceStoreId, value: 1, valid min length: 10"
    )
    error = configuration_error(boto.ParamValidationError(report=report), "omics", "Op")
    assert isinstance(error, RequestValidationError)
    assert [issue["path"] for issue in error.errors()] == [
        "sources[0].readSetId",
        "sequenceStoreId",
    ]


# -- a request changed after it was built is validated again -----------------------------------


def _omics_request() -> omics.GetReadSetExportJobRequest:
    return omics.GetReadSetExportJobRequest(sequence_store_id=STORE, id="1234567890")


async def test_a_field_assigned_after_construction_is_validated_before_sending(
    kit: ExportKit, emu: Emulator
) -> None:
    request = _omics_request()
    request.sequence_store_id = "bad"
    with pytest.raises(RequestValidationError) as caught:
        await kit.send(request)
    assert [issue["path"] for issue in caught.value.errors()] == ["sequenceStoreId"]
    with pytest.raises(RequestValidationError):
        await kit.omics.get_read_set_export_job(request)
    assert emu.total_requests == 0


async def test_a_model_copy_with_updates_is_validated_before_sending(
    kit: ExportKit, emu: Emulator
) -> None:
    request = _omics_request().model_copy(update={"id": "x"})
    with pytest.raises(RequestValidationError) as caught:
        await kit.send(request)
    assert caught.value.errors()[0]["path"] == "id"
    start = omics.StartReadSetExportJobRequest(**START_KWARGS["omics"])
    nested = start.model_copy(deep=True)
    nested.sources[0].read_set_id = "1"
    with pytest.raises(RequestValidationError) as caught:
        await kit.start(nested)
    assert caught.value.errors()[0]["path"] == "sources[0].readSetId"
    assert emu.total_requests == 0


# -- one kit, one event loop -------------------------------------------------------------------


def test_a_kit_used_from_a_second_event_loop_fails_at_once(emu: Emulator) -> None:
    kit = ExportKit(**emu.kit_kwargs(), config=NO_RETRIES)

    async def first() -> None:
        await kit.client("omics")  # opens the client in this loop (no connection yet)

    async def second() -> None:
        with pytest.raises(EventLoopError, match="create the kit inside the loop") as caught:
            await kit.omics.get_read_set_export_job(sequence_store_id=STORE, id="1234567890")
        assert isinstance(caught.value, RuntimeError)
        assert isinstance(caught.value, ExportKitError)
        assert not caught.value.retryable
        with pytest.raises(EventLoopError):
            await kit.client("omics")
        job = kit.job("omics", "1234567890", sequenceStoreId=STORE)
        with pytest.raises(EventLoopError):  # the wait ends at once, not retrying forever
            await asyncio.wait_for(job.wait(), timeout=30)
        await kit.aclose()

    asyncio.run(first())
    asyncio.run(second())
    assert emu.total_requests == 0
