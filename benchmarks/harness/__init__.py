"""The benchmark harness: tools, servers, load runs, memory sampling, summary and chart.

`benchmarks/run.py` drives it. Nothing here is part of the installed kit or of the test suite.
"""
