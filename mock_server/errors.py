"""Exceptions of his-mock.

MockError                  root of everything his-mock raises
├── ConfigError            bad command-line settings, a taken port (the CLI exits 2)
├── FixturesError          a fixtures file or an admin upload is unreadable or inconsistent
├── StoreError             the database cannot be opened or used
│   ├── SchemaMismatch     the database holds another schema version of his-mock's tables
│   └── SettlementConflict the database refused a second settlement of a bill or a payment
├── FaultError             a fault request that cannot be honoured (admin API, HTTP 400)
├── ReportUnavailable      `his-mock report` cannot fetch or read a mock's client report (exit 2)
└── ApiError               a HIS call answered with an error envelope (status, msg, msgDev)
    ├── InvalidInput       status 5 入参参数错误
    │   └── RoutingError   status 5 for a path or method the spec does not have (HTTP 404/405)
    ├── TokenInvalid       status 1 签名错误
    ├── TokenExpired       status 3 时间过期
    ├── BusinessError      status 6 His内部验证错误
    ├── UpstreamUnreachable status 2 His内部错误: `--proxy`'s real HIS gave no answer (HTTP 502)
    └── InternalError      status 500 未知错误: a bug of his-mock, wherever it surfaced (HTTP 500)

`HTTP_STATUS` below is the one table from error to HTTP status (the envelope status is the
exception's own); every envelope the mock answers is looked up there, by `http_status`.
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


class SchemaMismatch(StoreError):
    """The database was made by another version of his-mock's schema: refused, never migrated silently."""


class SettlementConflict(StoreError):
    """The database refused a second settlement for a bill or a payment (someone else was first)."""


class FaultError(MockError):
    """A fault request that cannot be honoured (unknown operation or kind, bad numbers, a full board)."""


class ReportUnavailable(MockError):
    """The client report of a mock cannot be fetched or read (no mock at the URL, a wrong admin token)."""


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


class RoutingError(InvalidInput):
    """Status 5 for a request the routes cannot take: `http` is the HTTP status (404, 405, ...)."""

    def __init__(self, msg: str, msg_dev: str | None = None, *, http: int, allow: str = "") -> None:
        super().__init__(msg, msg_dev, binding=True)
        self.http = http
        self.allow = allow


class TokenInvalid(ApiError):
    """Status 1: no bearer token, or one that is malformed, tampered, unsigned or from another issuer."""

    status = 1


class TokenExpired(ApiError):
    """Status 3: the bearer token's `exp` has passed."""

    status = 3


class BusinessError(ApiError):
    """Status 6: a well-formed request the HIS refuses (wrong password, unknown bill, money mismatch)."""

    status = 6


class UpstreamUnreachable(ApiError):
    """Status 2 His内部错误 with HTTP 502: in proxy mode, the real HIS did not answer (refused, timed out)."""

    status = 2

    @classmethod
    def because(cls, detail: str) -> UpstreamUnreachable:
        return cls("His内部错误：无法连接上游 HIS", f"his-mock --proxy: {detail}")


class InternalError(ApiError):
    """Status 500 未知错误: an exception his-mock did not expect, inside a HIS operation or outside one."""

    status = 500

    @classmethod
    def of(cls, exc: BaseException) -> InternalError:
        # The class name only: an exception's text may echo a client's input or a secret.
        return cls("未知错误：HIS 模拟服务内部异常", f"internal error: {exc.__class__.__name__}")


# The error-to-response table (openapi-core's OPENAPI_ERROR_STATUS): the HTTP status of each kind of
# error envelope in the document's flavor, most specific class first. The document answers every
# call with HTTP 200; a bug of the mock is HTTP 500 (with the envelope), wherever it happens. The
# aspnet flavor changes only what DOMAIN.md records of ASP.NET Core (401 for token errors, a 400
# ProblemDetails for bodies that cannot be bound; mock_server.flavors).
HTTP_STATUS: dict[type[ApiError], int] = {
    InternalError: 500,
    UpstreamUnreachable: 502,
    InvalidInput: 200,
    TokenInvalid: 200,
    TokenExpired: 200,
    BusinessError: 200,
    ApiError: 200,  # an injected fault's status, or any other envelope
}


def http_status(error: ApiError) -> int:
    """The HTTP status that answers `error` (its own for a `RoutingError`)."""
    if isinstance(error, RoutingError):
        return error.http
    for kind in type(error).__mro__:
        if kind in HTTP_STATUS:
            return HTTP_STATUS[kind]
    return 200
