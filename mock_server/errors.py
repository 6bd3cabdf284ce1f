"""Exceptions of his-mock.

MockError                  root of everything his-mock raises
├── ConfigError            bad command-line settings, a taken port (the CLI exits 2)
├── FixturesError          a fixtures file or an admin upload is unreadable or inconsistent
├── StoreError             the database cannot be opened or used
├── SharedMemoryFull       a document does not fit the memory shared by the workers
├── FaultError             an admin fault request cannot be honoured (unknown kind, bad numbers)
├── ScenarioError          `--scenario NAME` names no scenario
├── ReportUnavailable      `his-mock report` cannot fetch or read a mock's client report (exit 2)
├── SettlementConflict     the database refused a second settlement of a bill (someone was first)
└── ApiError               a HIS call answered with an error envelope (status, msg, msgDev)
    ├── InvalidInput       status 5 入参参数错误
    ├── TokenInvalid       status 1 签名错误
    ├── TokenExpired       status 3 时间过期
    └── BusinessError      status 6 His内部验证错误
"""

from __future__ import annotations


class MockError(Exception):
    """Root of every error raised by `mock_server`."""


class ConfigError(MockError):
    """The command line or the environment asks for something his-mock cannot do."""


class FixturesError(MockError):
    """Fixtures (a file, or registrations sent to the admin API) cannot be used as they are."""


class StoreError(MockError):
    """The database cannot be opened, created or written."""


class SharedMemoryFull(MockError):
    """A document for the memory shared by the worker processes is larger than its fixed size."""


class FaultError(MockError):
    """A fault request that cannot be honoured (unknown operation or kind, bad numbers)."""


class ScenarioError(MockError):
    """A scenario named at start-up does not exist."""


class ReportUnavailable(MockError):
    """The client report of a mock cannot be fetched or read (no mock at the URL, a wrong admin token)."""


class SettlementConflict(MockError):
    """The database refused a second settlement for a bill or a payment (someone else was first)."""


class ApiError(MockError):
    """A HIS call that ends in an error envelope; `msg` is Chinese for people, `msg_dev` for developers."""

    status = 500

    def __init__(self, msg: str, msg_dev: str | None = None, *, status: int | None = None) -> None:
        super().__init__(msg)
        self.msg = msg
        self.msg_dev = msg_dev
        if status is not None:
            self.status = status


class InvalidInput(ApiError):
    """Status 5: the request body, its content type or one of its fields is not what the spec says.

    `binding` marks errors a stock ASP.NET Core deployment raises while binding the JSON body to its
    model (unreadable JSON, a value of the wrong JSON type): the aspnet flavor answers those with a
    400 ProblemDetails instead of an envelope. `field` is the JSON path of the offending field.
    """

    status = 5

    def __init__(
        self, msg: str, msg_dev: str | None = None, *, binding: bool = False, field: str = "$"
    ) -> None:
        super().__init__(msg, msg_dev)
        self.binding = binding
        self.field = field


class TokenInvalid(ApiError):
    """Status 1: no bearer token, or one that is malformed, tampered, unsigned or from another issuer."""

    status = 1


class TokenExpired(ApiError):
    """Status 3: the bearer token's `exp` has passed."""

    status = 3


class BusinessError(ApiError):
    """Status 6: a well-formed request the HIS refuses (wrong password, unknown bill, money mismatch)."""

    status = 6
