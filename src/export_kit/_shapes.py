"""Base classes and helpers behind the generated models in ``export_kit.models``.

Generated modules stay declarative: every rule they need (strict requests,
lenient responses, tagged unions, ``to_api()``) lives here once.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Generic, Self, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    GetCoreSchemaHandler,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import core_schema

if TYPE_CHECKING:
    from pydantic.config import ExtraValues

    from .errors import RequestValidationError

__all__ = [
    "RESPONSE_CONTEXT",
    "OperationInfo",
    "OperationRequest",
    "Paginator",
    "RequestRules",
    "RequestShape",
    "ResponseShape",
    "Shape",
    "SharedShape",
    "UnknownMember",
    "mask_url",
    "union_discriminator",
    "wire_path",
]

#: Validation context that marks data as coming *from* AWS (lenient rules).
RESPONSE_CONTEXT: Mapping[str, bool] = types.MappingProxyType({"export_kit.response": True})


def _is_response(info: ValidationInfo) -> bool:
    context: object = info.context
    if not isinstance(context, Mapping):
        return False
    return bool(typing.cast("Mapping[str, object]", context).get("export_kit.response"))


class Shape(BaseModel):
    """A botocore structure. Fields use snake_case names; wire names validate too."""

    model_config = ConfigDict(
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )


class RequestShape(Shape):
    """A structure the caller sends: unknown keys and every modelled constraint are errors.

    Building one (``Model(...)`` or ``Model.model_validate(...)``) raises
    :class:`~export_kit.errors.RequestValidationError` naming every problem by wire path.
    """

    model_config = ConfigDict(extra="forbid")

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise _request_error(type(self), exc) from None

    # This __init__ only translates the error, so pydantic may keep validating nested
    # structures directly (as RootModel marks its own __init__); otherwise every nested
    # error would arrive wrapped as a value_error of its parent.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]  # pyright: ignore[reportFunctionMemberAccess]

    @classmethod
    def model_validate(
        cls,
        obj: Any,
        *,
        strict: bool | None = None,
        extra: ExtraValues | None = None,
        from_attributes: bool | None = None,
        context: Any | None = None,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> Self:
        try:
            return super().model_validate(
                obj,
                strict=strict,
                extra=extra,
                from_attributes=from_attributes,
                context=context,
                by_alias=by_alias,
                by_name=by_name,
            )
        except ValidationError as exc:
            raise _request_error(cls, exc) from None

    def to_api(self) -> dict[str, Any]:
        """The exact keyword arguments aiobotocore expects: wire names, unset members omitted."""
        return self.model_dump(by_alias=True, exclude_none=True)


def mask_url(value: Any) -> Any:
    """``https://host/path?…`` for an http(s) URL with a query string; anything else as is."""
    if isinstance(value, str) and value.startswith(("https://", "http://")) and "?" in value:
        return value.split("?", 1)[0] + "?…"
    return value


def _request_error(model: type[RequestShape], error: ValidationError) -> RequestValidationError:
    from .errors import RequestValidationError

    info: OperationInfo | None = getattr(model, "operation", None)
    return RequestValidationError.from_pydantic(
        info.name if info is not None else model.__name__, model, error
    )


class ResponseShape(Shape):
    """A structure AWS sends back: new members are kept, never an error.

    Its repr masks URL query strings (presigned URLs such as Discovery's
    ``configurationsDownloadUrl`` carry credentials there); the field keeps the full URL.
    """

    model_config = ConfigDict(extra="allow")

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            yield name, mask_url(value)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Self:
        """Parse an aiobotocore response dict (``ResponseMetadata`` is dropped)."""
        if "ResponseMetadata" in data:
            data = {k: v for k, v in data.items() if k != "ResponseMetadata"}
        return cls.model_validate(data, context=RESPONSE_CONTEXT)


class SharedShape(RequestShape):
    """A structure used both in requests and in responses (e.g. Personalize ``S3DataConfig``).

    One class serves both directions: unknown keys are rejected when the caller
    builds it, and kept when it is parsed from a response (``RESPONSE_CONTEXT``).
    """

    model_config = ConfigDict(extra="allow")

    @model_validator(mode="after")
    def _forbid_extra_in_requests(self, info: ValidationInfo) -> Self:
        if self.model_extra and not _is_response(info):
            from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

            details: list[InitErrorDetails] = [
                {
                    "type": PydanticCustomError(
                        "extra_forbidden", "Extra inputs are not permitted"
                    ),
                    "loc": (key,),
                    "input": value,
                }
                for key, value in self.model_extra.items()
            ]
            raise ValidationError.from_exception_data(type(self).__name__, details)
        return self


@dataclass(frozen=True, slots=True)
class RequestRules:
    """Field rules that bind only when the caller builds the structure.

    Generated for the structures that are also parsed from responses (``SharedShape``),
    where the same class must stay lenient: AWS may send values outside the request rules.
    """

    min_length: int | None = None
    max_length: int | None = None
    ge: float | None = None
    le: float | None = None
    pattern: str | None = None

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        rules = {name: getattr(self, name) for name in self.__slots__}
        field = Field(**{k: v for k, v in rules.items() if v is not None})
        annotated: Any = Annotated  # built at run time from the annotated source type
        strict = TypeAdapter[Any](annotated[source, field])

        def check(value: Any, info: ValidationInfo) -> Any:
            if not _is_response(info):
                strict.validate_python(value)
            return value

        return core_schema.with_info_after_validator_function(check, handler(source))


class UnknownMember(BaseModel):
    """A union member this library version does not know; AWS added it after codegen."""

    model_config = ConfigDict(frozen=True)

    tag: str
    value: Any

    @model_validator(mode="before")
    @classmethod
    def _from_wire(cls, data: object) -> object:
        if isinstance(data, Mapping):
            wire = typing.cast("Mapping[str, object]", data)
            if len(wire) == 1:
                ((tag, value),) = wire.items()
                return {"tag": tag, "value": value}
            return wire
        return data

    def to_api(self) -> dict[str, Any]:
        return {self.tag: self.value}


def union_discriminator(
    union: str, members: Mapping[str, tuple[str, str]], *, response: bool
) -> Discriminator:
    """Pick a tagged-union member from the one key present.

    ``members`` maps each member class name (the pydantic tag) to its
    ``(wire name, snake name)``.  Requests need exactly one member set; responses
    take the first known member, or ``UnknownMember`` for a key we do not know.
    """
    keys = [(tag, wire, snake) for tag, (wire, snake) in members.items()]

    def pick(value: Any) -> str | None:
        if isinstance(value, BaseModel):
            return type(value).__name__
        if not isinstance(value, Mapping):
            return None
        data = typing.cast("Mapping[str, Any]", value)
        present = [
            tag
            for tag, wire, snake in keys
            if data.get(wire) is not None or data.get(snake) is not None
        ]
        if len(present) == 1 or (response and present):
            return present[0]
        if response and not present and data:
            return "UnknownMember"
        return None

    wires = ", ".join(wire for _, wire, _ in keys)
    return Discriminator(
        pick,
        custom_error_type="union_member",
        custom_error_message=f"{union} must set exactly one of: {wires}",
    )


@dataclass(frozen=True, slots=True)
class Paginator:
    """How botocore pages an operation (from ``paginators-1.json``)."""

    input_token: str
    output_token: str
    result_key: str
    limit_key: str | None


@dataclass(frozen=True, slots=True)
class OperationInfo:
    """Static facts about one operation, attached to its request class."""

    service: str
    name: str
    method: str
    response: type[ResponseShape]
    errors: tuple[str, ...] = ()
    client_token: str | None = None
    paginator: Paginator | None = None


ResponseT = TypeVar("ResponseT", bound=ResponseShape, covariant=True)


class OperationRequest(RequestShape, Generic[ResponseT]):
    """The input of one operation; its type parameter is the operation's response."""

    operation: ClassVar[OperationInfo]


# -- wire paths -------------------------------------------------------------------------------


@cache
def _fields(model: type[BaseModel]) -> Mapping[str, tuple[str, tuple[type[BaseModel], ...]]]:
    """Map each field name and alias to (wire name, model classes nested in its type)."""
    out: dict[str, tuple[str, tuple[type[BaseModel], ...]]] = {}
    for name, info in model.model_fields.items():
        wire = info.serialization_alias or info.alias or name
        nested = tuple(_models_in(info.annotation))
        out[name] = out[wire] = (wire, nested)
    return out


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found.extend(_models_in(arg))
    return found


def wire_path(model: type[BaseModel], loc: Sequence[int | str]) -> str:
    """Render a pydantic error location as a wire path, e.g. ``exportConfig.dataSets[0].name``.

    Union tags (member class names) that pydantic inserts are dropped, and
    snake_case field names are shown by their wire names.
    """
    candidates: tuple[type[BaseModel], ...] = (model,)
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
            continue
        tagged = [m for m in candidates if m.__name__ == item]
        if tagged:
            candidates = tuple(tagged)
            continue
        for candidate in candidates:
            hit = _fields(candidate).get(item)
            if hit is not None:
                wire, candidates = hit
                parts.append(("." if parts else "") + wire)
                break
        else:
            parts.append(("." if parts else "") + item)
            candidates = ()
    return "".join(parts)
