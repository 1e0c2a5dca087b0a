"""Reproducible benchmarks: every figure is a ratio against a baseline measured in the same run.

``make bench`` (``python -m benchmarks``) runs them all; ``tests/test_benchmarks.py``
runs each one in a tiny ``--quick`` mode so they never rot.
"""
