"""The export-kit command: demo, serve, start, status, wait, list.

Bad input (unreadable or malformed JSON, an invalid field, an unknown token)
prints one ``error:`` line per problem and exits 2; a failed service call or
job exits 1.  No traceback reaches the user for either.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import anyio
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from .errors import ExportKitError, RequestValidationError, ServiceError

__all__ = ["main"]

SERVICES = ("m2", "personalize", "discovery", "simpledbv2", "omics")

# What `list SERVICE` calls, and the scope options it needs: (method, {option: wire name}).
#: service -> (facade list method, CLI option -> the method's keyword argument)
_LISTS: dict[str, tuple[str, dict[str, str]]] = {
    "m2": ("list_data_set_export_history", {"application_id": "application_id"}),
    "personalize": ("list_dataset_export_jobs", {"dataset_arn": "dataset_arn"}),
    "discovery": ("describe_export_tasks", {"export_id": "export_ids"}),
    "simpledbv2": ("list_exports", {"domain_name": "domain_name"}),
    "omics": ("list_read_set_export_jobs", {"sequence_store_id": "sequence_store_id"}),
}
_REQUIRED_SCOPE = {"m2": "application_id", "omics": "sequence_store_id"}


class UsageError(Exception):
    """Bad input from the user: printed as ``error:`` lines, exit status 2."""

    def __init__(self, *lines: str) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    from .local._serve import add_arguments as add_serve_arguments

    parser = _Parser(prog="export-kit", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--endpoint-url", help="service endpoint (e.g. an `export-kit serve`)")
    parser.add_argument("--region", help="AWS region (default: from the environment)")
    parser.add_argument("--profile", help="AWS profile name")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    demo = commands.add_parser("demo", help="run one export per service on the local emulator")
    demo.add_argument("--job-duration", type=float, default=3.0, help="seconds per job (3)")
    demo.add_argument("--data-dir", type=Path, default=Path("export-kit-data"))
    demo.add_argument("--timeout", type=float, default=120.0, help="overall seconds (120)")

    serve = commands.add_parser("serve", help="run the local emulator in the foreground")
    add_serve_arguments(serve)

    start = commands.add_parser("start", help="start an export job; prints its token")
    start.add_argument("service", choices=SERVICES)
    start.add_argument(
        "--input", required=True, help="JSON request (wire or snake_case names); - for stdin"
    )

    status = commands.add_parser("status", help="describe jobs once, by token")
    status.add_argument("tokens", nargs="+", metavar="TOKEN")

    wait = commands.add_parser("wait", help="wait for jobs to finish, with progress")
    wait.add_argument("tokens", nargs="+", metavar="TOKEN")
    wait.add_argument("--timeout", type=float, default=None, help="overall seconds")
    wait.add_argument("--min-delay", type=float, default=None, help="first poll delay, s")
    wait.add_argument("--max-delay", type=float, default=None, help="longest poll delay, s")

    listing = commands.add_parser("list", help="list a service's export jobs")
    listing.add_argument("service", choices=SERVICES)
    listing.add_argument("--application-id", help="m2 application (required for m2)")
    listing.add_argument("--dataset-arn", help="personalize dataset")
    listing.add_argument("--export-id", action="append", help="discovery export id (repeat)")
    listing.add_argument("--domain-name", help="simpledbv2 domain")
    listing.add_argument("--sequence-store-id", help="omics sequence store (required for omics)")
    listing.add_argument("--max-items", type=int, default=None, help="stop after N jobs")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``export-kit`` console script."""
    args = build_parser().parse_args(argv)
    console = Console(stderr=False)
    errors = Console(stderr=True)
    if args.command == "serve":
        from .local._serve import run

        return run(args)
    try:
        return anyio.run(_dispatch, args, console)
    except UsageError as exc:
        for line in exc.lines:
            errors.print(f"error: {line}", markup=False, highlight=False)
        return 2
    except RequestValidationError as exc:
        for issue in exc.errors():
            errors.print(
                f"error: {issue['path'] or '<request>'}: {issue['message']} [{issue['rule']}]",
                markup=False,
                highlight=False,
            )
        return 2
    except ExportKitError as exc:
        errors.print(f"error: {exc}", markup=False, highlight=False)
        return 1
    except KeyboardInterrupt:
        return 130


async def _dispatch(args: argparse.Namespace, console: Console) -> int:
    if args.command == "demo":
        from ._demo import run_demo

        return await run_demo(
            console,
            job_duration=args.job_duration,
            data_dir=args.data_dir.resolve(),
            timeout=args.timeout,
        )
    from ._kit import ExportKit

    async with ExportKit(
        region_name=args.region, endpoint_url=args.endpoint_url, profile_name=args.profile
    ) as kit:
        command: Callable[[Any, argparse.Namespace, Console], Awaitable[int]] = {
            "start": _start,
            "status": _status,
            "wait": _wait,
            "list": _list,
        }[args.command]
        return await command(kit, args, console)


# -- commands ----------------------------------------------------------------------------------


def _read_input(source: str) -> dict[str, Any]:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text()
    except OSError as exc:
        raise UsageError(f"cannot read --input {source}: {exc.strerror or exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"--input is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    if not isinstance(data, dict):
        raise UsageError("--input must be a JSON object of request fields")
    return data  # pyright: ignore[reportUnknownVariableType]


async def _start(kit: Any, args: argparse.Namespace, console: Console) -> int:
    from .services import spec_for

    # Input files use wire (camelCase) or snake_case names; only the request model takes
    # both (facade keyword arguments are snake_case only).
    request = spec_for(args.service).start_request.model_validate(_read_input(args.input))
    job = await kit.start(request)
    _print_jobs(console, [job], as_json=args.json, tokens=True)
    return 0


def _resume_all(kit: Any, tokens: Sequence[str]) -> list[Any]:
    jobs: list[Any] = []
    problems: list[str] = []
    for token in tokens:
        try:
            jobs.append(kit.resume(token))
        except ValueError as exc:
            shown = token if len(token) <= 24 else token[:21] + "…"
            problems.append(f"token {shown!r}: {exc}")
    if problems:
        raise UsageError(*problems)
    return jobs


async def _status(kit: Any, args: argparse.Namespace, console: Console) -> int:
    jobs = _resume_all(kit, args.tokens)
    failed = 0
    for job in jobs:
        try:
            await job.refresh()
        except ServiceError as exc:
            job.last_error = exc
            failed += 1
    _print_jobs(console, jobs, as_json=args.json)
    return 1 if failed else 0


async def _wait(kit: Any, args: argparse.Namespace, console: Console) -> int:
    from .waiting import PollPolicy

    jobs = _resume_all(kit, args.tokens)
    poll = None
    if args.min_delay is not None or args.max_delay is not None:
        from .services import spec_for

        try:  # an unset bound keeps each service's own default
            poll = PollPolicy(min_delay=args.min_delay, max_delay=args.max_delay)
            for service in {job.service for job in jobs}:
                poll.over(spec_for(service).default_poll)
        except ValueError as exc:
            raise UsageError(f"--min-delay/--max-delay: {exc}") from None
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=args.json,
        transient=False,
    )
    tasks = {
        id(job): progress.add_task(f"{job.service} {job.id}", total=1, status=job.status.value)
        for job in jobs
    }

    def update(job: Any) -> None:
        done = 1 if job.status.is_terminal else 0
        progress.update(tasks[id(job)], status=job.status.value, completed=done)

    with progress:
        outcomes = await kit.wait_all(jobs, timeout=args.timeout, poll=poll, on_update=update)
    _print_jobs(console, [o.job for o in outcomes], as_json=args.json)
    for outcome in outcomes:
        if outcome.error is not None:
            Console(stderr=True).print(f"error: {outcome.error}", markup=False, highlight=False)
    return 0 if all(o.ok for o in outcomes) else 1


async def _list(kit: Any, args: argparse.Namespace, console: Console) -> int:
    from .services import spec_for

    method, scope_options = _LISTS[args.service]
    required = _REQUIRED_SCOPE.get(args.service)
    if required and not getattr(args, required):
        raise UsageError(f"list {args.service} needs --{required.replace('_', '-')}")
    given = {
        option: getattr(args, option) for option in vars(args) if option in _all_scope_options()
    }
    unused = [o for o, v in given.items() if v and o not in scope_options]
    if unused:
        flags = ", ".join("--" + o.replace("_", "-") for o in unused)
        raise UsageError(f"{flags} does not apply to {args.service}")
    if args.max_items is not None and args.max_items < 1:
        raise UsageError("--max-items must be at least 1")
    kwargs = {keyword: getattr(args, option) for option, keyword in scope_options.items()}
    kwargs = {k: v for k, v in kwargs.items() if v}
    pager = getattr(getattr(kit, args.service), method)(**kwargs)
    spec = spec_for(args.service)
    rows: list[dict[str, Any]] = []
    async for item in pager:
        wire = item.model_dump(mode="json", by_alias=True, exclude_none=True)
        native = next((str(wire[k]) for k in ("status", "exportStatus") if k in wire), "")
        job_id = next(
            (
                str(wire[k])
                for k in ("taskId", "datasetExportJobArn", "exportId", "exportArn", "id")
                if k in wire
            ),
            "",
        )
        rows.append({"id": job_id, "status": spec.status(native).value, "native": native, **wire})
        if args.max_items is not None and len(rows) >= args.max_items:
            break
    if args.json:
        console.print_json(json.dumps(rows))
        return 0
    table = Table(title=f"{args.service} export jobs ({len(rows)})")
    for column in ("job id", "status", "native status"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(row["id"], row["status"], row["native"])
    console.print(table)
    return 0


def _all_scope_options() -> set[str]:
    return {option for _, options in _LISTS.values() for option in options}


def _print_jobs(
    console: Console, jobs: Sequence[Any], *, as_json: bool, tokens: bool = False
) -> None:
    if as_json:
        console.print_json(
            json.dumps(
                [
                    {
                        "service": job.service,
                        "id": job.id,
                        "scope": dict(job.scope),
                        "status": job.status.value,
                        "native_status": job.native_status,
                        "failure_reason": job.failure_reason,
                        "error": str(job.last_error) if job.last_error else None,
                        "token": job.token(),
                    }
                    for job in jobs
                ]
            )
        )
        return
    table = Table()
    for column in ("service", "job id", "status", "native status", "failure reason"):
        table.add_column(column, overflow="fold")
    for job in jobs:
        reason = job.failure_reason or (str(job.last_error) if job.last_error else "")
        table.add_row(job.service, job.id, job.status.value, job.native_status, reason)
    console.print(table)
    if tokens:
        for job in jobs:
            console.print(f"token: {job.token()}", markup=False, highlight=False, soft_wrap=True)


if __name__ == "__main__":
    raise SystemExit(main())
