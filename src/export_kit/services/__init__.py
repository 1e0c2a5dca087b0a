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
from typing import Any

from export_kit._shapes import OperationRequest
from export_kit.models import SERVICES as _NAMES

from ._base import Observation, ServiceSpec, Started

__all__ = ["SERVICES", "Observation", "ServiceSpec", "Started", "spec_for", "spec_for_request"]


def _load(name: str) -> ServiceSpec:
    spec: object = getattr(importlib.import_module(f"{__name__}.{name}"), "SPEC", None)
    if not isinstance(spec, ServiceSpec) or spec.name != name:
        raise ImportError(f"export_kit.services.{name} must define SPEC, its ServiceSpec")
    return spec


#: Every service with export jobs, by botocore service name: one ``SPEC`` per module
#: ``services/<name>.py``, for each name of ``export_kit.models.SERVICES`` (the one list).
SERVICES: dict[str, ServiceSpec] = {name: _load(name) for name in _NAMES}


def spec_for(service: str) -> ServiceSpec:
    """The job semantics of ``service`` (a botocore service name)."""
    try:
        return SERVICES[service]
    except KeyError:
        known = ", ".join(sorted(SERVICES))
        raise ValueError(
            f"no export jobs for service {service!r}; expected one of {known}"
        ) from None


def spec_for_request(request: OperationRequest[Any]) -> ServiceSpec:
    """The service whose start/create operation ``request`` is."""
    for spec in SERVICES.values():
        if isinstance(request, spec.start_request):
            return spec
    name = type(request).__name__
    raise TypeError(
        f"{name} does not start an export job; expected one of "
        + ", ".join(spec.start_request.__name__ for spec in SERVICES.values())
    )
