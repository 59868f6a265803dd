"""A file index is reused while kb/ is unchanged and rebuilt when it changes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from loket.kb import KnowledgeBase
from tests.kb.helpers import TEAMS, front, make_kb


def _open(kb_dir: Path, upl: Path, index: Path) -> KnowledgeBase:
    return KnowledgeBase.open(kb_dir, index_path=index, upl_csv=upl, teams=TEAMS)


def test_reuse_then_rebuild_on_change(tmp_path: Path) -> None:
    kb_dir, upl = make_kb(tmp_path)
    index = tmp_path / "state" / "kb.sqlite3"
    first = _open(kb_dir, upl, index)
    assert first.rebuilt and index.is_file()
    first.close()

    again = _open(kb_dir, upl, index)
    assert not again.rebuilt
    assert again.search("kliko")[0].id == "afvalcontainer"
    assert again.get("paspoort").backoffice == "burgerzaken"  # articles come from the index
    again.close()

    path = kb_dir / "paspoort.md"
    path.write_text(
        front("paspoort", "Paspoort", "paspoort", ["reisdocument op vakantie"], "burgerzaken")
    )
    os.utime(path, ns=(1, 1))  # a different mtime even on coarse file systems
    changed = _open(kb_dir, upl, index)
    assert changed.rebuilt
    assert changed.search("reisdocument vakantie")[0].id == "paspoort"
    changed.close()


def test_new_and_removed_files_trigger_a_rebuild(tmp_path: Path) -> None:
    kb_dir, upl = make_kb(tmp_path)
    index = tmp_path / "kb.sqlite3"
    _open(kb_dir, upl, index).close()
    (kb_dir / "rijbewijs.md").unlink()
    kb = _open(kb_dir, upl, index)
    assert kb.rebuilt and kb.get("rijbewijs") is None


def test_problems_survive_index_reuse(tmp_path: Path) -> None:
    kb_dir, upl = make_kb(tmp_path, {"kapot.md": "---\nid: [\n---\n"})
    index = tmp_path / "kb.sqlite3"
    built = _open(kb_dir, upl, index)
    reused = _open(kb_dir, upl, index)
    assert not reused.rebuilt
    assert reused.problems == built.problems != []


def test_damaged_index_is_rebuilt(tmp_path: Path) -> None:
    kb_dir, upl = make_kb(tmp_path)
    index = tmp_path / "kb.sqlite3"
    index.write_bytes(b"this is not a database" * 100)
    kb = _open(kb_dir, upl, index)
    assert kb.rebuilt and kb.search("paspoort")[0].id == "paspoort"


def test_in_memory_index(tmp_path: Path) -> None:
    kb_dir, upl = make_kb(tmp_path)
    kb = KnowledgeBase.open(kb_dir, upl_csv=upl, teams=TEAMS)
    assert kb.rebuilt and len(kb.articles()) == 7
    assert not list(tmp_path.glob("**/*.sqlite3"))


def test_import_stays_light() -> None:
    """The console imports loket.kb on its start-up path: no UI, no stemmer until a search."""
    code = (
        "import sys, loket.kb; "
        "bad = [m for m in ('textual', 'rich', 'Stemmer', 'typer') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
