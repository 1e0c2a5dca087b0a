"""The public API is declared once in ``export_kit.__all__`` and every name resolves."""

from __future__ import annotations

import subprocess
import sys

import export_kit


def test_every_public_name_resolves() -> None:
    for name in export_kit.__all__:
        assert getattr(export_kit, name) is not None, name
    assert sorted(dir(export_kit)) == sorted(export_kit.__all__)


def test_design_error_tree() -> None:
    ek = export_kit
    for cls in (
        ek.RequestValidationError,
        ek.ServiceError,
        ek.ConfigurationError,
        ek.ResponseError,
        ek.TransportError,
        ek.ExportFailed,
        ek.WaitTimeout,
    ):
        assert issubclass(cls, ek.ExportKitError)
    for cls in (
        ek.NotFoundError,
        ek.ConflictError,
        ek.ThrottlingError,
        ek.QuotaExceededError,
        ek.AccessDeniedError,
        ek.InvalidRequestError,
        ek.ServerError,
    ):
        assert issubclass(cls, ek.ServiceError)
    assert issubclass(ek.CredentialsError, ek.ConfigurationError)
    assert issubclass(ek.RequestValidationError, ValueError)
    assert issubclass(ek.WaitTimeout, TimeoutError)
    assert issubclass(ek.WaitAllTimeout, ek.WaitTimeout)


def test_import_export_kit_loads_no_models_and_no_aiobotocore() -> None:
    code = (
        "import sys, export_kit\n"
        "heavy = [m for m in sys.modules if m.startswith(('aiobotocore', 'export_kit.models.',"
        " 'export_kit.local'))]\n"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_all_is_exactly_the_eager_and_the_lazy_imports() -> None:
    """``__all__``, the eager imports and the ``TYPE_CHECKING`` block name the same things."""
    import ast
    from pathlib import Path

    tree = ast.parse(Path(export_kit.__file__).read_text(encoding="utf-8"))
    eager = {
        alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module != "__future__"
        for alias in node.names
        if node.module not in {"typing"}
    }
    lazy = set(export_kit._lazy_names())  # pyright: ignore[reportPrivateUsage]
    assert eager.isdisjoint(lazy)
    assert sorted(export_kit.__all__) == sorted(eager | lazy | {"__version__"})


def test_lazy_names_resolve_to_their_declared_modules() -> None:
    code = (
        "import export_kit\n"
        "from export_kit._kit import ExportKit\n"
        "from export_kit.jobs import ExportJob\n"
        "assert export_kit.ExportKit is ExportKit and export_kit.ExportJob is ExportJob\n"
        "import export_kit.local, export_kit.models\n"
        "assert export_kit.local is export_kit.local and export_kit.models.SERVICES\n"
        "print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"


def test_export_kit_class_loads_no_pydantic_and_no_model() -> None:
    """A process that only builds an ExportKit pays for aiobotocore, not for pydantic."""
    code = (
        "import sys\n"
        "from export_kit import ExportKit\n"
        "ExportKit(region_name='us-east-1')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic'"
        " or m.startswith('export_kit.models.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
