"""Generate ``models/<service>.py`` and ``_facades/<service>.py`` from botocore's service models.

Run ``python tools/codegen.py`` (``make codegen``).  ``--check`` regenerates in
memory and exits 1 when a file on disk differs (the drift test uses it).  Output goes
through ``ruff format`` (the project's settings), so it reads like hand-written code:
each field's documentation is the docstring under it, and a field declares an alias
only where the wire name is not ``to_camel(name)``.

The facade modules hold one class per service (``kit.omics`` is an ``OmicsFacade``)
with a method per operation: an overload taking the request model, and one taking its
members as keyword-only parameters typed as in the model, documented under ``Args:``.
Each facade imports only its own service's models.

Every structure reachable from the export operations in :data:`OPERATIONS`
becomes one pydantic class named as botocore names the shape.  Structures only
sent are strict :class:`~export_kit._shapes.RequestShape`\\ s, only received are
lenient :class:`~export_kit._shapes.ResponseShape`\\ s, both directions
:class:`~export_kit._shapes.SharedShape`.  Service regexes are translated to the
engine pydantic uses (Rust ``regex``); one that cannot be translated stops the run.
"""

from __future__ import annotations

import argparse
import html
import html.parser
import keyword
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import botocore
import botocore.session
from botocore import xform_name
from pydantic.alias_generators import to_camel

ROOT = Path(__file__).resolve().parent.parent
#: Where ruff reads its settings for the generated files (the output folders may be moved).
PACKAGE = ROOT / "src" / "export_kit"
MODELS_DIR = PACKAGE / "models"
FACADES_DIR = PACKAGE / "_facades"

#: The scope, as docs/architecture.md lists it: the export operations of each service.
OPERATIONS: Mapping[str, tuple[str, ...]] = {
    "m2": ("CreateDataSetExportTask", "GetDataSetExportTask", "ListDataSetExportHistory"),
    "personalize": (
        "CreateDatasetExportJob",
        "DescribeDatasetExportJob",
        "ListDatasetExportJobs",
    ),
    "discovery": (
        "StartExportTask",
        "DescribeExportTasks",
        "StartContinuousExport",
        "DescribeContinuousExports",
        "StopContinuousExport",
    ),
    "simpledbv2": ("StartDomainExport", "GetExport", "ListExports"),
    "omics": ("StartReadSetExportJob", "GetReadSetExportJob", "ListReadSetExportJobs"),
}

#: Each service's export job: the operation that starts it and the shape that describes it
#: (``ExportJob.description``, as ``export_kit/services/<service>.py`` reads it).  The start
#: request class carries both (``StartRequest[Response, Description]``) so ``kit.start()``
#: is typed by its request.
JOBS: Mapping[str, tuple[str, str]] = {
    "m2": ("CreateDataSetExportTask", "GetDataSetExportTaskResponse"),
    "personalize": ("CreateDatasetExportJob", "DescribeDatasetExportJobResponse"),
    "discovery": ("StartExportTask", "ExportInfo"),
    "simpledbv2": ("StartDomainExport", "GetExportResponse"),
    "omics": ("StartReadSetExportJob", "GetReadSetExportJobResponse"),
}

#: The facade class of each service (``kit.<service>``) and its one-line docstring.
FACADES: Mapping[str, tuple[str, str]] = {
    "m2": ("M2Facade", "Mainframe Modernization (``m2``) data set export tasks."),
    "personalize": ("PersonalizeFacade", "Personalize (``personalize``) dataset export jobs."),
    "discovery": (
        "DiscoveryFacade",
        "Application Discovery (``discovery``) export tasks and continuous exports.",
    ),
    "simpledbv2": ("SimpleDBv2Facade", "SimpleDB v2 (``simpledbv2``) domain exports."),
    "omics": ("OmicsFacade", "HealthOmics (``omics``) read set export jobs."),
}

IN, OUT = "in", "out"


class CodegenError(Exception):
    """A service model feature this generator cannot express faithfully."""


# -- documentation ----------------------------------------------------------------------------


class _TextOnly(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"p", "li", "br"}:
            self.parts.append(" ")


def docstring_lines(text: str, indent: str) -> list[str]:
    """``text`` as a docstring at ``indent``, wrapped to the line length (none if empty)."""
    if not text:
        return []
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if text.endswith('"'):
        text += " "
    wrapped = textwrap.wrap(text, 96 - len(indent))
    if len(wrapped) == 1:
        return [f'{indent}"""{wrapped[0]}"""']
    return [f'{indent}"""{wrapped[0]}', *(indent + w for w in wrapped[1:]), f'{indent}"""']


def plain_text(doc: str | None) -> str:
    """Strip botocore's HTML documentation to one line of text."""
    if not doc:
        return ""
    parser = _TextOnly()
    parser.feed(doc)
    parser.close()
    text = " ".join(html.unescape("".join(parser.parts)).split())
    return text.translate(_TYPOGRAPHIC)


#: Typographic quotes and dashes in botocore's docs, as ASCII (ruff flags the look-alikes).
_TYPOGRAPHIC = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


# -- patterns ---------------------------------------------------------------------------------

# Smithy patterns follow Java/ECMA semantics, where \d \w \s are ASCII-only;
# pydantic-core's Rust engine makes them Unicode-aware.  Translate to ASCII forms.
_OUTSIDE = {"d": "[0-9]", "w": "[0-9A-Za-z_]", "s": "[[:space:]]", "S": "[[:^space:]]"}
_INSIDE = {"d": "0-9", "w": "0-9A-Za-z_", "s": "[:space:]", "S": "[:^space:]"}


def translate_pattern(pattern: str) -> str:
    """Translate a service regex to pydantic-core's Rust syntax with Java semantics."""
    out: list[str] = []
    depth = 0
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            table = _INSIDE if depth else _OUTSIDE
            out.append(table.get(nxt, ch + nxt))
            i += 2
            continue
        if ch == "[":
            depth += 1
        elif ch == "]" and depth:
            depth -= 1
        out.append(ch)
        i += 1
    return "".join(out)


def check_pattern(pattern: str) -> None:
    from typing import Annotated

    from pydantic import Field, TypeAdapter

    try:
        TypeAdapter(Annotated[str, Field(pattern=pattern)])
    except Exception as exc:  # the engine's own compile error
        raise CodegenError(f"pattern {pattern!r} does not compile: {exc}") from exc


# -- model walking ----------------------------------------------------------------------------


@dataclass
class Service:
    name: str
    data: dict[str, Any]
    paginators: dict[str, Any]
    directions: dict[str, set[str]] = field(default_factory=dict)
    translated: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def shapes(self) -> dict[str, Any]:
        return self.data["shapes"]  # type: ignore[no-any-return]

    def walk(self, root: str, direction: str) -> None:
        todo = [root]
        while todo:
            name = todo.pop()
            seen = self.directions.setdefault(name, set())
            if direction in seen:
                continue
            seen.add(direction)
            shape = self.shapes[name]
            todo.extend(m["shape"] for m in shape.get("members", {}).values())
            if shape["type"] == "list":
                todo.append(shape["member"]["shape"])
            elif shape["type"] == "map":
                todo.extend((shape["key"]["shape"], shape["value"]["shape"]))


def load(service: str) -> Service:
    session = botocore.session.get_session()
    loader = session.get_component("data_loader")
    data = loader.load_service_model(service, "service-2")
    paginators = loader.load_service_model(service, "paginators-1").get("pagination", {})
    svc = Service(service, data, paginators)
    for op in OPERATIONS[service]:
        spec = data["operations"][op]
        if "input" in spec:
            svc.walk(spec["input"]["shape"], IN)
        if "output" in spec:
            svc.walk(spec["output"]["shape"], OUT)
    return svc


def union_member_class(union: str, member: str) -> str:
    return union + member[0].upper() + member[1:]


def field_name(wire: str) -> str:
    from pydantic import BaseModel

    name = xform_name(wire)
    if keyword.iskeyword(name) or hasattr(BaseModel, name) or name.startswith("model_"):
        name += "_"
    return name


# -- rendering --------------------------------------------------------------------------------


class Renderer:
    def __init__(self, svc: Service) -> None:
        self.svc = svc
        self.imports: set[str] = set()

    def direction(self, shape: str) -> str:
        dirs = self.svc.directions[shape]
        return "both" if len(dirs) == 2 else next(iter(dirs))

    # Types -------------------------------------------------------------------------------

    def type_of(self, shape_name: str, strict: bool, where: str, rules: str = "Field") -> str:
        """The annotation for a value of ``shape_name``; ``strict`` adds constraints.

        ``rules`` names the wrapper of those constraints: ``Field`` (always enforced) or,
        in structures shared with responses, ``RequestRules`` (enforced on requests only).
        """
        shape = self.svc.shapes[shape_name]
        kind = shape["type"]
        if kind == "structure":
            return shape_name
        if kind == "list":
            item = self.type_of(shape["member"]["shape"], strict, where + "[]", rules)
            return f"list[{item}]"
        if kind == "map":
            key = self.type_of(shape["key"]["shape"], strict, where + "{key}", rules)
            value = self.type_of(shape["value"]["shape"], strict, where + "{}", rules)
            return f"dict[{key}, {value}]"
        return self.scalar(shape_name, strict, where, annotate=True, rules=rules)

    def scalar(
        self, shape_name: str, strict: bool, where: str, *, annotate: bool, rules: str = "Field"
    ) -> str:
        shape = self.svc.shapes[shape_name]
        kind = shape["type"]
        if "enum" in shape and rules != "Field":
            raise CodegenError(f"{where}: an enum in a structure shared with responses")
        if "enum" in shape:
            literal = "Literal[" + ", ".join(repr(v) for v in shape["enum"]) + "]"
            return literal if strict else f"{literal} | str"
        base = {
            "string": ("StrictStr", "str"),
            "integer": ("StrictInt", "int"),
            "long": ("StrictInt", "int"),
            "boolean": ("StrictBool", "bool"),
            "double": ("StrictFloat", "float"),
            "float": ("StrictFloat", "float"),
            "timestamp": ("datetime", "datetime"),
            "blob": ("StrictBytes", "bytes"),
        }[kind][0 if strict else 1]
        if not strict or not annotate:
            return base
        constraints = self.constraints(shape_name, where)
        return f"Annotated[{base}, {rules}({constraints})]" if constraints else base

    def constraints(self, shape_name: str, where: str) -> str:
        shape = self.svc.shapes[shape_name]
        kind = shape["type"]
        parts: list[str] = []
        if kind in {"string", "blob", "list", "map"}:
            if "min" in shape and shape["min"] > 0:
                parts.append(f"min_length={int(shape['min'])}")
            if "max" in shape:
                parts.append(f"max_length={int(shape['max'])}")
        elif kind in {"integer", "long", "double", "float"}:
            num = int if kind in {"integer", "long"} else float
            if "min" in shape:
                parts.append(f"ge={num(shape['min'])!r}")
            if "max" in shape:
                parts.append(f"le={num(shape['max'])!r}")
        if kind == "string" and "pattern" in shape:
            original = shape["pattern"]
            pattern = translate_pattern(original)
            check_pattern(pattern)
            if pattern != original:
                self.svc.translated.append((where, original, pattern))
            parts.append(f"pattern={pattern!r}")
        return ", ".join(parts)

    # Classes ------------------------------------------------------------------------------

    def member_lines(
        self, owner: str, wire: str, ref: Mapping[str, Any], required: bool
    ) -> list[str]:
        """One field: its annotation, and its documentation as a docstring under it."""
        strict = self.direction(owner) != OUT
        rules = "RequestRules" if self.direction(owner) == "both" else "Field"
        target = ref["shape"]
        target_shape = self.svc.shapes[target]
        name = field_name(wire)
        kwargs = [] if to_camel(name) == wire else [f"alias={wire!r}"]
        where = f"{owner}.{wire}"
        if target_shape["type"] in {"structure", "list", "map"}:
            annotation = self.type_of(target, strict, where, rules)
        else:
            annotation = self.scalar(target, strict, where, annotate=False, rules=rules)
        if strict and target_shape["type"] != "structure":
            constraints = self.constraints(target, where)
            if constraints and rules == "Field":
                kwargs.append(constraints)
            elif constraints:
                annotation = f"Annotated[{annotation}, RequestRules({constraints})]"
        type_text = annotation if required else f"{annotation} | None"
        if kwargs:
            type_text = f"Annotated[{type_text}, Field({', '.join(kwargs)})]"
        default = "" if required else " = None"
        doc = plain_text(ref.get("documentation") or target_shape.get("documentation"))
        return [f"    {name}: {type_text}{default}", *self.docstring(doc, None)]

    def structure(self, name: str) -> list[str]:
        shape = self.svc.shapes[name]
        direction = self.direction(name)
        if shape.get("union"):
            return self.union(name)
        base = {IN: "RequestShape", OUT: "ResponseShape", "both": "SharedShape"}[direction]
        op = self.operation_for_input(name)
        if op is not None and op["name"] == JOBS[self.svc.name][0]:
            base = f"StartRequest[{op['output']['shape']}, {JOBS[self.svc.name][1]}]"
        elif op is not None:
            base = f"OperationRequest[{op['output']['shape']}]"
        lines = [f"class {name}({base}):", *self.docstring(shape.get("documentation"), name)]
        required = set(shape.get("required", ()))
        for wire, ref in shape.get("members", {}).items():
            lines += ["", *self.member_lines(name, wire, ref, wire in required)]
        if op is not None:
            lines.extend(self.operation_info(op))
        return [*lines, "", ""]

    def docstring(self, doc: str | None, fallback: str | None, indent: str = "    ") -> list[str]:
        """A docstring from botocore's HTML documentation (none if both are empty)."""
        text = plain_text(doc) or (f"The ``{fallback}`` structure." if fallback else "")
        return docstring_lines(text, indent)

    def union(self, name: str) -> list[str]:
        shape = self.svc.shapes[name]
        direction = self.direction(name)
        if direction == "both":
            raise CodegenError(f"union {name} is used in requests and responses")
        response = direction == OUT
        base = "ResponseShape" if response else "RequestShape"
        lines: list[str] = []
        tags: list[str] = []
        for wire, ref in shape["members"].items():
            cls = union_member_class(name, wire)
            doc = ref.get("documentation") or f"<p>{name} with its {wire} member set.</p>"
            lines += [f"class {cls}({base}):", *self.docstring(doc, cls), ""]
            lines += [*self.member_lines(name, wire, ref, required=True), "", ""]
            tags.append(f'Annotated[{cls}, UnionTag("{cls}")]')
        if response:
            tags.append('Annotated[UnknownMember, UnionTag("UnknownMember")]')
        members = ", ".join(
            f'"{union_member_class(name, w)}": ("{w}", "{field_name(w)}")' for w in shape["members"]
        )
        lines += [
            *(f"#: {line}" for line in textwrap.wrap(plain_text(shape.get("documentation")), 96)),
            f"{name}: TypeAlias = Annotated[",
            f"    {' | '.join(tags)},",
            f'    union_discriminator("{name}", {{{members}}}, response={response}),',
            "]",
            "",
            "",
        ]
        return lines

    # Operations ---------------------------------------------------------------------------

    def operation_for_input(self, shape: str) -> dict[str, Any] | None:
        for op in OPERATIONS[self.svc.name]:
            spec = self.svc.data["operations"][op]
            if spec.get("input", {}).get("shape") == shape:
                return spec  # type: ignore[no-any-return]
        return None

    def operation_info(self, spec: Mapping[str, Any]) -> list[str]:
        name = spec["name"]
        errors = tuple(
            self.svc.shapes[e["shape"]].get("error", {}).get("code", e["shape"])
            for e in spec.get("errors", ())
        )
        members = self.svc.shapes[spec["input"]["shape"]].get("members", {})
        token = next(
            (
                wire
                for wire, ref in members.items()
                if ref.get("idempotencyToken") or wire == "clientToken"
            ),
            None,
        )
        args = [
            f"service={self.svc.name!r}",
            f"name={name!r}",
            f"method={xform_name(name)!r}",
            f"response={spec['output']['shape']}",
            f"errors={errors!r}",
        ]
        if token:
            args.append(f"client_token={token!r}")
        page = self.svc.paginators.get(name)
        if page:
            args.append(
                "paginator=Paginator("
                f"input_token={page['input_token']!r}, output_token={page['output_token']!r}, "
                f"result_key={page['result_key']!r}, limit_key={page.get('limit_key')!r})"
            )
        return [
            "",
            "    operation: ClassVar[OperationInfo] = OperationInfo(",
            *(f"        {a}," for a in args),
            "    )",
        ]

    # Module -------------------------------------------------------------------------------

    def ordered_structures(self) -> list[str]:
        """Structures in dependency order, responses first (requests name them)."""
        structures = sorted(
            n for n in self.svc.directions if self.svc.shapes[n]["type"] == "structure"
        )
        done: list[str] = []

        def deps(name: str) -> Iterable[str]:
            todo = [m["shape"] for m in self.svc.shapes[name].get("members", {}).values()]
            while todo:
                ref = todo.pop()
                shape = self.svc.shapes[ref]
                if shape["type"] == "structure":
                    yield ref
                elif shape["type"] == "list":
                    todo.append(shape["member"]["shape"])
                elif shape["type"] == "map":
                    todo.append(shape["value"]["shape"])

        def visit(name: str) -> None:
            if name in done:
                return
            for dep in deps(name):
                visit(dep)
            op = self.operation_for_input(name)
            if op is not None:
                visit(op["output"]["shape"])
                if op["name"] == JOBS[self.svc.name][0]:
                    visit(JOBS[self.svc.name][1])
            done.append(name)

        for name in sorted(structures, key=lambda n: self.direction(n) != OUT):
            visit(name)
        return done

    def module(self) -> str:
        meta = self.svc.data["metadata"]
        clashes = _RESERVED & set(self.svc.directions)
        if clashes:
            raise CodegenError(
                f"{self.svc.name}: shape names clash with imports: {sorted(clashes)}"
            )
        body: list[str] = []
        exported: list[str] = []
        for name in self.ordered_structures():
            body += self.structure(name)
            exported.append(name)
            if self.svc.shapes[name].get("union"):
                exported += [union_member_class(name, w) for w in self.svc.shapes[name]["members"]]
        title = meta.get("serviceFullName", self.svc.name)
        header = [
            f'"""Models for {title} export operations.',
            "",
            f"Generated by tools/codegen.py from the botocore {botocore.__version__} service model",
            f"``{self.svc.name}`` (API version {meta['apiVersion']}). Do not edit: run ``make codegen``.",
            '"""',
            "",
            "from __future__ import annotations",
            "",
            *_import_lines("\n".join(body)),
            "",
            "__all__ = [",
            *(f'    "{n}",' for n in sorted(exported)),
            "]",
            "",
            "",
        ]
        return "\n".join(header + body).rstrip() + "\n"


#: What a generated module may import, in import-block order (standard library, pydantic,
#: export_kit); each module imports only the names its classes use.
_IMPORTS: dict[str, tuple[str, ...]] = {
    "datetime": ("datetime",),
    "typing": ("Annotated", "ClassVar", "Literal", "TypeAlias"),
    "pydantic": ("Field", "StrictBool", "StrictBytes", "StrictFloat", "StrictInt", "StrictStr"),
    "export_kit._shapes": (
        "OperationInfo",
        "OperationRequest",
        "Paginator",
        "RequestRules",
        "RequestShape",
        "ResponseShape",
        "SharedShape",
        "StartRequest",
        "UnknownMember",
        "union_discriminator",
    ),
}
#: pydantic's ``Tag`` is imported as ``UnionTag``: Personalize has a shape named ``Tag``.
_UNION_TAG = "from pydantic import Tag as UnionTag"

#: A shape with one of these names cannot be emitted (it would shadow an import).
_RESERVED = frozenset({"UnionTag", *(name for names in _IMPORTS.values() for name in names)})


def _import_lines(body: str) -> list[str]:
    """The import block for a module whose class definitions are ``body``."""

    code = _code_only(body)

    def used(names: Iterable[str]) -> list[str]:
        return [name for name in names if re.search(rf"\b{name}\b", code)]

    stdlib = [
        f"from {module} import {', '.join(found)}"
        for module in ("datetime", "typing")
        if (found := used(_IMPORTS[module]))
    ]
    pydantic = used(_IMPORTS["pydantic"])
    third_party = [f"from pydantic import {', '.join(pydantic)}"] if pydantic else []
    if used(["UnionTag"]):
        third_party.append(_UNION_TAG)
    ours = [
        "from export_kit._shapes import (",
        *(f"    {n}," for n in used(_IMPORTS["export_kit._shapes"])),
        ")",
    ]
    return [*stdlib, "", *third_party, "", *ours] if third_party else [*stdlib, "", *ours]


def _code_only(text: str) -> str:
    """``text`` without docstrings and comments (their words are not imports)."""
    text = re.sub(r'"""[\s\S]*?"""', "", text)
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


# -- facades ----------------------------------------------------------------------------------


class FacadeRenderer:
    """``export_kit/_facades/<service>.py``: one method per operation, typed keyword arguments.

    Each method has two overloads, the request model (positional-only) or its members as
    keyword-only arguments, so type checkers see every parameter; the implementation builds
    the request (validating it before anything is sent) and hands it to the kit.
    """

    def __init__(self, svc: Service) -> None:
        self.svc = svc
        self.shape_names = {n for n in svc.directions if svc.shapes[n]["type"] == "structure"}

    def param_type(self, shape_name: str) -> str:
        """The plain type of a keyword argument: the model's type without its rules."""
        shape = self.svc.shapes[shape_name]
        kind = shape["type"]
        if kind == "structure":
            return shape_name
        if kind == "list":
            return f"list[{self.param_type(shape['member']['shape'])}]"
        if kind == "map":
            key, value = shape["key"]["shape"], shape["value"]["shape"]
            return f"dict[{self.param_type(key)}, {self.param_type(value)}]"
        if "enum" in shape:
            return "Literal[" + ", ".join(repr(v) for v in shape["enum"]) + "]"
        return {
            "string": "str",
            "integer": "int",
            "long": "int",
            "boolean": "bool",
            "double": "float",
            "float": "float",
            "timestamp": "datetime",
            "blob": "bytes",
        }[kind]

    def members(self, op: Mapping[str, Any]) -> list[tuple[str, str, bool, str]]:
        """(name, type, required, documentation) of each member of ``op``'s input."""
        if "input" not in op:
            return []
        shape = self.svc.shapes[op["input"]["shape"]]
        required = set(shape.get("required", ()))
        out = []
        for wire, ref in shape.get("members", {}).items():
            name = field_name(wire)
            if name in {"self", "request"}:
                raise CodegenError(f"{op['name']}: a member named {name!r} clashes")
            doc = plain_text(
                ref.get("documentation") or self.svc.shapes[ref["shape"]].get("documentation")
            )
            out.append((name, self.param_type(ref["shape"]), wire in required, doc))
        return out

    def method(
        self, op: Mapping[str, Any], *, name: str, returns: str, body: str, doc: str
    ) -> list[str]:
        request = op["input"]["shape"]
        members = self.members(op)
        keywords = [f"{n}: {t}" if req else f"{n}: {t} | None = None" for n, t, req, _ in members]
        optional = [f"{n}: {t} | None = None" for n, t, _, _ in members]
        is_async = not returns.startswith("Pager[")
        define = "async def" if is_async else "def"
        star = ["*", *keywords] if keywords else []
        impl_star = ["/", "*", *optional] if optional else ["/"]
        call = ", ".join([request, "request", *(f"{n}={n}" for n, _, _, _ in members)])
        build = f"self._build({call})"
        return [
            "    @overload",
            f"    {define} {name}(self, request: {request}, /) -> {returns}: ...",
            "    @overload",
            f"    {define} {name}({', '.join(['self', '/', *star])}) -> {returns}: ...",
            f"    {define} {name}({', '.join(['self', f'request: {request} | None = None', *impl_star])}) -> {returns}:",
            *self.method_doc(doc, request, members, returns),
            "        " + body.format(build=build),
            "",
        ]

    def method_doc(
        self, doc: str, request: str, members: list[tuple[str, str, bool, str]], returns: str
    ) -> list[str]:
        text = [*textwrap.wrap(doc, 88), ""]
        text.append(f"Takes a ``{request}``, or its members as keyword arguments.")
        if members:
            text += ["", "Args:"]
            for name, _, required, about in members:
                about = about or "See the service documentation."
                line = f"{name}: {'' if required else '(optional) '}{about}"
                text += textwrap.wrap(line, 84, initial_indent="    ", subsequent_indent="        ")
        text += ["", "Returns:", f"    {returns}"]
        text += [
            "",
            "Raises:",
            "    RequestValidationError: The request breaks the service model's rules;",
            "        nothing was sent.",
        ]
        if not returns.startswith("Pager["):
            text.append("    ServiceError: The service refused the call (a subclass names why).")
        escaped = [line.replace("\\", "\\\\").replace('"""', '\\"\\"\\"') for line in text]
        first, *rest = escaped
        return [
            f'        """{first}',
            *(f"        {line}".rstrip() for line in rest),
            '        """',
        ]

    def operation(self, op_name: str) -> list[str]:
        op = self.svc.data["operations"][op_name]
        response = op["output"]["shape"]
        doc = plain_text(op.get("documentation")) or f"Send a ``{op_name}`` request."
        page = self.svc.paginators.get(op_name)
        if page is None:
            return self.method(
                op,
                name=xform_name(op_name),
                returns=response,
                body="return await self.kit.send({build})",
                doc=doc,
            )
        result = self.svc.shapes[response]["members"][page["result_key"]]["shape"]
        item = self.param_type(self.svc.shapes[result]["member"]["shape"])
        return self.method(
            op,
            name=xform_name(op_name),
            returns=f"Pager[{item}, {response}]",
            body="return Pager(self.kit, {build})",
            doc=f"Page through ``{op_name}``: ``async for`` yields every item. {doc}",
        )

    def start(self) -> list[str]:
        op_name, description = JOBS[self.svc.name]
        op = self.svc.data["operations"][op_name]
        doc = (
            f"Start an export job (``{op_name}``) and return it as an ``ExportJob`` whose "
            f"``description`` is a ``{description}``."
        )
        return self.method(
            op,
            name="start",
            returns=f"ExportJob[{description}]",
            body="return await self.kit.start({build})",
            doc=doc,
        )

    def module(self) -> str:
        cls, about = FACADES[self.svc.name]
        meta = self.svc.data["metadata"]
        body = [
            f"class {cls}(ServiceFacade):",
            f'    """{about}"""',
            "",
            f"    service = {self.svc.name!r}",
            "",
        ]
        body += self.start()
        for op_name in OPERATIONS[self.svc.name]:
            body += self.operation(op_name)
        code = _code_only("\n".join(body))
        models = sorted(
            name
            for name in {*self.shape_names, *self.union_aliases()}
            if re.search(rf"\b{name}\b", code)
        )
        typing_names = [n for n in ("Literal", "overload") if re.search(rf"\b{n}\b", code)]
        stdlib = ["from typing import TYPE_CHECKING, " + ", ".join(typing_names)]
        if re.search(r"\bdatetime\b", code):
            stdlib.insert(0, "from datetime import datetime")
        header = [
            f'"""The ``kit.{self.svc.name}`` facade: {about}',
            "",
            f"Generated by tools/codegen.py from the botocore {botocore.__version__} service model",
            f"``{self.svc.name}`` (API version {meta['apiVersion']}). Do not edit: run ``make codegen``.",
            "It imports only this service's models; its kit is a ``FacadeKit`` (never ``ExportKit``).",
            '"""',
            "",
            "from __future__ import annotations",
            "",
            *stdlib,
            "",
            "from export_kit._facades import ServiceFacade",
            f"from export_kit.models.{self.svc.name} import {', '.join(models)}",
            "from export_kit.paging import Pager",
            "",
            "if TYPE_CHECKING:",
            "    from export_kit.jobs import ExportJob",
            "",
            f'__all__ = ["{cls}"]',
            "",
            "",
        ]
        return "\n".join(header + body).rstrip() + "\n"

    def union_aliases(self) -> set[str]:
        return {n for n in self.shape_names if self.svc.shapes[n].get("union")}


# -- output -----------------------------------------------------------------------------------


def formatted(text: str, path: Path) -> str:
    """``text`` as ``ruff format`` writes it (with the project's settings), so it reads as code."""
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", str(path), "-"],
        input=text,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if done.returncode != 0:
        raise CodegenError(f"ruff format failed on {path.name}: {done.stderr.strip()}")
    return done.stdout


def generate(service: str) -> tuple[str, list[tuple[str, str, str]]]:
    """The model module of ``service`` and the patterns translated on the way."""
    svc = load(service)
    text = formatted(Renderer(svc).module(), PACKAGE / "models" / f"{service}.py")
    return text, svc.translated


def generate_facade(service: str) -> str:
    """The facade module of ``service``."""
    return formatted(FacadeRenderer(load(service)).module(), PACKAGE / "_facades" / f"{service}.py")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="fail if generated files drifted")
    args = parser.parse_args(argv)
    from export_kit.models import SERVICES

    if tuple(OPERATIONS) != SERVICES:
        print(
            f"codegen: OPERATIONS covers {tuple(OPERATIONS)}, but export_kit.models.SERVICES "
            f"(the list of services) is {SERVICES}",
            file=sys.stderr,
        )
        return 2
    drifted: list[str] = []
    try:
        for service in OPERATIONS:
            text, translated = generate(service)
            outputs = {
                MODELS_DIR / f"{service}.py": text,
                FACADES_DIR / f"{service}.py": generate_facade(service),
            }
            for path, content in outputs.items():
                if args.check:
                    if not path.exists() or path.read_text() != content:
                        drifted.append(f"{path.parent.name}/{path.name}")
                    continue
                path.write_text(content)
                print(
                    f"wrote {path.relative_to(ROOT)} ({content.count(chr(10) + 'class ')} classes)"
                )
            if not args.check:
                for where, original, pattern in translated:
                    print(f"  pattern {where}: {original!r} -> {pattern!r}")
    except CodegenError as exc:
        print(f"codegen: {exc}", file=sys.stderr)
        return 2
    if drifted:
        print("codegen: generated modules drifted; run `make codegen`: " + ", ".join(drifted))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
