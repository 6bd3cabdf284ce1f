"""What a run is pointed at: the user's options checked once, for the command line and the pytest entry.

`open_target` turns the options into a `Target`: the URL of a deployment with its credentials
(from the options or the `HIS_*` environment variables), or a freshly started his-mock with its
demo data. Every option error is a `UsageError` (exit 2, one line), raised before anything is sent.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from conformance.errors import UsageError
from conformance.http import normalised_path
from conformance.mockrun import (
    FLAVOR_BY_PROFILE,
    MOCK_CARD_NO,
    MOCK_PASSWORD,
    MOCK_REG_NO,
    MOCK_USER_ID,
    RunningMock,
    running_mock,
)
from his_contract import load_spec

ENV_USER_ID, ENV_PASSWORD, ENV_EXPIRED_TOKEN = "HIS_USER_ID", "HIS_PASSWORD", "HIS_EXPIRED_TOKEN"


@dataclass(slots=True, frozen=True)
class Target:
    """What the user pointed the suite at (secrets included: never printed as is)."""

    base_url: str
    user_id: str
    password: str
    reg_no: str
    card_no: str | None
    expired_token: str | None
    allow_settlement: bool


@dataclass(slots=True, frozen=True, kw_only=True)
class Options:
    """The target options exactly as given on the command line (None: not given there).

    `flag` is how the caller spells its options (`--` for his-conformance, `--his-` for the
    pytest entry), so that an error names the option the user actually typed.
    """

    base_url: str | None = None
    mock: bool = False
    user_id: str | None = None
    password: str | None = None
    reg_no: str | None = None
    card_no: str | None = None
    expired_token: str | None = None
    allow_settlement: bool = False
    flag: str = "--"

    @classmethod
    def from_values(cls, values: Mapping[str, Any], *, flag: str) -> Options:
        """The target options out of `conformance.options.option_values`."""
        return cls(
            base_url=values["base_url"],
            mock=values["mock"],
            user_id=values["user_id"],
            password=values["password"],
            reg_no=values["reg_no"],
            card_no=values["card_no"],
            expired_token=values["expired_token"],
            allow_settlement=values["allow_settlement"],
            flag=flag,
        )


@contextlib.contextmanager
def open_target(
    options: Options,
    profile_name: str,
    progress: Callable[[str], None],
    environ: Mapping[str, str] = os.environ,
) -> Iterator[Target]:
    """The target of the run; with `mock`, his-mock runs for the duration of the block."""
    if not options.mock:
        yield make_target(options, environ=environ)
        return
    if options.base_url:
        raise UsageError(
            f"{options.flag}mock and {options.flag}base-url exclude each other:"
            f" {options.flag}mock starts its own server"
        )
    progress(f"starting his-mock ({FLAVOR_BY_PROFILE[profile_name]} flavor) ...")
    with running_mock(profile_name) as server:
        progress(f"his-mock listening on {server.base_url}")
        yield make_target(options, mock=server)


def make_target(
    options: Options, *, mock: RunningMock | None = None, environ: Mapping[str, str] = os.environ
) -> Target:
    """The checked target: of the running mock (its demo data), or of `options.base_url`.

    For the mock only what the command line names explicitly replaces the demo data: `HIS_*`
    variables are meant for a real deployment (a CI job's kiosk account), not for his-mock.
    """
    if mock is not None:
        return Target(
            base_url=mock.base_url,
            user_id=options.user_id or MOCK_USER_ID,
            password=options.password or MOCK_PASSWORD,
            reg_no=options.reg_no or MOCK_REG_NO,
            card_no=options.card_no or MOCK_CARD_NO,
            expired_token=options.expired_token or mock.expired_token,
            allow_settlement=True,
        )
    flag = options.flag
    user_id = options.user_id or environ.get(ENV_USER_ID) or None
    password = options.password or environ.get(ENV_PASSWORD) or None
    missing = [
        name
        for name, value in (
            (f"{flag}base-url", options.base_url),
            (f"{flag}user-id (or {ENV_USER_ID})", user_id),
            (f"{flag}password (or {ENV_PASSWORD})", password),
            (f"{flag}reg-no", options.reg_no),
        )
        if not value
    ]
    if missing:
        raise UsageError(f"missing {', '.join(missing)} (or use {flag}mock to check his-mock)")
    assert options.base_url and user_id and password and options.reg_no
    if options.allow_settlement and not options.card_no:
        raise UsageError(
            f"{flag}allow-settlement needs {flag}card-no: the card of the patient of {flag}reg-no"
        )
    return Target(
        base_url=check_base_url(options.base_url, f"{flag}base-url"),
        user_id=user_id,
        password=password,
        reg_no=options.reg_no,
        card_no=options.card_no,
        expired_token=options.expired_token or environ.get(ENV_EXPIRED_TOKEN) or None,
        allow_settlement=options.allow_settlement,
    )


def check_base_url(url: str, option: str = "--base-url") -> str:
    """`url` without a trailing slash, or a `UsageError` if it is not the root of a deployment.

    The operations' paths are appended to it, so it names an http(s) host and port and at most
    a path prefix: a query, a fragment, credentials or a documented operation's path would
    send every request (the login with the real password too) somewhere else than intended.
    """
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"{option} must start with http:// or https://, got {url!r}")
    try:
        parts = urlsplit(url)
        port = parts.port  # parsed lazily: an out-of-range or non-numeric port raises only here
    except ValueError as error:
        raise UsageError(f"{option} {url!r} is not a valid URL: {error}") from None
    if not parts.hostname:
        raise UsageError(f"{option} {url!r} names no host")
    if port == 0:
        raise UsageError(f"{option} {url!r}: port 0 is not a port a server listens on")
    if parts.username is not None or "@" in parts.netloc:
        raise UsageError(f"{option} must not carry credentials: use {option[:-8]}user-id and password")
    if parts.query or url.rstrip("/").endswith("?"):
        raise UsageError(f"{option} {url!r} has a query: give the root URL only, e.g. http://host:port")
    if parts.fragment or "#" in url:
        raise UsageError(f"{option} {url!r} has a fragment: give the root URL only, e.g. http://host:port")
    path = normalised_path(parts.path)
    for operation in load_spec().operations.values():
        documented = normalised_path(operation.path)  # the alias of the document's title too
        if documented in path:
            raise UsageError(
                f"{option} {url!r} contains the path of an operation ({operation.path}):"
                " give the root URL the operations are under, e.g. http://host:port"
            )
    return url.rstrip("/")
