"""The README's Python examples, extracted (not copied) and imported from a real file, as a vendor's
test module would be: a test of an example fails as soon as the README's text stops working."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

README = Path(__file__).resolve().parents[2] / "README.md"


def python_example(heading: str) -> str:
    """The one ```python block of the README section under `heading` (e.g. "## Test your client")."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index(heading) :]
    section = section[: section.index("\n## ", len(heading))]
    [example] = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    return example


def load_module(tmp_path: Path, source: str, name: str) -> ModuleType:
    """Write `source` to `tmp_path/name.py` and import it."""
    path = tmp_path / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
