"""Base classes and helpers behind the generated models in ``export_kit.models``.

Generated modules stay declarative: every rule they need (strict requests,
lenient responses with client error correction, tagged unions, ``to_api()``,
pydantic errors as wire paths) lives here once.
"""

from __future__ import annotations

import ast
import copy
import inspect
import sys
import types
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Generic, Protocol, Self, TypeVar

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
from pydantic.alias_generators import to_camel
from pydantic_core import core_schema

from .errors import RequestValidationError, ResponseError, ValidationIssue

if TYPE_CHECKING:
    from pydantic.config import ExtraValues

__all__ = [
    "RESPONSE_CONTEXT",
    "OperationInfo",
    "OperationRequest",
    "Paginator",
    "RequestRules",
    "RequestShape",
    "ResponseShape",
    "Sender",
    "Shape",
    "SharedShape",
    "StartRequest",
    "UnknownMember",
    "mask_url",
    "union_discriminator",
    "validation_issues",
    "wire_path",
]

#: Validation context that marks data as coming *from* AWS (lenient rules).
RESPONSE_CONTEXT: Mapping[str, bool] = types.MappingProxyType({"export_kit.response": True})


@cache
def _field_docstrings(module_name: str) -> Mapping[str, Mapping[str, str]]:
    """Class name -> field name -> the docstring under the field, from the module's source."""
    path = getattr(sys.modules.get(module_name), "__file__", None)
    try:
        with open(path or "", encoding="utf-8") as source:
            tree = ast.parse(source.read())
    except (OSError, SyntaxError, ValueError):
        return {}
    found: dict[str, dict[str, str]] = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        docs = found.setdefault(node.name, {})
        for field, after in zip(node.body, node.body[1:], strict=False):
            if (
                isinstance(field, ast.AnnAssign)
                and isinstance(field.target, ast.Name)
                and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                docs[field.target.id] = inspect.cleandoc(after.value.value)
    return found


def _is_response(info: ValidationInfo) -> bool:
    context: object = info.context
    if not isinstance(context, Mapping):
        return False
    return bool(typing.cast("Mapping[str, object]", context).get("export_kit.response"))


class Shape(BaseModel):
    """A botocore structure. Fields use snake_case names; wire names validate too.

    A field's wire name is ``to_camel(name)`` unless the field declares an alias; the
    docstring under a field is its description.  Schemas are built on first use
    (``defer_build``), so importing a model module stays cheap.
    """

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        defer_build=True,
    )

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        # pydantic's ``use_attribute_docstrings`` does this too, but on Python < 3.13 it
        # walks the call stack and scans sys.modules for every class: about 60 % of the
        # time to build the five model modules.  Reading each module's source once is cheap.
        super().__pydantic_init_subclass__(**kwargs)
        undocumented = [
            (name, info)
            for name, info in cls.__pydantic_fields__.items()
            if info.description is None
        ]
        if not undocumented:  # no fields (this module's bases): no source to read
            return
        docs = _field_docstrings(cls.__module__).get(cls.__qualname__, {})
        for name, info in undocumented:
            if name in docs:
                info.description = docs[name]


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
    info: OperationInfo | None = getattr(model, "operation", None)
    operation = info.name if info is not None else model.__name__
    return RequestValidationError(operation, validation_issues(model, error))


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
    def from_api(cls, data: Mapping[str, Any], *, operation: str | None = None) -> Self:
        """Parse an aiobotocore response dict (``ResponseMetadata`` is dropped).

        A required member the service left out gets a zero value (Smithy's client error
        correction, see ``_with_zero_values``); anything else that cannot be read raises
        :class:`~export_kit.errors.ResponseError` with the raw ``payload``, never a pydantic
        ``ValidationError``.
        """
        if "ResponseMetadata" in data:
            data = {k: v for k, v in data.items() if k != "ResponseMetadata"}
        try:
            return cls.model_validate(data, context=RESPONSE_CONTEXT)
        except ValidationError as first:
            error = first
        # The rare path: correct what is missing and try again (each round can reveal the
        # required members of a structure it just filled in with {}).
        corrected: Any = data
        for _ in range(_MAX_CORRECTIONS):
            corrected = _with_zero_values(cls, corrected, error)
            if corrected is None:
                break
            try:
                return cls.model_validate(corrected, context=RESPONSE_CONTEXT)
            except ValidationError as again:
                error = again
        problems = "; ".join(
            f"{i['path'] or '<response>'}: {i['message']}" for i in validation_issues(cls, error)
        )
        raise ResponseError(
            f"not a {cls.__name__} ({problems})",
            operation=operation or cls.__name__,
            payload=data,
        ) from error


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

    # Built on first use, like the generated models: most processes never meet one.
    model_config = ConfigDict(frozen=True, defer_build=True)

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

    if not TYPE_CHECKING:

        def __class_getitem__(cls, params: object) -> type[Self]:
            # The type parameters are for type checkers; at run time the response class is
            # ``operation.response``.  pydantic's own ``__class_getitem__`` would make a
            # class per parametrization (``OperationRequest[GetExportResponse]``, a base of
            # each generated request) and build the generic class's schema to do so: work
            # at import, and the first schema build loads pydantic's plugins
            # (benchmarks/RESULTS.md, section 6).
            return cls


SentT = TypeVar("SentT", bound=ResponseShape)


class Sender(Protocol):
    """What jobs, pagers and facades need from ``ExportKit``: send one typed request, get
    its typed response."""

    async def send(self, request: OperationRequest[SentT], /) -> SentT: ...


DescriptionT = TypeVar("DescriptionT", bound=ResponseShape, covariant=True)


class StartRequest(OperationRequest[ResponseT], Generic[ResponseT, DescriptionT]):
    """The input of an operation that starts an export job.

    The second type parameter is the job's description (what describing the job returns,
    Discovery's ``ExportInfo``), so ``kit.start(request)`` returns an ``ExportJob`` of it.
    """


# -- client error correction ------------------------------------------------------------------


def _epoch() -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC)


def _unknown_member() -> UnknownMember:
    return UnknownMember(tag="", value=None)


#: Zero values by Python type (Smithy's list: boolean false, numbers 0, string "", blob
#: empty, timestamp 0 s after the epoch).
_ZEROS: Mapping[object, Callable[[], Any]] = {
    str: str,
    int: int,
    float: float,
    bool: bool,
    bytes: bytes,
    datetime: _epoch,
}


def _zero(annotation: Any) -> Callable[[], Any]:
    """The factory of the zero value of a field type (the Smithy spec's list, by type)."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _zero(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        options = [_unannotated(arg) for arg in typing.get_args(annotation)]
        if UnknownMember in options:  # a union: its unknown variant
            return _unknown_member
        if str in options:  # an enum (``Literal[...] | str``): the empty, unknown value
            return str
        return _zero(options[0])
    if origin is list:
        return list
    if origin is dict:
        return dict
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return dict  # a structure: {} (its own required members are corrected in turn)
    found = _ZEROS.get(typing.cast("object", annotation))
    if found is None:  # pragma: no cover - codegen emits only the types above
        raise TypeError(f"no zero value for {annotation!r}")
    return found


def _unannotated(annotation: Any) -> Any:
    if typing.get_origin(annotation) is Annotated:
        return typing.get_args(annotation)[0]
    return annotation


#: Rounds of correction for one response: each fills the members one level deeper.
_MAX_CORRECTIONS = 8


def _with_zero_values(model: type[BaseModel], data: Any, error: ValidationError) -> Any | None:
    """A copy of ``data`` with a zero value for every required member ``error`` finds missing.

    ``None`` when nothing is missing (the response is wrong in some other way).  Run only
    after a response failed to parse, so a complete response costs nothing extra.
    """
    missing = [
        item["loc"]
        for item in error.errors(include_url=False, include_input=False)
        if item["type"] == "missing"
    ]
    if not missing:
        return None
    data = copy.deepcopy(data)
    filled = [_fill(model, data, loc) for loc in missing]
    return data if any(filled) else None


def _fill(model: type[BaseModel], data: Any, loc: Sequence[int | str]) -> bool:
    """Set the zero value of the member at pydantic error location ``loc`` in ``data``."""
    candidates: tuple[type[BaseModel], ...] = (model,)
    node: Any = data
    for position, item in enumerate(loc):
        if isinstance(item, int):
            node = node[item]
            continue
        tagged = [m for m in candidates if m.__name__ == item]
        if tagged:  # a union member's tag, inserted by pydantic
            candidates = tuple(tagged)
            continue
        field = next((f for m in candidates if (f := _field(m, item)) is not None), None)
        if field is None:
            if not isinstance(node, Mapping) or item not in node:
                return False
            node = typing.cast("Any", node[item])  # a map's key: its values have the same models
            continue
        name, info = field
        if position == len(loc) - 1:
            if not isinstance(node, dict):
                return False
            node[info.alias or name] = _zero(info.annotation)()
            return True
        node = node[item]
        candidates = tuple(_models_in(info.annotation))
    return False


def _field(model: type[BaseModel], key: str) -> tuple[str, Any] | None:
    """``(field name, FieldInfo)`` of the field ``key`` names (its name or alias)."""
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return name, info
    return None


# -- wire paths -------------------------------------------------------------------------------

# pydantic error types -> the rule names we document (docs/concepts/models.md).
_RULES = {
    "missing": "required",
    "extra_forbidden": "unknown_key",
    "string_too_short": "min_length",
    "string_too_long": "max_length",
    "too_short": "min_items",
    "too_long": "max_items",
    "bytes_too_short": "min_length",
    "bytes_too_long": "max_length",
    "string_pattern_mismatch": "pattern",
    "literal_error": "enum",
    "greater_than_equal": "min",
    "less_than_equal": "max",
    "union_member": "union",
    "union_tag_invalid": "union",
    "model_type": "type",
    "model_attributes_type": "type",
    "dict_type": "type",
    "list_type": "type",
}

# tools/codegen.py spells Java's ASCII \s and \S as POSIX classes for pydantic's regex
# engine; show users the familiar spelling (the meaning is the same).
_POSIX_SPELLINGS = (
    ("[[:space:][:^space:]]", r"[\s\S]"),
    ("[[:^space:]]", r"\S"),
    ("[[:space:]]", r"\s"),
    ("[:^space:]", r"\S"),
    ("[:space:]", r"\s"),
)


def _service_pattern(pattern: str) -> str:
    for posix, java in _POSIX_SPELLINGS:
        pattern = pattern.replace(posix, java)
    return pattern


def validation_issues(model: type[BaseModel], error: ValidationError) -> list[ValidationIssue]:
    """pydantic's errors as validation issues: wire paths and the rule names we document."""
    issues: list[ValidationIssue] = []
    for item in error.errors(include_url=False, include_input=False):
        kind = item["type"]
        rule = _RULES.get(kind) or ("type" if kind.endswith("_type") else kind)
        message = item["msg"]
        if rule == "required":
            message = "is required"
        elif rule == "unknown_key":
            message = "is not a member of this structure"
        elif rule == "pattern":
            pattern = _service_pattern(str((item.get("ctx") or {}).get("pattern", "")))
            message = f"does not match the service pattern {pattern}"
        issues.append(
            ValidationIssue(path=wire_path(model, item["loc"]), rule=rule, message=message)
        )
    return issues


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
