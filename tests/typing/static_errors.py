"""Calls that type checkers must reject; ``tests/typing/test_static_errors.py`` proves they do.

Not imported or run.  Each ``# expect:`` comment names the error that ``mypy --strict``
(its error code) and pyright in strict mode (its rule) must report on the next line.
"""

from __future__ import annotations

from export_kit import ExportKit
from export_kit.local import Emulator
from export_kit.models import discovery, omics, simpledbv2

STORE = "1234567890"


async def typos_and_wrong_types(kit: ExportKit) -> None:
    sdb, om = kit.simpledbv2, kit.omics
    # expect: mypy=call-overload pyright=reportCallIssue
    await sdb.start_domain_export(domain_name="d", s3_bukket="b")
    # expect: mypy=call-overload pyright=reportArgumentType
    await sdb.start_domain_export(domain_name="d", s3_bucket=123)
    # expect: mypy=call-overload pyright=reportCallIssue
    await om.get_read_set_export_job(sequence_store_id=STORE)
    # expect: mypy=call-overload pyright=reportCallIssue
    await om.get_read_set_export_job(sequenceStoreId=STORE, id=STORE)
    # expect: mypy=call-overload pyright=reportArgumentType
    await sdb.start(domain_name="d", s3_bucket="b", s3_sse_algorithm="DES")
    # expect: mypy=call-overload pyright=reportArgumentType
    om.list_read_set_export_jobs(sequence_store_id=STORE, max_results="10")


async def wrong_requests(kit: ExportKit) -> None:
    export = simpledbv2.StartDomainExportRequest(domain_name="d", s3_bucket="b")
    # expect: mypy=call-overload pyright=reportArgumentType
    await kit.omics.start(export)
    describe = omics.GetReadSetExportJobRequest(sequence_store_id=STORE, id=STORE)
    # expect: mypy=arg-type pyright=reportArgumentType
    await kit.start(describe)
    # expect: mypy=call-overload pyright=reportCallIssue
    await kit.omics.get_read_set_export_job(describe, id=STORE)


async def descriptions(kit: ExportKit) -> None:
    job = await kit.discovery.start()
    info: discovery.ExportInfo | None = job.description
    # expect: mypy=assignment pyright=reportAssignmentType
    _: omics.GetReadSetExportJobResponse | None = job.description
    # expect: mypy=misc pyright=reportAttributeAccessIssue
    job.description = info


def emulator_controls(emulator: Emulator) -> None:
    emulator.fail_next("omics", "left over")
    emulator.reset_controls()
    # expect: mypy=call-arg pyright=reportCallIssue
    emulator.reset_controls("omics")
