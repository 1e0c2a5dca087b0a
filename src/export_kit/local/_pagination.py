"""Opaque, stable pagination tokens.

Items are listed newest first.  A token records the creation sequence number of the
last item returned, so the next page starts strictly after it: jobs created between two
page requests never shift, repeat or hide items.  A token is bound to the operation and
its filters (a digest), so reusing it with other parameters is an invalid-token error.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

T = TypeVar("T")

#: Page size when the caller gives no ``maxResults`` (AWS's documented default is 100
#: for these list operations where it documents one).
DEFAULT_PAGE_SIZE = 100


class InvalidToken(ValueError):
    """The token was not issued by this emulator for this request."""


def _digest(operation: str, scope: object) -> str:
    raw = json.dumps([operation, scope], sort_keys=True, default=str).encode()
    return hashlib.sha256(raw).hexdigest()[:16]


def encode(operation: str, scope: object, last_seq: int) -> str:
    """A token continuing after the item with sequence number ``last_seq``."""
    body = json.dumps(
        {"v": 1, "d": _digest(operation, scope), "s": last_seq}, separators=(",", ":")
    )
    return base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")


def decode(token: str, operation: str, scope: object) -> int:
    """The sequence number inside ``token``; raises ``InvalidToken`` if it is not ours."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        body: Any = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InvalidToken("The pagination token is not valid.") from exc
    if not isinstance(body, dict):
        raise InvalidToken("The pagination token is not valid.")
    body = cast("dict[str, Any]", body)
    if body.get("v") != 1 or not isinstance(body.get("s"), int):
        raise InvalidToken("The pagination token is not valid.")
    if body.get("d") != _digest(operation, scope):
        raise InvalidToken("The pagination token does not match this request's parameters.")
    seq: int = body["s"]
    return seq


def paginate(
    items: Sequence[T],
    seq_of: Callable[[T], int],
    *,
    operation: str,
    scope: object,
    token: str | None,
    max_results: int | None,
) -> tuple[list[T], str | None]:
    """One page of ``items`` (newest first) and the token for the next page, if any."""
    ordered = sorted(items, key=seq_of, reverse=True)
    if token is not None:
        after = decode(token, operation, scope)
        ordered = [item for item in ordered if seq_of(item) < after]
    size = DEFAULT_PAGE_SIZE if max_results is None else max_results
    page = ordered[:size]
    more = len(ordered) > size
    return page, (encode(operation, scope, seq_of(page[-1])) if more and page else None)
