"""Benchmark of the stub beside a bare-Flask floor: `python bench/run.py`."""
