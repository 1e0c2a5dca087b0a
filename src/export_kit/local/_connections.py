"""Connection limits: slow or half-open connections are closed, the total is bounded.

Every connection the server accepts is wrapped in ``_Guarded``, which forwards everything
to aiohttp's own protocol and tells ``ConnectionGuard`` what happens:

* A connection that is not being answered has ``timeout`` seconds to deliver a whole
  request (headers parsed by aiohttp): one that opens and says nothing, trickles a byte at
  a time, or idles after its last answer is closed when that time is up.  A sweep every
  ``timeout / 4`` seconds (at most 1 s) finds them.
* At most ``max_connections`` are open at once.  One more closes the connection that has
  been waiting longest without a request in progress (or, if every one is busy, the new
  one), so a flood of idle sockets can never lock out a real client, and the process
  stays well below its file-descriptor limit (the default is half the descriptors still
  free under the soft ``RLIMIT_NOFILE``, at most 1,024).
* asyncio accepts up to its ``backlog`` sockets in one go before any reaches the guard, so
  the backlog is a quarter of the descriptors the bound leaves free (8 to 100).
* asyncio logs "socket.accept() out of system resource" each time ``accept()`` fails
  with EMFILE; while the emulator runs, that message is let through once a minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import resource
import time
from collections.abc import Callable
from typing import Any

DEFAULT_CONNECTION_TIMEOUT = 30.0
_ACCEPT_MESSAGE = "socket.accept() out of system resource"


def _free_descriptors() -> int | None:
    """Descriptors this process may still open (soft limit minus those open now), if limited."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return None
    try:
        in_use = len(os.listdir("/proc/self/fd"))
    except OSError:  # no procfs: count none as open, as before
        in_use = 0
    return soft - in_use


def default_max_connections() -> int:
    """Half the descriptors still free (soft open-file limit minus those open), 16 to 1,024."""
    free = _free_descriptors()
    if free is None:
        return 1024
    return max(16, min(1024, free // 2))


class _Guarded(asyncio.Protocol):
    def __init__(self, inner: Any, guard: ConnectionGuard) -> None:
        self.inner = inner
        self.guard = guard
        self.transport: asyncio.Transport | None = None
        self.busy = 0
        self.deadline = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.inner.connection_made(transport)
        self.guard.opened(self)

    def data_received(self, data: bytes) -> None:
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        result: bool | None = self.inner.eof_received()
        return result

    def connection_lost(self, exc: Exception | None) -> None:
        self.guard.closed(self)
        self.inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.abort()


class _AcceptErrorFilter(logging.Filter):
    """Lets asyncio's EMFILE accept error through once per ``period`` seconds."""

    def __init__(self, period: float = 60.0) -> None:
        super().__init__()
        self.period = period
        self.last = -period

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith(_ACCEPT_MESSAGE):
            return True
        now = time.monotonic()
        if now - self.last < self.period:
            return False
        self.last = now
        return True


class ConnectionGuard:
    """Tracks the server's connections and enforces the timeout and the bound."""

    def __init__(self, *, timeout: float, max_connections: int) -> None:
        if not timeout > 0:
            raise ValueError(f"connection_timeout must be > 0 seconds, got {timeout!r}")
        if max_connections < 1:
            raise ValueError(f"max_connections must be >= 1, got {max_connections!r}")
        self.timeout = timeout
        self.max_connections = max_connections
        self._open: dict[_Guarded, None] = {}
        self._by_inner: dict[int, _Guarded] = {}
        self._sweeper: asyncio.Task[None] | None = None
        self._filter = _AcceptErrorFilter()
        #: Connections closed for idling past the timeout / to stay within the bound.
        self.timed_out = 0
        self.evicted = 0

    @property
    def accept_batch(self) -> int:
        """asyncio's ``backlog``: it accepts up to this many sockets in one loop turn before
        any reaches the guard, so it must fit in the descriptors the bound leaves free.

        A quarter of them, not half: the sockets evicted for one batch are closed only on
        the loop's next turn, when the next batch may already have been accepted.
        """
        free = _free_descriptors()
        if free is None:
            return 100
        return max(8, min(100, (free - self.max_connections) // 4))

    @property
    def open_connections(self) -> int:
        return len(self._open)

    def wrap(self, factory: Callable[[], Any]) -> Callable[[], asyncio.Protocol]:
        """A protocol factory for ``loop.create_server`` around aiohttp's ``factory``."""
        return lambda: _Guarded(factory(), self)

    def start(self) -> None:
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever())
        logging.getLogger("asyncio").addFilter(self._filter)

    async def stop(self) -> None:
        logging.getLogger("asyncio").removeFilter(self._filter)
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None

    def opened(self, conn: _Guarded) -> None:
        conn.deadline = time.monotonic() + self.timeout
        self._open[conn] = None
        self._by_inner[id(conn.inner)] = conn
        if len(self._open) > self.max_connections:
            victim = next((c for c in self._open if c.busy == 0 and c is not conn), conn)
            self.evicted += 1
            # Forget it now: its connection_lost comes a loop turn later, and connections
            # accepted in the same turn must pick other victims.
            self._open.pop(victim, None)
            victim.close()

    def closed(self, conn: _Guarded) -> None:
        self._open.pop(conn, None)
        self._by_inner.pop(id(conn.inner), None)

    def request_started(self, inner: object) -> None:
        conn = self._by_inner.get(id(inner))
        if conn is not None:
            conn.busy += 1
            # A waiting connection answered now moves to the back of the eviction queue.
            self._open.pop(conn, None)
            self._open[conn] = None

    def request_finished(self, inner: object) -> None:
        conn = self._by_inner.get(id(inner))
        if conn is not None:
            conn.busy -= 1
            conn.deadline = time.monotonic() + self.timeout

    def sweep(self) -> None:
        """Close every connection that has waited past its deadline without a request."""
        now = time.monotonic()
        for conn in [c for c in self._open if c.busy == 0 and c.deadline <= now]:
            self.timed_out += 1
            self._open.pop(conn, None)
            conn.close()

    async def _sweep_forever(self) -> None:
        interval = min(1.0, self.timeout / 4)
        while True:
            await asyncio.sleep(interval)
            self.sweep()
