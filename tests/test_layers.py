"""The design map's layer rule, kept by a test rather than by good intentions.

- loket.domain imports nothing of loket outside itself and does no I/O.
- Headless parts (domain, kb, store, sync, server) never load Textual.
- The UI and the CLI never touch SQL or HTTP themselves: they go through services.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "loket"
HEADLESS = ("domain", "kb", "store", "sync", "server", "export")
IO_MODULES = {"sqlite3", "sqlite_utils", "httpx", "socket", "psycopg", "urllib", "requests"}


def _modules(package: str) -> list[Path]:
    return sorted((SRC / package).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", _modules("domain"), ids=lambda p: p.name)
def test_domain_imports_only_itself_and_no_io(path: Path) -> None:
    for name in _imports(path):
        top = name.split(".")[0]
        assert not (top == "loket" and not name.startswith("loket.domain")), f"{path}: {name}"
        assert top not in IO_MODULES, f"{path} imports {name}: domain must do no I/O"


def test_the_export_mapping_is_pure() -> None:
    """Domain records to Klantinteracties JSON without I/O: only domain, no HTTP or SQL."""
    path = SRC / "export" / "mapping.py"
    for name in _imports(path):
        top = name.split(".")[0]
        assert not (top == "loket" and not name.startswith("loket.domain")), name
        assert top not in IO_MODULES, name


@pytest.mark.parametrize(
    "path",
    [p for area in ("tui", "cli") for p in _modules(area)],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_ui_and_cli_use_services_not_sql_or_http(path: Path) -> None:
    bad = {n for n in _imports(path) if n.split(".")[0] in IO_MODULES - {"socket"}}
    assert not bad, f"{path} imports {bad}: go through loket.services"


def _module_names(*areas: str) -> list[str]:
    names = []
    for area in areas:
        for path in _modules(area):
            parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            names.append(".".join(parts))
    return names


def _loaded_after_importing(modules: list[str]) -> list[str]:
    """Every module in sys.modules after importing `modules` in a fresh interpreter."""
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print('\\n'.join(sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_headless_parts_never_load_textual() -> None:
    loaded = _loaded_after_importing(_module_names(*HEADLESS))
    assert not [m for m in loaded if m == "textual" or m.startswith("loket.tui")]


def test_importing_domain_loads_no_other_loket_part_and_no_io_stack() -> None:
    loaded = _loaded_after_importing(_module_names("domain"))
    heavy = IO_MODULES | {"textual", "rich", "fastapi", "typer"}
    assert not [m for m in loaded if m.split(".")[0] in heavy]
    assert not [m for m in loaded if m.startswith("loket.") and not m.startswith("loket.domain")]


@pytest.mark.parametrize("path", _modules("tui"), ids=lambda p: p.name)
def test_console_reaches_store_sync_and_server_only_through_services(path: Path) -> None:
    reached = {
        name
        for name in _imports(path)
        if name.startswith(("loket.store", "loket.sync", "loket.server"))
    }
    assert not reached, f"{path} imports {reached}: go through loket.services"
