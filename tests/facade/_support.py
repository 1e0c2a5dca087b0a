"""Constants shared by the facade tests: valid start arguments per service and ids."""

from __future__ import annotations

from typing import Any

from botocore.config import Config

#: One attempt only: error tests must see the first failure, not botocore's retries.
NO_RETRIES = Config(retries={"total_max_attempts": 1})

STORE = "1234567890"
READ_SET = "9876543210"
ROLE = "arn:aws:iam::123456789012:role/Export"
DATASET_ARN = "arn:aws:personalize:us-east-1:123456789012:dataset/group/INTERACTIONS"
APP = "app-1"

#: Valid keyword arguments (snake_case) for each start/create operation.
START_KWARGS: dict[str, dict[str, Any]] = {
    "m2": {
        "application_id": APP,
        "export_config": {
            "data_sets": [
                {"dataset_name": "SYS1.DATA", "external_location": {"s3_location": "s3://b/x"}}
            ]
        },
    },
    "personalize": {
        "job_name": "job-1",
        "dataset_arn": DATASET_ARN,
        "role_arn": ROLE,
        "job_output": {"s3_data_destination": {"path": "s3://bucket/out/"}},
    },
    "discovery": {},
    "simpledbv2": {"domain_name": "domain-1", "s3_bucket": "bucket-1"},
    "omics": {
        "sequence_store_id": STORE,
        "destination": "s3://bucket/out/",
        "role_arn": ROLE,
        "sources": [{"read_set_id": READ_SET}],
    },
}
