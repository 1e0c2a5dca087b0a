"""Fixtures for the Airflow tests: a throwaway AIRFLOW_HOME, its SQLite metadata DB, and
real-clock emulators served from a thread (Airflow's worker side is sync code).

Airflow reads its configuration when first imported, so the environment is set here, at
collection, before any test module imports it; nothing is written under the user's home.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

_HOME = tempfile.mkdtemp(prefix="export-kit-airflow-")
os.environ.update(
    {
        "AIRFLOW_HOME": _HOME,
        "AIRFLOW__CORE__DAGS_FOLDER": os.path.join(_HOME, "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_HOME}/airflow.db",
    }
)
os.makedirs(os.path.join(_HOME, "dags"))

import pytest  # noqa: E402  (after the environment above)

from export_kit.local import Emulator  # noqa: E402

from ._support import CONN_ID, connection_env  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def airflow_home() -> Iterator[str]:
    """The AIRFLOW_HOME of this test session; removed at the end."""
    yield _HOME
    shutil.rmtree(_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def airflow_db(airflow_home: str) -> str:
    """A migrated SQLite metadata DB (``dag.test()`` needs one)."""
    from airflow.utils import db

    db.initdb()
    return airflow_home


@pytest.fixture
def anyio_backend() -> str:
    """The triggerer runs triggers on asyncio."""
    return "asyncio"


@pytest.fixture
def emu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """A real-clock emulator (jobs take 0.5 s) served from a thread."""
    data_dir = tmp_path_factory.mktemp("emulator-data")
    with Emulator(job_duration=0.5, data_dir=data_dir) as emu:
        yield emu


@pytest.fixture
def connection(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> str:
    """An Airflow connection (from the environment) holding the emulator's settings."""
    monkeypatch.setenv(*connection_env(emu))
    return CONN_ID
