"""``Pager``: async iteration over every page and item of a list/describe-many call.

A pager is returned at once (validation already happened); requests go out only as
you iterate.  It follows ``nextToken`` and keeps the caller's page size
(``max_results``) on every page.  If the service hands back a token it already
gave (a loop), the pager stops cleanly after the last new page and logs a warning,
rather than fetching the same pages forever.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from ._shapes import OperationRequest, ResponseShape

if TYPE_CHECKING:
    from ._shapes import Sender

__all__ = ["Pager"]

logger = logging.getLogger("export_kit.paging")

ItemT = TypeVar("ItemT", covariant=True)
PageT = TypeVar("PageT", bound=ResponseShape, covariant=True)


@dataclass(frozen=True, slots=True)
class _Spec:
    """Field names (snake_case) that drive paging for one request class."""

    input_token: str
    output_token: str
    items: str


def _field_for(model: type[Any], wire: str) -> str:
    fields: dict[str, Any] = model.model_fields
    for name, info in fields.items():
        if wire in (name, info.serialization_alias, info.validation_alias):
            return name
    raise LookupError(f"{model.__name__} has no member {wire!r}")


@cache
def _spec(request_cls: type[OperationRequest[Any]]) -> _Spec:
    """From botocore's paginator entry, or from the model: ``nextToken`` plus the list member."""
    info = request_cls.operation
    page_cls = info.response
    if info.paginator is not None:
        p = info.paginator
        return _Spec(
            _field_for(request_cls, p.input_token),
            _field_for(page_cls, p.output_token),
            _field_for(page_cls, p.result_key),
        )
    lists = [
        name
        for name, field in page_cls.model_fields.items()
        if "list[" in str(field.annotation)  # the one list member holds the items
    ]
    try:
        if len(lists) != 1:
            raise LookupError(f"{page_cls.__name__} has no single list member")
        tokens = (_field_for(request_cls, "nextToken"), _field_for(page_cls, "nextToken"))
    except LookupError as exc:
        raise TypeError(f"{info.name} is not a paginated operation ({exc})") from None
    return _Spec(*tokens, lists[0])


class Pager(Generic[ItemT, PageT]):
    """Every item (``async for``) or every page (``pages()``) of one paginated request.

    ``max_items`` caps the items yielded by ``async for`` (pages stop being fetched
    once it is reached); the page size is the request's own ``max_results``.
    """

    __slots__ = ("_kit", "_max_items", "_request", "_spec")

    def __init__(
        self,
        kit: Sender,
        request: OperationRequest[PageT],
        *,
        max_items: int | None = None,
    ) -> None:
        if max_items is not None and max_items < 0:
            raise ValueError("max_items must be >= 0")
        self._kit = kit
        self._request = request
        self._spec = _spec(type(request))
        self._max_items = max_items

    @property
    def request(self) -> OperationRequest[PageT]:
        """The first page's request."""
        return self._request

    def __repr__(self) -> str:
        return f"<Pager {type(self._request).operation.name} max_items={self._max_items}>"

    async def pages(self) -> AsyncGenerator[PageT, None]:
        """Each typed page response, following ``nextToken`` until the last page."""
        spec = self._spec
        request = self._request
        seen: set[str] = set()
        token: str | None = getattr(request, spec.input_token)
        if token:
            seen.add(token)
        while True:
            page = await self._kit.send(request)
            yield page
            token = getattr(page, spec.output_token)
            if not token:
                return
            if token in seen:
                logger.warning(
                    "%s returned a nextToken it had already returned; stopping pagination",
                    type(request).operation.name,
                )
                return
            seen.add(token)
            request = request.model_copy(update={spec.input_token: token})

    async def __aiter__(self) -> AsyncIterator[ItemT]:
        remaining = self._max_items
        if remaining == 0:
            return
        async with aclosing(self.pages()) as pages:
            async for page in pages:
                items = cast("list[ItemT] | None", getattr(page, self._spec.items)) or []
                for item in items:
                    yield item
                    if remaining is not None:
                        remaining -= 1
                        if remaining == 0:
                            return

    async def collect(self) -> list[ItemT]:
        """Every item (up to ``max_items``) in one list."""
        return [item async for item in self]
