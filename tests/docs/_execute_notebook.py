"""Execute a notebook with nbclient in this interpreter's ipykernel: ``python THIS IN OUT``.

Run as a subprocess by ``test_notebook.py`` so the kernel's ZeroMQ sockets live and die
outside the pytest process.  The kernel is this very interpreter running
``ipykernel_launcher``, from a kernelspec written to a temporary directory, so neither a
user-installed kernelspec nor stdin is needed (a clean CI machine works).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

KERNEL = "export-kit-docs-python3"

_nbformat: Any = nbformat  # its functions are untyped


def main(source: Path, target: Path) -> None:
    notebook = _nbformat.read(source, as_version=4)
    with tempfile.TemporaryDirectory() as kernels:
        spec_dir = Path(kernels) / KERNEL
        spec_dir.mkdir()
        spec = {
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (export_kit venv)",
            "language": "python",
        }
        (spec_dir / "kernel.json").write_text(json.dumps(spec))
        manager = KernelManager(
            kernel_name=KERNEL, kernel_spec_manager=KernelSpecManager(kernel_dirs=[kernels])
        )
        client = NotebookClient(
            notebook,
            km=manager,
            timeout=120,
            startup_timeout=60,
            allow_errors=False,
            resources={"metadata": {"path": str(target.parent)}},
        )
        client.execute()
    _nbformat.write(notebook, target)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
