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

from typing import Any

from export_kit._shapes import OperationRequest

from ._base import Observation, ServiceSpec, Started
from .discovery import SPEC as _DISCOVERY
from .m2 import SPEC as _M2
from .omics import SPEC as _OMICS
from .personalize import SPEC as _PERSONALIZE
from .simpledbv2 import SPEC as _SIMPLEDBV2

__all__ = ["SERVICES", "Observation", "ServiceSpec", "Started", "spec_for", "spec_for_request"]

#: Every service with export jobs, by botocore service name.
SERVICES: dict[str, ServiceSpec] = {
    spec.name: spec for spec in (_M2, _PERSONALIZE, _DISCOVERY, _SIMPLEDBV2, _OMICS)
}


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
