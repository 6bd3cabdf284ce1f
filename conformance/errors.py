"""The suite's own errors: it could not run. Findings about the API under test are not errors.

ConformanceError                 exit 2, one line: the tool could not judge the deployment
├── UsageError                   bad arguments or option combinations
├── ServerUnreachable            nothing answers at the base URL (connection refused, DNS, ...)
├── LoginImpossible              the server answered the login, but refused the given credentials
├── RegistrationUnusable         the given --reg-no has no unsettled bill to test against
├── MockStartError               `--mock` could not start his-mock
└── RecordingUnreadable          `--har FILE` is not valid JSON, not a HAR or journal, or too big

A deployment that answers wrongly produces *findings* (`conformance.results.Finding`, exit 1);
only conditions under which no verdict is possible end up here.
"""

from __future__ import annotations


class ConformanceError(Exception):
    """Root of the suite's own errors; `str(error)` is the one-line reason the CLI prints."""

    exit_code = 2


class UsageError(ConformanceError):
    """The command line asks for something impossible or incomplete."""


class ServerUnreachable(ConformanceError):
    """No HTTP answer at all from the base URL."""


class LoginImpossible(ConformanceError):
    """The deployment refused the given user id and password with a well-formed error envelope."""


class RegistrationUnusable(ConformanceError):
    """The registration named by --reg-no has no unsettled bill (unknown, or already settled)."""


class MockStartError(ConformanceError):
    """`his-mock` did not start (not installed, crashed, or never listened)."""


class BudgetExhausted(Exception):
    """The request budget (--max-requests) is spent; the remaining checks are skipped.

    Not a `ConformanceError`: the run still reports what it checked, with the rest marked skipped.
    """


class ServerStopped(Exception):
    """The server stopped answering (several timeouts in a row); further requests would only hang."""


class RecordingUnreadable(ConformanceError):
    """`--har FILE` is not a readable recording: not JSON, not HAR 1.2 or a his-mock journal, too big."""
