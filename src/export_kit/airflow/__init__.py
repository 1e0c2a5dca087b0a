"""Apache Airflow operators for export jobs (``pip install 'export-kit[airflow]'``).

``ExportOperator`` starts an export from a task with a client token derived from the task
instance (Airflow retries never start a second export) and defers to
``ExportJobTrigger``; every trigger in one triggerer process with the same kit settings
shares one ``ExportKit``, so their waits are polled together in batches.  Nothing in
``export_kit`` imports this module.  See docs/airflow.md.
"""

from ._operator import ExportOperator, idempotency_key
from ._trigger import ExportJobTrigger

__all__ = ["ExportJobTrigger", "ExportOperator", "idempotency_key"]
