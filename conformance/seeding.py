"""Hypothesis draws that depend on the seed alone, and leave nothing in the current folder.

Hypothesis mixes literals collected from every *local* module loaded in the process (anything
not in site-packages) into what it draws, and caches them under `.hypothesis/` in the current
folder. So the same seed would draw other cases when the kit is installed editable, or when a
vendor's conftest is loaded, and every run would leave a folder behind. `hypothesis_isolated`
switches both off for the duration of a draw (for the fuzzer; `his-cases` can use it too).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import configuration as hypothesis_configuration
from hypothesis.internal.conjecture import providers as hypothesis_providers


@contextlib.contextmanager
def hypothesis_isolated() -> Iterator[None]:
    """No local constants in the draws, and Hypothesis' storage in a per-user cache folder (unless
    HYPOTHESIS_STORAGE_DIRECTORY names one); both restored afterwards."""
    providers: Any = hypothesis_providers  # private API: used only if it is still there
    previous_home = getattr(hypothesis_configuration, "__hypothesis_home_directory", None)
    if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        hypothesis_configuration.set_hypothesis_home_dir(user_cache_dir() / "hypothesis")
    original = getattr(providers, "_get_local_constants", None)
    patched = (
        original is not None and hasattr(providers, "Constants") and hasattr(providers, "CONSTANTS_CACHE")
    )
    if patched:
        empty = providers.Constants()
        providers._get_local_constants = lambda: empty
        providers.CONSTANTS_CACHE.cache.clear()
    try:
        yield
    finally:
        if patched:
            providers._get_local_constants = original
            providers.CONSTANTS_CACHE.cache.clear()
        hypothesis_configuration.set_hypothesis_home_dir(previous_home)


def user_cache_dir() -> Path:
    """The per-user cache folder of the kit (XDG_CACHE_HOME, else ~/.cache)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "his-conformance"
