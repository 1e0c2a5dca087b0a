"""Shared helpers of the soak tests: services, fault mixes and valid start arguments."""

from __future__ import annotations

import uuid
from typing import Any

from botocore.config import Config

from export_kit import ExportStatus, PollPolicy
from export_kit.local import FaultConfig

SERVICES = ("m2", "personalize", "discovery", "simpledbv2", "omics")
ROLE = "arn:aws:iam::123456789012:role/Soak"

FAULTS = FaultConfig(
    throttle_rate=0.10,
    error_rate=0.05,
    drop_rate=0.02,
    lose_rate=0.01,
    latency_rate=0.05,
    latency=0.01,
)
# Discovery's StartExportTask has no client token in the API: a lost answer retried by
# anyone (botocore included) starts a second export, so nothing client-side can prevent
# a duplicate there.  Every other fault still applies to it.
DISCOVERY_START_FAULTS = FaultConfig(
    throttle_rate=0.10, error_rate=0.05, drop_rate=0.02, latency_rate=0.05, latency=0.01
)
# Enough attempts that a start survives several faults in a row; the waiter retries
# polling errors itself within its deadline.
RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 8}, max_pool_connections=32)
POLL = PollPolicy(min_delay=0.05, max_delay=0.4)


def scripted_outcome(index: int, service: str) -> ExportStatus:
    if index % 7 == 3:
        return ExportStatus.FAILED
    if service == "omics" and index % 11 == 4:
        return ExportStatus.CANCELLED
    if service == "omics" and index % 13 == 5:
        return ExportStatus.PARTIAL
    return ExportStatus.SUCCEEDED


def start_kwargs(index: int, service: str) -> dict[str, Any]:
    token = str(uuid.uuid4())  # one per logical start: our own retries below reuse it
    if service == "m2":
        return {
            "application_id": f"app-{index % 3}",
            "client_token": token,
            "export_config": {"s3_location": f"s3://soak/m2/{index}/"},
        }
    if service == "personalize":
        return {
            "job_name": f"soak-{index}",  # Personalize's idempotency: a unique job name
            "dataset_arn": f"arn:aws:personalize:us-east-1:123456789012:dataset/g/D{index % 3}",
            "role_arn": ROLE,
            "job_output": {"s3_data_destination": {"path": f"s3://soak/p/{index}/"}},
        }
    if service == "discovery":
        return {}
    if service == "simpledbv2":
        return {
            "domain_name": f"domain-{index % 3}",
            "s3_bucket": "soak-bucket",
            "s3_key_prefix": f"sdb/{index}/",
            "client_token": token,
        }
    return {
        "sequence_store_id": f"{1000000000 + index % 3}",
        "destination": f"s3://soak/omics/{index}/",
        "role_arn": ROLE,
        "client_token": token,
        "sources": [{"read_set_id": "9876543210"}],
    }
