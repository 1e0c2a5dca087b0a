"""Benchmark 3: import cost in fresh processes, against ``import aiobotocore.session``.

Runs are interleaved so machine noise hits both sides alike.  Goal: <= 1.15x
for ``from export_kit import ExportKit`` (which needs aiobotocore anyway).

    python -m benchmarks.import_time [--quick]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from benchmarks._stats import Sample, machine, sample

CASES = {
    "import aiobotocore.session (baseline)": "import aiobotocore.session",
    "import export_kit": "import export_kit",
    "from export_kit import ExportKit": "from export_kit import ExportKit",
    "from export_kit.models import omics": "from export_kit.models import omics",
}


def run_once(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return (time.perf_counter() - start) * 1000


def measure(repeats: int) -> dict[str, Sample]:
    empty = [run_once("pass") for _ in range(repeats)]
    times: dict[str, list[float]] = {label: [] for label in CASES}
    for _ in range(repeats):
        for label, code in CASES.items():
            times[label].append(run_once(code))
    startup = sample(empty).median
    return {label: sample([t - startup for t in runs]) for label, runs in times.items()}


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny run for smoke tests")
    args = parser.parse_args(argv)
    results = measure(2 if args.quick else 15)
    base = results["import aiobotocore.session (baseline)"].median
    lines = ["| import | ms (interpreter start-up subtracted) | ratio |", "|---|---|---|"]
    for label, value in results.items():
        lines.append(f"| {label} | {value} | {value.median / base:.2f}x |")
    report = "\n".join([f"Machine: {machine()}", "", *lines])
    print(report)
    return report


if __name__ == "__main__":
    main()
