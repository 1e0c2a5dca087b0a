"""Every facade method, called with keyword arguments and with a request model,
against the emulator over real HTTP; responses come back as the typed models.

The methods are generated (``tools/codegen.py``) with explicit keyword parameters, so
``help()``, ``inspect.signature`` and IDEs show the operation's members.
"""

from __future__ import annotations

import inspect
import pydoc
import subprocess
import sys
import typing

import pytest

from export_kit import ExportKit
from export_kit.local import Emulator
from export_kit.models import discovery, m2, omics, personalize, simpledbv2

from ._support import APP, DATASET_ARN, ROLE, START_KWARGS, STORE

pytestmark = pytest.mark.anyio


async def test_m2(kit: ExportKit, emu: Emulator) -> None:
    created = await kit.m2.create_data_set_export_task(**START_KWARGS["m2"])
    assert isinstance(created, m2.CreateDataSetExportTaskResponse)
    model = m2.CreateDataSetExportTaskRequest.model_validate(START_KWARGS["m2"])
    again = await kit.m2.create_data_set_export_task(model)
    assert again.task_id != created.task_id  # each call got its own client token

    got = await kit.m2.get_data_set_export_task(application_id=APP, task_id=created.task_id)
    assert isinstance(got, m2.GetDataSetExportTaskResponse)
    assert got.task_id == created.task_id
    by_model = await kit.m2.get_data_set_export_task(
        m2.GetDataSetExportTaskRequest(application_id=APP, task_id=again.task_id)
    )
    assert by_model.task_id == again.task_id

    ids = {t.task_id async for t in kit.m2.list_data_set_export_history(application_id=APP)}
    assert ids == {created.task_id, again.task_id}
    pager = kit.m2.list_data_set_export_history(
        m2.ListDataSetExportHistoryRequest(application_id=APP)
    )
    items = await pager.collect()
    assert all(isinstance(t, m2.DataSetExportTask) for t in items)
    assert emu.requests[("m2", "ListDataSetExportHistory")] == 2


async def test_personalize(kit: ExportKit) -> None:
    created = await kit.personalize.create_dataset_export_job(**START_KWARGS["personalize"])
    arn = created.dataset_export_job_arn
    assert arn
    second = await kit.personalize.create_dataset_export_job(
        personalize.CreateDatasetExportJobRequest.model_validate(
            {**START_KWARGS["personalize"], "job_name": "job-2"}
        )
    )
    described = await kit.personalize.describe_dataset_export_job(dataset_export_job_arn=arn)
    assert isinstance(described, personalize.DescribeDatasetExportJobResponse)
    assert described.dataset_export_job is not None
    assert described.dataset_export_job.job_name == "job-1"
    by_model = await kit.personalize.describe_dataset_export_job(
        personalize.DescribeDatasetExportJobRequest(
            dataset_export_job_arn=second.dataset_export_job_arn or ""
        )
    )
    assert by_model.dataset_export_job is not None
    names = {
        j.job_name async for j in kit.personalize.list_dataset_export_jobs(dataset_arn=DATASET_ARN)
    }
    assert names == {"job-1", "job-2"}
    request = personalize.ListDatasetExportJobsRequest(dataset_arn=DATASET_ARN)
    items = await kit.personalize.list_dataset_export_jobs(request).collect()
    assert all(isinstance(j, personalize.DatasetExportJobSummary) for j in items)


async def test_discovery_export_tasks(kit: ExportKit) -> None:
    first = await kit.discovery.start_export_task()
    second = await kit.discovery.start_export_task(
        discovery.StartExportTaskRequest(export_data_format=["CSV"])
    )
    assert first.export_id
    assert second.export_id
    ids = [first.export_id, second.export_id]
    found = {e.export_id async for e in kit.discovery.describe_export_tasks(export_ids=ids)}
    assert found == set(ids)
    request = discovery.DescribeExportTasksRequest(export_ids=[first.export_id])
    items = await kit.discovery.describe_export_tasks(request).collect()
    assert [type(e) for e in items] == [discovery.ExportInfo]


async def test_discovery_continuous_exports(kit: ExportKit, emu: Emulator) -> None:
    started = await kit.discovery.start_continuous_export()
    assert isinstance(started, discovery.StartContinuousExportResponse)
    assert started.export_id
    emu.advance(60)
    found = [d.export_id async for d in kit.discovery.describe_continuous_exports()]
    assert found == [started.export_id]
    pager = kit.discovery.describe_continuous_exports(
        discovery.DescribeContinuousExportsRequest(export_ids=[started.export_id])
    )
    assert [type(d) for d in await pager.collect()] == [discovery.ContinuousExportDescription]
    stopped = await kit.discovery.stop_continuous_export(export_id=started.export_id)
    assert isinstance(stopped, discovery.StopContinuousExportResponse)
    emu.advance(60)
    restarted = await kit.discovery.start_continuous_export(
        discovery.StartContinuousExportRequest()
    )
    assert restarted.export_id
    emu.advance(60)
    await kit.discovery.stop_continuous_export(
        discovery.StopContinuousExportRequest(export_id=restarted.export_id)
    )


async def test_simpledbv2(kit: ExportKit) -> None:
    started = await kit.simpledbv2.start_domain_export(**START_KWARGS["simpledbv2"])
    assert started.client_token  # generated by the kit, echoed by the service
    second = await kit.simpledbv2.start_domain_export(
        simpledbv2.StartDomainExportRequest(
            domain_name="domain-1", s3_bucket="bucket-2", client_token="my-token"
        )
    )
    assert second.client_token == "my-token"
    got = await kit.simpledbv2.get_export(export_arn=started.export_arn)
    assert isinstance(got, simpledbv2.GetExportResponse)
    assert got.client_token == started.client_token
    by_model = await kit.simpledbv2.get_export(
        simpledbv2.GetExportRequest(export_arn=second.export_arn)
    )
    assert by_model.export_arn == second.export_arn
    arns = {s.export_arn async for s in kit.simpledbv2.list_exports(domain_name="domain-1")}
    assert arns == {started.export_arn, second.export_arn}
    items = await kit.simpledbv2.list_exports(simpledbv2.ListExportsRequest()).collect()
    assert all(isinstance(s, simpledbv2.ExportSummary) for s in items)


async def test_omics(kit: ExportKit) -> None:
    started = await kit.omics.start_read_set_export_job(**START_KWARGS["omics"])
    assert isinstance(started, omics.StartReadSetExportJobResponse)
    second = await kit.omics.start_read_set_export_job(
        omics.StartReadSetExportJobRequest(
            sequence_store_id=STORE,
            destination="s3://bucket/out/",
            role_arn=ROLE,
            sources=[omics.ExportReadSet(read_set_id="1111111111")],
        )
    )
    assert second.id != started.id
    got = await kit.omics.get_read_set_export_job(sequence_store_id=STORE, id=started.id)
    assert isinstance(got, omics.GetReadSetExportJobResponse)
    assert got.status == "SUBMITTED"
    by_model = await kit.omics.get_read_set_export_job(
        omics.GetReadSetExportJobRequest(sequence_store_id=STORE, id=second.id)
    )
    assert by_model.id == second.id
    ids = {j.id async for j in kit.omics.list_read_set_export_jobs(sequence_store_id=STORE)}
    assert ids == {started.id, second.id}
    pager = kit.omics.list_read_set_export_jobs(
        omics.ListReadSetExportJobsRequest(sequence_store_id=STORE)
    )
    assert all(isinstance(j, omics.ExportReadSetJobDetail) for j in await pager.collect())


async def test_send_is_the_generic_form(kit: ExportKit) -> None:
    started = await kit.send(
        omics.StartReadSetExportJobRequest.model_validate(START_KWARGS["omics"])
    )
    got = await kit.send(omics.GetReadSetExportJobRequest(sequence_store_id=STORE, id=started.id))
    assert isinstance(got, omics.GetReadSetExportJobResponse)
    page = await kit.send(omics.ListReadSetExportJobsRequest(sequence_store_id=STORE))
    assert [j.id for j in page.export_jobs or []] == [started.id]


async def test_model_and_kwargs_together_is_a_type_error(kit: ExportKit, emu: Emulator) -> None:
    request = omics.GetReadSetExportJobRequest(sequence_store_id=STORE, id="1234567890")
    with pytest.raises(TypeError, match="not both"):
        await kit.omics.get_read_set_export_job(request, id="1234567890")  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="expects a GetReadSetExportJobRequest"):
        await kit.omics.get_read_set_export_job(  # type: ignore[call-overload]
            omics.ListReadSetExportJobsRequest(sequence_store_id=STORE)
        )
    assert emu.total_requests == 0


async def test_wire_names_are_not_keyword_arguments(kit: ExportKit, emu: Emulator) -> None:
    """Keyword arguments are the snake_case members; a camelCase one is a plain TypeError."""
    with pytest.raises(TypeError, match="unexpected keyword argument 'sequenceStoreId'"):
        await kit.omics.get_read_set_export_job(sequenceStoreId=STORE, id="1234567890")  # type: ignore[call-overload]
    assert emu.total_requests == 0


def test_signature_shows_the_operation_members() -> None:
    kit = ExportKit(region_name="us-east-1")  # no client is opened
    method = kit.omics.get_read_set_export_job
    signature = inspect.signature(method, eval_str=True)
    assert list(signature.parameters) == ["request", "sequence_store_id", "id"]
    assert signature.parameters["request"].kind is inspect.Parameter.POSITIONAL_ONLY
    assert signature.parameters["id"].kind is inspect.Parameter.KEYWORD_ONLY
    assert signature.return_annotation is omics.GetReadSetExportJobResponse
    hints = typing.get_type_hints(kit.simpledbv2.start_domain_export)
    assert hints["s3_bucket"] == str | None
    assert hints["s3_sse_algorithm"] == typing.Literal["AES256", "KMS"] | None
    assert "kwargs" not in inspect.signature(kit.m2.create_data_set_export_task).parameters


def test_help_shows_each_parameter_and_its_documentation() -> None:
    kit = ExportKit(region_name="us-east-1")
    text = pydoc.plain(pydoc.render_doc(kit.omics.get_read_set_export_job))
    assert "sequence_store_id: 'str | None' = None" in text
    assert "sequence_store_id: The job's sequence store ID." in text
    assert "id: The job's ID." in text
    assert "RequestValidationError" in text
    start = pydoc.plain(pydoc.render_doc(kit.omics.start))
    assert "role_arn: A service role for the job." in start


def _fresh(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_a_facade_imports_only_its_own_service_models() -> None:
    loaded = _fresh(
        "import sys\n"
        "from export_kit import ExportKit\n"
        "kit = ExportKit(region_name='us-east-1')\n"
        "kit.omics\n"
        "print(sorted(m for m in sys.modules if m.startswith('export_kit.models.')))"
    )
    assert loaded == "['export_kit.models.omics']"


def test_kit_and_facades_import_each_other_only_for_type_checkers() -> None:
    """No cycle: a facade module loads without the kit, the kit without any facade."""
    assert (
        _fresh("import sys, export_kit._facades.omics; print('export_kit._kit' in sys.modules)")
        == "False"
    )
    assert (
        _fresh("import sys, export_kit._kit; print([m for m in sys.modules if '_facades' in m])")
        == "[]"
    )
