"""tools/codegen.py: no drift, faithful pattern translation, lazy model modules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated

import pytest
import regex
from pydantic import Field as PydanticField
from pydantic import TypeAdapter, ValidationError

from export_kit.models import SERVICES

from ._codegen import ROOT, codegen


@pytest.mark.parametrize("service", SERVICES)
def test_regenerating_is_byte_identical(service: str) -> None:
    text, _ = codegen().generate(service)
    on_disk = (ROOT / "src" / "export_kit" / "models" / f"{service}.py").read_text()
    assert text == on_disk, f"models/{service}.py drifted from tools/codegen.py: run `make codegen`"


def test_header_names_botocore_version() -> None:
    import botocore

    text = (ROOT / "src" / "export_kit" / "models" / "omics.py").read_text()
    assert f"botocore {botocore.__version__}" in text
    assert "Do not edit" in text


def test_check_mode_reports_drift(tmp_path: Path) -> None:
    mod = codegen()
    original = mod.MODELS_DIR
    copy = tmp_path / "models"
    copy.mkdir()
    for path in original.glob("*.py"):
        (copy / path.name).write_text(path.read_text())
    (copy / "m2.py").write_text((copy / "m2.py").read_text() + "# hand edit\n")
    setattr(mod, "MODELS_DIR", copy)  # noqa: B010
    try:
        assert mod.main(["--check"]) == 1
        (copy / "m2.py").write_text((original / "m2.py").read_text())
        assert mod.main(["--check"]) == 0
    finally:
        setattr(mod, "MODELS_DIR", original)  # noqa: B010


def test_untranslatable_pattern_is_reported() -> None:
    mod = codegen()
    with pytest.raises(mod.CodegenError, match="does not compile"):
        mod.check_pattern("(?<=lookbehind)x")


# Java (and ECMA) \d \w \s are ASCII; Rust's are Unicode.  The translation keeps Java's meaning.
@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        (r"^\d+$", "123", True),
        (r"^\d+$", "١٢٣", False),  # Arabic-Indic digits are not Java \d
        (r"^\w+$", "abc_1", True),
        (r"^\w+$", "é", False),
        (r"^\S{1,3}$", "a\u00a0b", True),  # NBSP is not Java \s
        (r"^[a-z\d-]+$", "ab-1", True),
        (r"[\s\S]*\S[\s\S]*", " \t", False),
        (r"[\s\S]*\S[\s\S]*", " x ", True),
    ],
)
def test_pattern_translation_keeps_java_semantics(pattern: str, value: str, matches: bool) -> None:
    translated = codegen().translate_pattern(pattern)
    adapter = TypeAdapter(Annotated[str, PydanticField(pattern=translated)])
    try:
        adapter.validate_python(value)
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted is matches
    # The independent engine (regex, with ASCII flag as Java) agrees.
    assert bool(regex.search(pattern, value, flags=regex.ASCII)) is matches


def test_import_is_lazy() -> None:
    code = (
        "import sys, export_kit; "
        "loaded = [m for m in sys.modules if m.startswith('export_kit.models.') "
        "or m.startswith('aiobotocore')]; "
        "print(loaded)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
    code = "import export_kit.models as m, sys; m.omics; print(sorted(k for k in sys.modules if k.startswith('export_kit.models.')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['export_kit.models.omics']"


def test_building_a_request_raises_request_validation_error() -> None:
    from export_kit.errors import RequestValidationError
    from export_kit.models import m2, omics

    with pytest.raises(RequestValidationError) as caught:
        omics.ExportReadSet(read_set_id="12")
    assert caught.value.errors() == [
        {"path": "readSetId", "rule": "min_length", "message": caught.value.errors()[0]["message"]}
    ]
    assert isinstance(caught.value, ValueError)
    with pytest.raises(RequestValidationError) as nested:
        m2.CreateDataSetExportTaskRequest.model_validate(
            {"applicationId": "a", "exportConfig": {"dataSets": [{"datasetName": "x"}]}}
        )
    assert nested.value.operation == "CreateDataSetExportTask"
    assert [(e["path"], e["rule"]) for e in nested.value.errors()] == [
        ("exportConfig.dataSets[0].externalLocation", "required")
    ]


def test_codegen_scope_is_the_design_scope() -> None:
    """tools/codegen.py and the emulator list the same 17 operations (the scope in docs/architecture.md)."""
    from export_kit.local import OPERATIONS

    assert dict(codegen().OPERATIONS) == dict(OPERATIONS)
    assert sum(len(ops) for ops in OPERATIONS.values()) == 17


def test_pattern_errors_quote_the_service_pattern() -> None:
    """Messages show the pattern as the AWS documentation spells it, not the translation."""
    from export_kit.errors import RequestValidationError
    from export_kit.models import m2

    with pytest.raises(RequestValidationError) as caught:
        m2.GetDataSetExportTaskRequest(application_id="has space", task_id="t")
    (issue,) = caught.value.errors()
    assert issue == {
        "path": "applicationId",
        "rule": "pattern",
        "message": r"does not match the service pattern ^\S{1,80}$",
    }


@pytest.mark.parametrize("service", SERVICES)
def test_regenerating_the_facade_is_byte_identical(service: str) -> None:
    text = codegen().generate_facade(service)
    on_disk = (ROOT / "src" / "export_kit" / "_facades" / f"{service}.py").read_text()
    assert text == on_disk, (
        f"_facades/{service}.py drifted from tools/codegen.py: run `make codegen`"
    )


def test_generated_models_read_like_hand_written_code() -> None:
    """Docs under each field, aliases only where the wire name is not camelCase, formatted."""
    text = (ROOT / "src" / "export_kit" / "models" / "omics.py").read_text()
    assert '    sequence_store_id: str\n    """The job\'s sequence store ID."""\n' in text
    assert "validation_alias" not in text
    assert "serialization_alias" not in text
    assert "noqa" not in text
    simpledb = (ROOT / "src" / "export_kit" / "models" / "simpledbv2.py").read_text()
    assert "alias=" not in simpledb  # every SimpleDB v2 wire name is the camelCase of its field
    from export_kit.models import omics

    field = omics.ExportReadSetJobDetail.model_fields["sequence_store_id"]
    assert field.description == "The job's sequence store ID."
    assert field.alias == "sequenceStoreId"


def test_generated_modules_pass_ruff_like_any_other_code() -> None:
    generated = [
        *sorted((ROOT / "src" / "export_kit" / "models").glob("[!_]*.py")),
        *sorted((ROOT / "src" / "export_kit" / "_facades").glob("[!_]*.py")),
    ]
    for command in (["check"], ["format", "--check"]):
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "--force-exclude", *map(str, generated)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert "export_kit/models" not in pyproject  # not excluded from lint


def test_model_schemas_are_built_on_first_use() -> None:
    code = (
        "from export_kit.models import omics\n"
        "cls = omics.GetReadSetExportJobRequest\n"
        "before = cls.__pydantic_complete__\n"
        "cls(sequence_store_id='1234567890', id='1234567890')\n"
        "print(before, cls.__pydantic_complete__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False True"


def test_errors_module_imports_nothing_of_ours_at_run_time() -> None:
    """errors.py is a leaf (issue 16): no module-level or function-local export_kit import."""
    import ast

    tree = ast.parse((ROOT / "src" / "export_kit" / "errors.py").read_text())
    type_checking = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    ]
    guarded = {id(inner) for block in type_checking for inner in ast.walk(block)}
    ours = [
        ast.unparse(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and (node.level > 0 or (node.module or "").startswith("export_kit"))
        and id(node) not in guarded
    ]
    assert ours == []
    code = "import sys, export_kit.errors; print(sorted(m for m in sys.modules if m.startswith('export_kit')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['export_kit', 'export_kit.errors']"
