from __future__ import annotations

import pytest

from his_contract import Spec, load_spec


@pytest.fixture(scope="session")
def spec() -> Spec:
    return load_spec()
