"""A local emulator of the five services' export APIs, for demos, notebooks and tests.

``Emulator`` serves m2, Personalize, Application Discovery, SimpleDB v2 and HealthOmics
export operations on one loopback port, routed by the SigV4 credential scope.  Requests
are validated from the botocore models by the emulator's own code (it never imports
model modules ``export_kit.models.<service>``; the service list comes from
``export_kit.models.SERVICES``), so it is an independent check of the library.

Status and timing: with ``job_duration=d`` a job is pending for ``d/4`` (m2 Creating,
Personalize CREATE PENDING, SimpleDB v2 PENDING, omics SUBMITTED; Discovery is
IN_PROGRESS at once), running until ``d``, then terminal.  ``clock="manual"`` freezes time
until ``advance(seconds)``.  Forced outcomes: ``fail_next``, ``partial_next`` and
``cancel_next`` (omics), ``fail_job``, ``cancel_job``, ``set_status`` (any raw string).
``reset_controls`` drops the forced outcomes no job has taken yet and every fault.

Parent resources (m2 applications, Personalize datasets, SimpleDB v2 domains, omics sequence
stores) exist on first use; with ``resources="declared"`` only those given to ``declare``
exist and others get the service's own not-found error.  ``mark_missing`` removes one.

With ``data_dir`` the state is an SQLite database there, locked by one emulator at a time;
finished exports write files under it (``s3://bucket/key`` -> ``data_dir/bucket/key``; a key
part that is no valid file name, over 255 bytes or holding a NUL byte, becomes ``~`` plus
the first 40 hex digits of its SHA-256).  Idle or half-open connections are closed after
``connection_timeout`` seconds and at most ``max_connections`` are open.  The details are in
docs/concepts/emulator.md.

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
