"""A catalogue of correct HIS servers with legitimate quirks: each must pass (exit 0, no false alarm).

The counterpart of `tests.conformance.broken`: every module is a small server built on
`broken.base.CorrectHis` that answers one point differently from the reference, in a way
CONTRACT.md (or DOMAIN.md) calls correct. Each declares `PROFILE` (strict, or lenient for an
ASP.NET-style quirk) and `ADVICE`: the rules on which the kit may advise (and, where the quirk
is a reading the kit does not recommend, must: the advice shows the probe ran).
"""
