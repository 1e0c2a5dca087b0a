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
