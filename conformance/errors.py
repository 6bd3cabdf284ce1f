"""Every exception of the suite, in one tree (httpx `_exceptions.py` style).

ConformanceError                 exit 2, one line: the tool could not judge the deployment
├── UsageError                   bad arguments or option combinations
├── ServerUnreachable            nothing answers at the base URL (connection refused, DNS, ...)
├── LoginImpossible              the server answered the login, but refused the given credentials
├── RegistrationUnusable         the given --reg-no has no unsettled bill to test against
├── MockStartError               `--mock` could not start his-mock
├── CasesError                   his-cases: bad arguments, or no usable his-mock for `load`
└── RecordingUnreadable          `--har FILE` is not valid JSON, not a HAR or journal, or too big

RunStopped                       not an error: the run ends early and still reports what it checked,
├── BudgetExhausted              the request budget (--max-requests) is spent
├── RunTimeUp                    the run's time limit (--max-time) is reached
├── ServerStopped                several timeouts in a row: further requests would only hang
├── RunAborted                   nothing further can be checked (no token from the login ...)
└── RaceFailed                   SET-7's requests could not be released together (threads stuck)

ForbiddenRequest                a bug guard: a planner asked for a URL the run may not request
                                 (the settlement without --allow-settlement); never the server's doing

UnsendableRequest                one request cannot be put on the wire (a generated header value
                                 HTTP cannot carry): the sender skips that request, nothing more

A deployment that answers wrongly produces *findings* (`conformance.findings.Finding`, exit 1);
only conditions under which no verdict is possible end up under `ConformanceError`.
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


class CasesError(ConformanceError):
    """`his-cases` was asked for something it cannot produce or check."""


class RunStopped(Exception):
    """The run ends early; the rules not reached are reported skipped with this message as the reason.

    Not a `ConformanceError`: a stopped run still has a verdict on everything it checked.
    """


class BudgetExhausted(RunStopped):
    """The request budget (--max-requests) is spent; the remaining checks are skipped."""


class RunTimeUp(RunStopped):
    """The run's time limit (--max-time) is reached; the run reports what it checked until then."""


class ServerStopped(RunStopped):
    """The server stopped answering (several timeouts in a row); further requests would only hang."""


class RunAborted(RunStopped):
    """Nothing further can be checked (no token, the server fell silent); the message says why."""


class RaceFailed(RunStopped):
    """The threads of SET-7's race could not be lined up or did not finish: the run cannot go on."""


class UnsendableRequest(Exception):
    """The request cannot be put on the wire (e.g. a generated header value HTTP cannot carry)."""


class RecordingUnreadable(ConformanceError):
    """`--har FILE` is not a readable recording: not JSON, not HAR 1.2 or a his-mock journal, too big."""


class ForbiddenRequest(RuntimeError):
    """A request the run was not allowed to send (a bug in a planner, never the server's doing)."""
