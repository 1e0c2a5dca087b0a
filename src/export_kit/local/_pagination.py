"""Opaque, stable pagination tokens over ordered indexes.

Items are listed newest first.  A token records the creation sequence number of the
last item returned, so the next page starts strictly after it: jobs created between two
page requests never shift, repeat or hide items.  A token is bound to the operation and
its filters (a digest), so reusing it with other parameters is an invalid-token error.

Pages come from an index kept in creation order (``State`` appends each new job to the
lists of its scope), so a page costs a binary search plus the items it returns, however
many other jobs exist; only a filter the index does not cover (omics ``status``,
``createdAfter``...) walks further, and only as far as it needs to fill the page.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

T = TypeVar("T")

#: Page size when the caller gives no ``maxResults`` (AWS's documented default is 100
#: for these list operations where it documents one).
DEFAULT_PAGE_SIZE = 100

#: Our tokens are about 60 characters; anything much longer is not one of ours, and is
#: rejected before it is decoded (a deeply nested JSON body must never reach the parser).
MAX_TOKEN_CHARS = 512


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
    if len(token) > MAX_TOKEN_CHARS:
        raise InvalidToken("The pagination token is not valid.")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        body: Any = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise InvalidToken("The pagination token is not valid.") from exc
    if not isinstance(body, dict):
        raise InvalidToken("The pagination token is not valid.")
    body = cast("dict[str, Any]", body)
    if body.get("v") != 1 or type(body.get("s")) is not int:
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
    match: Callable[[T], bool] | None = None,
) -> tuple[list[T], str | None]:
    """One page (newest first) of ``items``, which are in ascending sequence order, and the
    token for the next page, if any.  ``match`` filters items the index does not."""
    end = len(items)
    if token is not None:
        end = bisect.bisect_left(items, decode(token, operation, scope), key=seq_of)
    size = DEFAULT_PAGE_SIZE if max_results is None else max_results
    page: list[T] = []
    index = end - 1
    while index >= 0 and len(page) <= size:
        item = items[index]
        if match is None or match(item):
            page.append(item)
        index -= 1
    more = len(page) > size
    page = page[:size]
    return page, (encode(operation, scope, seq_of(page[-1])) if more and page else None)
