"""AUTH-6: tokens are signed with a key the vendor ships in every installation (found via --jwt-key-list)."""

from __future__ import annotations

from pathlib import Path

from tests.conformance.broken.base import CorrectHis, expired_token, serve_forever

EXPECTED = "AUTH-6"
ALSO_FAILS: tuple[str, ...] = ()  # fails exactly its rule
KEY = "GuangzhouHis@2021#InstallerDefault"
KEY_LIST = Path(__file__).with_name("vendor_keys.txt")
EXTRA_ARGS = ["--expired-token", expired_token(KEY), "--jwt-key-list", str(KEY_LIST)]


class VendorKey(CorrectHis):
    signing_key = KEY


if __name__ == "__main__":
    serve_forever(VendorKey)
