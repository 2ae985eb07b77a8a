"""No import cycle between our modules (scripts/import_cycles.py), and that it finds one."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "import_cycles", ROOT / "scripts/import_cycles.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_lazy_or_relative_import_cycle_is_found(tmp_path: Path) -> None:
    tool = _tool()
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "cli.py").write_text("from pkg.sub import evaluate\n")
    # The old kakekomi_bot shape: a helper imported from the CLI inside a function.
    (package / "sub" / "evaluate.py").write_text(
        "def run():\n    from ..cli import rasa_env\n    return rasa_env\n"
    )
    (package / "alone.py").write_text("from . import cli\n")
    edges = tool.graph({"pkg": tmp_path})
    assert edges["pkg.alone"] == {"pkg", "pkg.cli"}
    assert tool.cycles(edges) == [["pkg.cli", "pkg.sub.evaluate"]]


def test_no_package_of_ours_has_a_cycle() -> None:
    tool = _tool()
    edges = tool.graph(tool.PACKAGES)
    assert "kakekomi_bot.maintain.cli" in edges
    assert tool.cycles(edges) == []
    # Rasa's side never loads the maintainers' tools.
    for module, targets in edges.items():
        if module.startswith("kakekomi_bot.") and ".maintain" not in module:
            assert not any(".maintain" in target for target in targets), module
