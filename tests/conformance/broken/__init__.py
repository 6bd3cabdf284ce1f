"""A catalogue of deliberately broken HIS servers: each module breaks exactly one rule.

Every module is a small, independent server (run as `python -m tests.conformance.broken.NAME
--port P`) built on `base.CorrectHis`, a minimal HIS that keeps the whole contract; each one
overrides the one behaviour it breaks and declares `EXPECTED` (the rule id the suite must
report) and, where the rule needs it, `EXTRA_ARGS` for the his-conformance command line.
"""
