"""The export-kit command: demo, serve, start, status, wait, list.

One error boundary, ``main``: every error becomes ``error:`` lines on stderr (with
``--json``, one ``{"error": {...}}`` object on stdout) and an exit status, never a
traceback.  Exit status 2 means the command line or its input is wrong (usage, malformed
or too deeply nested JSON, an invalid field, an unknown token, a value out of range); 1
means the command could not be done (a service error, credentials, region or profile, a
file that cannot be written, a job that did not succeed); 130 means interrupted (Ctrl+C).
docs/cli.md documents the same.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import math
import shlex
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from . import __version__
from .errors import ExportKitError, RequestValidationError, ServiceError
from .models import SERVICES

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["main"]

# What `list SERVICE` calls, and the options that narrow it: (method, {option: keyword}).
# Which of them a service requires comes from its spec (``ServiceSpec.scope_keys``).
_LISTS: dict[str, tuple[str, dict[str, str]]] = {
    "m2": ("list_data_set_export_history", {"application_id": "application_id"}),
    "personalize": ("list_dataset_export_jobs", {"dataset_arn": "dataset_arn"}),
    "discovery": ("describe_export_tasks", {"export_id": "export_ids"}),
    "simpledbv2": ("list_exports", {"domain_name": "domain_name"}),
    "omics": ("list_read_set_export_jobs", {"sequence_store_id": "sequence_store_id"}),
}


class UsageError(Exception):
    """Bad input from the user: printed as ``error:`` lines, exit status 2."""

    def __init__(self, *lines: str, usage: str | None = None) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines
        #: argparse's usage text, printed before the lines (text output only).
        self.usage = usage


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message, usage=self.format_usage())


def _seconds(text: str) -> float:
    """An argparse type: a finite number of seconds, at least 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text!r}")
    return value


def build_parser(*, serve: bool = True) -> argparse.ArgumentParser:
    """The whole command line.  ``serve=False`` leaves ``serve``'s own options out.

    They come from the emulator's module, which loads the whole emulator; ``main`` asks
    for them only when ``serve`` is on the command line, so other commands do not pay
    for it (the top-level help and usage lines are the same either way).
    """
    parser = _Parser(prog="export-kit", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--version", action="version", version=f"export-kit {__version__}")
    parser.add_argument("--endpoint-url", help="service endpoint (e.g. an `export-kit serve`)")
    parser.add_argument("--region", help="AWS region (default: from the environment)")
    parser.add_argument("--profile", help="AWS profile name")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    demo = commands.add_parser("demo", help="run one export per service on the local emulator")
    demo.add_argument("--job-duration", type=_seconds, default=3.0, help="seconds per job (3)")
    demo.add_argument("--data-dir", type=Path, default=Path("export-kit-data"))
    demo.add_argument("--timeout", type=_seconds, default=120.0, help="overall seconds (120)")

    serve_parser = commands.add_parser("serve", help="run the local emulator in the foreground")
    if serve:
        from .local._serve import add_arguments as add_serve_arguments

        add_serve_arguments(serve_parser)

    start = commands.add_parser("start", help="start an export job; prints its token")
    start.add_argument("service", choices=SERVICES)
    start.add_argument(
        "--input", required=True, help="JSON request (wire or snake_case names); - for stdin"
    )

    status = commands.add_parser("status", help="describe jobs once, by token")
    status.add_argument("tokens", nargs="+", metavar="TOKEN")

    wait = commands.add_parser("wait", help="wait for jobs to finish, with progress")
    wait.add_argument("tokens", nargs="+", metavar="TOKEN")
    wait.add_argument("--timeout", type=_seconds, default=None, help="overall seconds")
    wait.add_argument("--min-delay", type=_seconds, default=None, help="first poll delay, s")
    wait.add_argument("--max-delay", type=_seconds, default=None, help="longest poll delay, s")

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
    """Entry point of the ``export-kit`` console script: the one error boundary."""
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in argv  # known before parsing, so usage errors are JSON too
    # botocore logs a failed credential refresh with its traceback; our error line says it.
    for name in ("botocore", "aiobotocore"):
        logging.getLogger(name).addHandler(logging.NullHandler())
    args: argparse.Namespace | None = None
    try:
        args = build_parser(serve="serve" in argv).parse_args(argv)
        if args.command == "serve":
            from .local._serve import run

            if args.data_dir is not None:
                _check_writable(args.data_dir)
            return run(args)
        if args.command == "demo":
            _check_writable(args.data_dir)
        # asyncio's own runner: anyio.run would import anyio's asyncio backend (20-30 ms)
        # for commands that never use it; the ones that do (wait, demo) load it then.
        return asyncio.run(_dispatch(args))
    except KeyboardInterrupt:
        _report(_interrupted(args), as_json=as_json)
        return 130
    except Exception as exc:
        found = _classify(exc)
        if found is None:
            raise  # a bug in export-kit: the traceback is the report
        status, problems = found
        _report(problems, as_json=as_json, usage=getattr(exc, "usage", None))
        return status


def _check_writable(directory: Path) -> None:
    """Create ``directory`` and write a file in it now, not when the first export lands."""
    import tempfile

    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=directory):
        pass


#: One problem to report: its type name, message lines, and extra JSON members.
_Problem = tuple[str, list[str], dict[str, Any]]


def _classify(exc: BaseException) -> tuple[int, list[_Problem]] | None:
    """Exit status and problems for an error the boundary knows; ``None`` for a bug."""
    if isinstance(exc, BaseExceptionGroup):
        parts = [_classify(inner) for inner in exc.exceptions]  # pyright: ignore[reportUnknownVariableType, reportUnknownMemberType, reportUnknownArgumentType]
        if any(part is None for part in parts):
            return None
        known = [part for part in parts if part is not None]
        return max(s for s, _ in known), [p for _, problems in known for p in problems]
    name = type(exc).__name__
    if isinstance(exc, UsageError):
        return 2, [(name, list(exc.lines), {})]
    if isinstance(exc, RequestValidationError):
        lines = [f"{i['path'] or '<request>'}: {i['message']} [{i['rule']}]" for i in exc.errors()]
        return 2, [(name, lines, {"operation": exc.operation, "issues": exc.errors()})]
    if isinstance(exc, ExportKitError):  # a service, credentials, configuration... failure
        return 1, [(name, str(exc).splitlines(), {})]
    if isinstance(exc, RecursionError):
        return 2, [(name, ["input is nested too deeply"], {})]
    if isinstance(exc, ValueError):  # a value our API rejects
        return 2, [(name, str(exc).splitlines(), {})]
    if isinstance(exc, OSError):  # a file or directory that cannot be read or written
        where = f"{exc.filename}: " if exc.filename else ""
        return 1, [(name, [f"{where}{exc.strerror or exc}"], {})]
    return None


def _interrupted(args: argparse.Namespace | None) -> list[_Problem]:
    """What to say on Ctrl+C: during ``wait``, the command that resumes the wait."""
    tokens: list[str] = getattr(args, "resume_tokens", [])
    if args is None or not tokens:
        return [("Interrupted", ["interrupted"], {})]
    command = ["export-kit"]
    for option in ("endpoint_url", "region", "profile"):
        if getattr(args, option):
            command += ["--" + option.replace("_", "-"), getattr(args, option)]
    resume = shlex.join([*command, "wait", *tokens])
    lines = ["interrupted; the jobs keep running. Resume the wait with:", f"  {resume}"]
    return [("Interrupted", lines, {"tokens": tokens, "resume": resume})]


def _report(problems: list[_Problem], *, as_json: bool, usage: str | None = None) -> None:
    """Print problems: ``error:`` lines on stderr, or one JSON object on stdout.

    Written as plain text, not through rich, so a line is never wrapped at a terminal
    width it does not have (pipes, CI logs).
    """
    if as_json:
        errors = [
            {"type": kind, "message": "\n".join(lines), **extra} for kind, lines, extra in problems
        ]
        body = errors[0] if len(errors) == 1 else {"type": "MultipleErrors", "errors": errors}
        sys.stdout.write(json.dumps({"error": body}, indent=2) + "\n")
        sys.stdout.flush()
        return
    if usage:
        sys.stderr.write(usage)
    for _, lines, _ in problems:
        for line in lines:
            sys.stderr.write(f"error: {line}\n")
    sys.stderr.flush()


def _console(*, stderr: bool = False) -> Console:
    """A rich console, imported only by the commands that print through one (text output,
    ``wait``'s progress, ``demo``): ``--json`` output is plain ``json``."""
    from rich.console import Console

    return Console(stderr=stderr)


def _print_json(data: object) -> None:
    """``--json`` output: what rich's ``print_json`` wrote (two-space indent, no ASCII
    escapes), without loading rich, and never coloured."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


async def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "demo":
        from ._demo import run_demo

        return await run_demo(
            _console(),
            job_duration=args.job_duration,
            data_dir=args.data_dir.resolve(),
            timeout=args.timeout,
        )
    from ._kit import ExportKit

    async with ExportKit(
        region_name=args.region, endpoint_url=args.endpoint_url, profile_name=args.profile
    ) as kit:
        command: Callable[[Any, argparse.Namespace], Awaitable[int]] = {
            "start": _start,
            "status": _status,
            "wait": _wait,
            "list": _list,
        }[args.command]
        return await command(kit, args)


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
    except RecursionError:
        raise UsageError("--input is nested too deeply") from None
    if not isinstance(data, dict):
        raise UsageError("--input must be a JSON object of request fields")
    return data  # pyright: ignore[reportUnknownVariableType]


async def _start(kit: Any, args: argparse.Namespace) -> int:
    from .services import spec_for

    # Input files use wire (camelCase) or snake_case names; only the request model takes
    # both (facade keyword arguments are snake_case only).
    request = spec_for(args.service).start_request.model_validate(_read_input(args.input))
    job = await kit.start(request)
    _print_jobs([job], as_json=args.json, tokens=True)
    return 0


def _resume_all(kit: Any, tokens: Sequence[str]) -> list[Any]:
    jobs: list[Any] = []
    problems: list[str] = []
    for token in tokens:
        try:
            jobs.append(kit.resume(token))
        except RecursionError:
            problems.append(f"token {_shown(token)!r}: not an export_kit job token (nested)")
        except ValueError as exc:
            problems.append(f"token {_shown(token)!r}: {exc}")
    if problems:
        raise UsageError(*problems)
    return jobs


def _shown(token: str) -> str:
    return token if len(token) <= 24 else token[:21] + "…"


async def _status(kit: Any, args: argparse.Namespace) -> int:
    jobs = _resume_all(kit, args.tokens)
    failed = 0
    for job in jobs:
        try:
            await job.refresh()
        except ServiceError as exc:
            job.last_error = exc
            failed += 1
    _print_jobs(jobs, as_json=args.json)
    return 1 if failed else 0


async def _wait(kit: Any, args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from .waiting import PollPolicy

    jobs = _resume_all(kit, args.tokens)
    args.resume_tokens = [job.token() for job in jobs]  # what main prints on Ctrl+C
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
        console=_console(stderr=True),
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
    _print_jobs([o.job for o in outcomes], as_json=args.json)
    failed = [outcome.error for outcome in outcomes if outcome.error is not None]
    if failed:  # the jobs' rows say it too (``error``); stderr keeps one line per failure
        _report([("", [str(error)], {}) for error in failed], as_json=False)
    return 0 if all(o.ok for o in outcomes) else 1


async def _list(kit: Any, args: argparse.Namespace) -> int:
    from pydantic.alias_generators import to_snake

    from .services import spec_for

    spec = spec_for(args.service)
    method, scope_options = _LISTS[args.service]
    for wire in spec.scope_keys:
        if not getattr(args, to_snake(wire)):
            raise UsageError(f"list {args.service} needs --{to_snake(wire).replace('_', '-')}")
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
    rows: list[dict[str, Any]] = []
    async for item in pager:
        job_id, native = spec.list_item(item)
        rows.append(
            {
                "service": args.service,
                "id": job_id,
                "status": spec.status(native).value,
                "native_status": native,
                "item": item.model_dump(mode="json", by_alias=True, exclude_none=True),
            }
        )
        if args.max_items is not None and len(rows) >= args.max_items:
            break
    if args.json:
        _print_json(rows)
        return 0
    from rich.table import Table

    table = Table(title=f"{args.service} export jobs ({len(rows)})")
    for column in ("job id", "status", "native status"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(row["id"], row["status"], row["native_status"])
    _console().print(table)
    return 0


def _all_scope_options() -> set[str]:
    return {option for _, options in _LISTS.values() for option in options}


def _print_jobs(jobs: Sequence[Any], *, as_json: bool, tokens: bool = False) -> None:
    if as_json:
        _print_json(
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
        return
    from rich.table import Table

    console = _console()
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


def run() -> NoReturn:
    """The ``export-kit`` console script: ``main()``, then exit at once.

    The process ends here, so the collector's last walk over the heap is skipped
    (``gc.freeze()``): tens of milliseconds of a one-call command (``benchmarks/cold_start.py``).
    Only this process's own heap is frozen; ``main()`` called from Python does not do it.
    """
    status = main()
    gc.freeze()
    sys.exit(status)


if __name__ == "__main__":
    run()
