"""Each service's facts, declared once in its handler module and read by the shared code.

``local/_handlers/<service>.py`` calls ``register(ServiceRules(...))`` for its service: its
status words per phase, its error codes per generic kind, its quota error, and the parent
resource its jobs live under.  The job state machines (``_jobs``) and the error builders
(``_errors``) look the facts up here, so adding a service touches one module.  This module
imports nothing of ours.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

Phase = Literal["pending", "running", "succeeded", "partial", "failed", "cancelling", "cancelled"]
Outcome = Literal["succeed", "fail", "partial", "cancel"]
ErrorKind = Literal["validation", "not_found", "throttling", "server", "next_token"]
TERMINAL: Final[frozenset[Phase]] = frozenset({"succeeded", "partial", "failed", "cancelled"})


@dataclass(frozen=True)
class Parent:
    """The resource a service's jobs live under, and the error for one that does not exist."""

    what: str
    code: str


@dataclass(frozen=True)
class ServiceRules:
    """One service's vocabulary.

    Args:
        name: the botocore service name.
        statuses: the native status word of each phase the service knows.
        errors: the error code of each generic error kind.
        quota_code: the "too many jobs" error code (``None``: the service models none).
        parent: the scope resource (m2 application, ...), ``None`` for Discovery.
    """

    name: str
    statuses: Mapping[Phase, str]
    errors: Mapping[ErrorKind, str]
    quota_code: str | None = None
    parent: Parent | None = None

    @property
    def outcomes(self) -> frozenset[Outcome]:
        """The forced outcomes this service can express."""
        out: set[Outcome] = {"succeed", "fail"}
        if "partial" in self.statuses:
            out.add("partial")
        if "cancelled" in self.statuses:
            out.add("cancel")
        return frozenset(out)


RULES: dict[str, ServiceRules] = {}


def register(rules: ServiceRules) -> ServiceRules:
    """Record ``rules`` (once per service)."""
    if rules.name in RULES:
        raise RuntimeError(f"service {rules.name!r} is registered twice")
    RULES[rules.name] = rules
    return rules
