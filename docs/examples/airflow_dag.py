"""A DAG with one export per service, run once against the emulator (docs/airflow.md).

``python docs/examples/airflow_dag.py`` starts an emulator, points the ``aws_exports``
connection at it and runs the DAG with ``dag.test()`` in a throwaway AIRFLOW_HOME.  In a
deployment, the file goes in your DAGs folder as it is, minus the two ``__main__`` blocks.
"""

import os
import tempfile

if __name__ == "__main__":  # a throwaway Airflow home, set before Airflow is imported
    HOME = tempfile.mkdtemp(prefix="airflow-example-")
    os.environ.update(
        AIRFLOW_HOME=HOME,
        AIRFLOW__CORE__DAGS_FOLDER=os.path.join(HOME, "dags"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
    )

import datetime
from typing import Any

from airflow.sdk import DAG, task

from export_kit import PollPolicy
from export_kit.airflow import ExportOperator
from export_kit.models import omics

ROLE = "arn:aws:iam::123456789012:role/Export"
#: The emulator's jobs take a second; against AWS, leave ``poll`` out (each service's default).
POLL = PollPolicy(min_delay=0.2, max_delay=1.0)

with DAG(
    "nightly_exports",
    schedule="@daily",
    start_date=datetime.datetime(2025, 1, 1),
    catchup=False,
    default_args={"aws_conn_id": "aws_exports", "poll": POLL},
) as dag:
    m2 = ExportOperator(
        task_id="m2_data_sets",
        service="m2",
        request={"application_id": "app-1", "export_config": {"s3_location": "s3://out/m2/"}},
    )
    personalize = ExportOperator(
        task_id="personalize_interactions",
        service="personalize",
        request={  # no job_name: one is derived from the task instance
            "dataset_arn": "arn:aws:personalize:us-east-1:123456789012:dataset/shop/INTERACTIONS",
            "role_arn": ROLE,
            "job_output": {"s3_data_destination": {"path": "s3://out/personalize/{{ ds }}/"}},
        },
    )
    discovery = ExportOperator(task_id="discovery_inventory", service="discovery", request={})
    simpledbv2 = ExportOperator(
        task_id="simpledb_orders",
        service="simpledbv2",
        request={"domain_name": "orders", "s3_bucket": "out", "s3_key_prefix": "sdb/{{ ds }}"},
        timeout=datetime.timedelta(hours=2),
    )
    omics_reads = ExportOperator(
        task_id="omics_read_sets",
        request=omics.StartReadSetExportJobRequest(
            sequence_store_id="1234567890",
            destination="s3://out/omics/",
            role_arn=ROLE,
            sources=[omics.ExportReadSet(read_set_id="9876543210")],
        ),
    )

    @task
    def manifest(descriptions: list[dict[str, Any]]) -> int:
        """Each export's final description arrives as its task's XCom (JSON, wire names)."""
        for description in descriptions:
            print(sorted(description))
        return len(descriptions)

    # At parse time each ``.output`` is an XComArg; Airflow passes the values at run time.
    outputs: list[Any] = [
        m2.output,
        personalize.output,
        discovery.output,
        simpledbv2.output,
        omics_reads.output,
    ]
    manifest(outputs)


if __name__ == "__main__":
    import json
    import shutil

    from airflow.utils import db

    from export_kit.local import Emulator

    home = os.environ["AIRFLOW_HOME"]  # the throwaway home made at the top
    shutil.copytree(
        os.path.dirname(os.path.abspath(__file__)),
        os.path.join(home, "dags"),
        ignore=lambda d, names: [n for n in names if n != os.path.basename(__file__)],
    )
    db.initdb()  # pyright: ignore[reportUnknownMemberType]  (airflow.utils.db is untyped)
    with Emulator(job_duration=1) as emu:
        kit = emu.kit_kwargs()
        os.environ["AIRFLOW_CONN_AWS_EXPORTS"] = json.dumps(
            {
                "conn_type": "aws",
                "login": kit["aws_access_key_id"],
                "password": kit["aws_secret_access_key"],
                "extra": {"region_name": kit["region_name"], "endpoint_url": kit["endpoint_url"]},
            }
        )
        run = dag.test()  # pyright: ignore[reportUnknownMemberType]
        print("run:", run.state)
        for service in ("m2", "personalize", "discovery", "simpledbv2", "omics"):
            print(service, [emu.status(service, job) for job in emu.job_ids(service)])
    shutil.rmtree(home)
