"""Every member of every reachable botocore structure is modelled faithfully.

The expected values come from botocore's service model at test time (see
``_botocore_shapes``), never from a list kept in this repository.
"""

from __future__ import annotations

import importlib
import types
import typing
from typing import Any

import pytest
from botocore import xform_name
from botocore.model import ListShape, MapShape, Shape, StructureShape
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from export_kit._shapes import OperationRequest, RequestShape, ResponseShape, SharedShape

from ._botocore_shapes import SCOPE, operations, structures
from ._codegen import codegen

CASES = [(svc, name) for svc in SCOPE for name in sorted(structures(svc))]


def module(service: str) -> types.ModuleType:
    return importlib.import_module(f"export_kit.models.{service}")


def unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """Strip ``Annotated`` and ``X | None``; return the core type and its metadata."""
    metadata: list[Any] = []
    while True:
        if typing.get_origin(annotation) is typing.Annotated:
            annotation, *extra = typing.get_args(annotation)
            for item in extra:
                metadata.extend(item.metadata if isinstance(item, FieldInfo) else [item])
            continue
        args = typing.get_args(annotation)
        if typing.get_origin(annotation) in {types.UnionType, typing.Union} and type(None) in args:
            rest = [a for a in args if a is not type(None)]
            annotation = rest[0] if len(rest) == 1 else typing.Union[tuple(rest)]  # noqa: UP007
            continue
        return annotation, metadata


def constraints(metadata: list[Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in metadata:
        for name in ("min_length", "max_length", "ge", "le", "pattern"):
            value = getattr(item, name, None)
            if value is not None:
                found[name] = value
    return found


def expected_constraints(shape: Shape) -> dict[str, Any]:
    meta = shape.metadata
    out: dict[str, Any] = {}
    if shape.type_name in {"string", "blob", "list", "map"}:
        if meta.get("min", 0) > 0:
            out["min_length"] = meta["min"]
        if "max" in meta:
            out["max_length"] = meta["max"]
    elif shape.type_name in {"integer", "long", "double", "float"}:
        if "min" in meta:
            out["ge"] = meta["min"]
        if "max" in meta:
            out["le"] = meta["max"]
    if "pattern" in meta and shape.type_name == "string":
        out["pattern"] = codegen().translate_pattern(meta["pattern"])
    return out


def check_value(
    annotation: Any, metadata: list[Any], shape: Shape, strict: bool, where: str
) -> None:
    """Compare one annotated type with the botocore shape it models, recursively."""
    core, more = unwrap(annotation)
    metadata = [*metadata, *more]
    if strict:
        assert constraints(metadata) == expected_constraints(shape), where
    else:
        assert constraints(metadata) == {}, f"{where}: responses must stay lenient"
    if isinstance(shape, ListShape):
        assert typing.get_origin(core) is list, where
        (item,) = typing.get_args(core)
        check_value(item, [], shape.member, strict, where + "[]")
    elif isinstance(shape, MapShape):
        assert typing.get_origin(core) is dict, where
        key, value = typing.get_args(core)
        check_value(key, [], shape.key, strict, where + "{key}")
        check_value(value, [], shape.value, strict, where + "{value}")
    elif isinstance(shape, StructureShape) and not shape.metadata.get("union", False):
        assert core.__name__ == shape.name, where
    elif shape.metadata.get("enum"):
        literal = core
        if not strict:
            # Responses accept values AWS adds later: Literal[...] | str.
            literal, plain = typing.get_args(core)
            assert plain is str, where
        assert typing.get_origin(literal) is typing.Literal, where
        assert list(typing.get_args(literal)) == shape.metadata["enum"], where
    elif shape.type_name == "timestamp":
        assert core.__name__ == "datetime", where


@pytest.mark.parametrize(("service", "name"), CASES, ids=[f"{s}.{n}" for s, n in CASES])
def test_structure_matches_botocore(service: str, name: str) -> None:
    reach = structures(service)[name]
    shape = reach.shape
    mod = module(service)
    strict = reach.inputs
    if shape.metadata.get("union", False):
        members = {wire: getattr(mod, name + wire[0].upper() + wire[1:]) for wire in shape.members}
        assert getattr(mod, name) is not None
    else:
        members = {wire: getattr(mod, name) for wire in shape.members}
    for cls in set(members.values()):
        base = RequestShape if not reach.outputs else ResponseShape
        if reach.inputs and reach.outputs:
            base = SharedShape
        assert issubclass(cls, base), f"{cls.__name__} should derive from {base.__name__}"
    required = set(shape.required_members)
    for wire, member in shape.members.items():
        cls = members[wire]
        by_wire = {f.serialization_alias: (n, f) for n, f in cls.model_fields.items()}
        assert wire in by_wire, f"{name}.{wire} missing"
        field_name, info = by_wire[wire]
        assert field_name.rstrip("_") == xform_name(wire), f"{name}.{wire} is not snake_case"
        assert info.validation_alias == wire
        assert info.is_required() == (wire in required or shape.metadata.get("union", False)), (
            f"{name}.{wire}"
        )
        check_value(info.annotation, list(info.metadata), member, strict, f"{name}.{wire}")
    if not shape.metadata.get("union", False):
        modelled = {f.serialization_alias for f in members_or_empty(mod, name)}
        assert modelled == set(shape.members), f"{name} has members botocore does not"


def members_or_empty(mod: types.ModuleType, name: str) -> list[FieldInfo]:
    cls: type[BaseModel] = getattr(mod, name)
    return list(cls.model_fields.values())


@pytest.mark.parametrize("service", list(SCOPE))
def test_operation_metadata(service: str) -> None:
    mod = module(service)
    for op in operations(service):
        assert op.input_shape is not None
        assert op.output_shape is not None
        request = getattr(mod, op.input_shape.name)
        assert issubclass(request, OperationRequest)
        info = request.operation
        assert (info.service, info.name) == (service, op.name)
        assert info.response is getattr(mod, op.output_shape.name)
        codes = {e.metadata.get("error", {}).get("code", e.name) for e in op.error_shapes}
        assert set(info.errors) == codes
        token_members = {
            n for n, m in op.input_shape.members.items() if m.metadata.get("idempotencyToken")
        }
        if token_members:
            assert info.client_token in token_members


def test_design_named_classes_exist() -> None:
    from export_kit.models import discovery, m2, omics

    for cls in (
        m2.DataSetExportConfigS3Location,
        m2.DataSetExportConfigDataSets,
        m2.ExternalLocationS3Location,
        m2.DataSetExportItem,
        omics.ExportReadSet,
        discovery.ExportPreferencesEc2RecommendationsPreferences,
    ):
        assert issubclass(cls, RequestShape)
