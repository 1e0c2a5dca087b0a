"""Per-service job semantics, hand-written (the generated models live in ``models``).

Each module holds one service's status map (exactly the table in docs/concepts/jobs.md),
how to read a job id and scope from a start call, how to describe one job, how to poll many
with the service's list/describe-many operation, and its default ``PollPolicy``:

=============  ===========  ===========  =================================================
service        min delay    max delay    why
=============  ===========  ===========  =================================================
m2             5 s          120 s        no botocore waiter; exports take 10 s to minutes
personalize    10 s         120 s        no botocore waiter; exports take minutes
discovery      2 s          60 s         no botocore waiter; exports take seconds
simpledbv2     30 s         120 s        botocore's ExportSucceeded waiter polls every 30 s
omics          30 s         120 s        botocore's ReadSetExportJobCompleted: every 30 s
=============  ===========  ===========  =================================================
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from export_kit._shapes import OperationRequest
from export_kit.models import SERVICES as _NAMES

from ._base import Observation, ServiceSpec, Started

__all__ = ["SERVICES", "Observation", "ServiceSpec", "Started", "spec_for", "spec_for_request"]

if TYPE_CHECKING:
    #: Every service with export jobs, by botocore service name: one ``SPEC`` per module
    #: ``services/<name>.py``, for each name of ``export_kit.models.SERVICES`` (the one list).
    #: Reading it loads all five (and their models); ``spec_for`` loads one.
    SERVICES: dict[str, ServiceSpec]

#: The specs loaded so far: a process that resumes an omics job loads only omics' models.
_LOADED: dict[str, ServiceSpec] = {}


def _load(name: str) -> ServiceSpec:
    spec: object = getattr(importlib.import_module(f"{__name__}.{name}"), "SPEC", None)
    if not isinstance(spec, ServiceSpec) or spec.name != name:
        raise ImportError(f"export_kit.services.{name} must define SPEC, its ServiceSpec")
    return spec


def __getattr__(name: str) -> Any:
    if name == "SERVICES":
        return {service: spec_for(service) for service in _NAMES}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def spec_for(service: str) -> ServiceSpec:
    """The job semantics of ``service`` (a botocore service name), loaded on first use."""
    found = _LOADED.get(service)
    if found is not None:
        return found
    if service not in _NAMES:
        known = ", ".join(sorted(_NAMES))
        raise ValueError(f"no export jobs for service {service!r}; expected one of {known}")
    found = _LOADED[service] = _load(service)
    return found


def spec_for_request(request: OperationRequest[Any]) -> ServiceSpec:
    """The service whose start/create operation ``request`` is."""
    info = getattr(type(request), "operation", None)
    service = getattr(info, "service", None)
    if service in _NAMES:
        spec = spec_for(service)
        if isinstance(request, spec.start_request):
            return spec
    name = type(request).__name__
    starts = (spec_for(service).start_request.__name__ for service in _NAMES)
    raise TypeError(f"{name} does not start an export job; expected one of " + ", ".join(starts))
