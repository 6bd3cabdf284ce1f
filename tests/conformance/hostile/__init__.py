"""Hostile HIS servers: each answers the login correctly, then misbehaves below or around HTTP.

Each module serves one (`python -m tests.conformance.hostile.NAME --port P [--password PW]`) and
says what a run against it must show: `EXPECTED` (rules in the JUnit XML), `EXIT` (1 for findings,
2 where the suite cannot run), `DEADLINE` (seconds the whole run must end within), `EXTRA_ARGS`.
"""
