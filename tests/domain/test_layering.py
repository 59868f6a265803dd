"""The domain layer stays pure: it imports nothing of loket outside itself and no I/O stack."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import loket.domain

DOMAIN_DIR = Path(loket.domain.__file__).parent
MODULES = sorted(p.stem for p in DOMAIN_DIR.glob("*.py") if p.stem != "__init__")
FORBIDDEN = ("textual", "rich", "httpx", "sqlite3", "sqlite_utils", "fastapi", "psycopg", "typer")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_domain_imports_only_itself_from_loket() -> None:
    assert {"validation", "tasks", "routing", "sla", "kpi"} <= set(MODULES)
    for module in MODULES:
        for name in _imports(DOMAIN_DIR / f"{module}.py"):
            assert not name.startswith("loket.") or name.startswith("loket.domain"), (module, name)
            assert name.split(".")[0] not in FORBIDDEN, (module, name)


def test_importing_domain_pulls_in_no_heavy_modules() -> None:
    code = (
        "import sys\n"
        + "".join(f"import loket.domain.{m}\n" for m in MODULES)
        + "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        + repr(FORBIDDEN)
        + " or (m.startswith('loket.') and not m.startswith('loket.domain')))\n"
        + "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == ""
