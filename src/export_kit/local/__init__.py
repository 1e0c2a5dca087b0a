"""A local emulator of the five services' export APIs, for demos, notebooks and tests.

``Emulator`` serves m2, Personalize, Application Discovery, SimpleDB v2 and HealthOmics
export operations on one loopback port, routed by the SigV4 credential scope.  Requests
are validated from the botocore models by the emulator's own code (it never imports
``export_kit.models``), so it is an independent check of the library.

Status and timing: with ``job_duration=d`` a job is pending for ``d/4`` (m2 Creating,
Personalize CREATE PENDING, SimpleDB v2 PENDING, omics SUBMITTED; Discovery is
IN_PROGRESS at once), running until ``d``, then terminal.  ``clock="manual"`` freezes time
until ``advance(seconds)``.  Forced outcomes: ``fail_next``, ``partial_next`` and
``cancel_next`` (omics), ``fail_job``, ``cancel_job``, ``set_status`` (any raw string).

Clients: ``emu.client_kwargs()`` for aiobotocore/boto3 ``create_client``, ``emu.kit_kwargs()``
for ``ExportKit``, ``emu.env()`` for the AWS CLI.  Omics operations carry the host prefix
``control-storage-``; with a plain endpoint URL clients must disable host-prefix injection
(``Config(inject_host_prefix=False)`` or ``AWS_DISABLE_HOST_PREFIX_INJECTION=true``),
which these helpers do.
"""

from ._clock import EmulatorClock, ManualClock, RealClock
from ._emulator import ACCESS_KEY, DEFAULT_REGION, SECRET_KEY, Emulator
from ._faults import FaultConfig, FaultKind
from ._handlers import OPERATIONS
from ._serve import main, serve

__all__ = [
    "ACCESS_KEY",
    "DEFAULT_REGION",
    "OPERATIONS",
    "SECRET_KEY",
    "Emulator",
    "EmulatorClock",
    "FaultConfig",
    "FaultKind",
    "ManualClock",
    "RealClock",
    "main",
    "serve",
]
