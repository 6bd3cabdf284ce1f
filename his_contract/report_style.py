"""The stylesheet of the kit's HTML reports (the suite's `--report` page, his-mock's client report).

One look for both pages; each is a self-contained file, so the CSS is inlined, not linked.
"""

from __future__ import annotations

REPORT_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;
margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1f2328}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem}
.verdict{padding:.8rem 1rem;border-radius:6px;font-weight:600;margin:1rem 0}
.verdict.fail{background:#ffebe9;border:1px solid #cf222e}
.verdict.pass{background:#dafbe1;border:1px solid #1a7f37}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #d0d7de;vertical-align:top}
th{background:#f6f8fa}
.badge{display:inline-block;min-width:4.2rem;text-align:center;border-radius:1rem;padding:0 .5rem;
font-size:.8rem;font-weight:600}
.passed{background:#dafbe1;color:#1a7f37}.failed{background:#ffebe9;color:#cf222e}
.advice{background:#fff8c5;color:#9a6700}.skipped{background:#eaeef2;color:#57606a}
.meta td:first-child{color:#57606a;width:12rem}
details{border:1px solid #d0d7de;border-radius:6px;margin:.6rem 0;padding:.4rem .8rem}
summary{cursor:pointer;font-weight:600}
pre{background:#f6f8fa;padding:.6rem;border-radius:4px;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
.label{color:#57606a;font-size:.85rem;margin-top:.6rem}
"""
