"""`loket kb ...` through Typer's CliRunner, against a small kb and the real one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loket.cli import app
from loket.paths import default_kb_dir
from tests.kb.helpers import front, make_kb

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings pointing at a small kb; returns the state dir."""
    kb_dir, _ = make_kb(tmp_path)
    state = tmp_path / "state"
    monkeypatch.setenv("LOKET_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("LOKET_KB_DIR", str(kb_dir))
    monkeypatch.setenv("LOKET_STATE_DIR", str(state))
    return state


def test_search_json_shape(env: Path) -> None:
    result = runner.invoke(app, ["kb", "search", "kliko kapot", "--json", "--limit", "2"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert 1 <= len(rows) <= 2
    assert set(rows[0]) == {"id", "title", "upl", "score", "confidence", "event"}
    assert rows[0]["id"] == "afvalcontainer" and rows[0]["upl"] == "afvalcontainer"
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)


def test_search_table_and_no_results(env: Path) -> None:
    result = runner.invoke(app, ["kb", "search", "paspoort"])
    assert result.exit_code == 0 and "paspoort" in result.stdout
    empty = runner.invoke(app, ["kb", "search", "xqzwv", "--json"])
    assert empty.exit_code == 0 and json.loads(empty.stdout) == []


def test_index_builds_then_reuses(env: Path) -> None:
    first = runner.invoke(app, ["kb", "index"])
    assert first.exit_code == 0 and "7 articles" in first.stdout and "built" in first.stdout
    assert (env / "kb-index.sqlite3").is_file()
    second = runner.invoke(app, ["kb", "index"])
    assert "up to date" in second.stdout


def test_check_exit_codes(env: Path, tmp_path: Path) -> None:
    ok = runner.invoke(app, ["kb", "check"])
    assert ok.exit_code == 0, ok.output

    kb_dir = tmp_path / "kb"
    half = front("rijbewijs", "Rijbewijs", "rijbewijs", ["kwijt"], team="burgerzaken")
    (kb_dir / "rijbewijs.md").write_text(half + "## Antwoord\nZo.\n")
    warned = runner.invoke(app, ["kb", "check"])
    assert warned.exit_code == 0  # warnings alone do not fail
    assert "rijbewijs.md:10: warning: field 'body'" in warned.stdout

    (kb_dir / "paspoort.md").write_text(front("paspoort", "P", "paspoort", ["p"], team="reis"))
    failed = runner.invoke(app, ["kb", "check", "--json"])
    assert failed.exit_code == 1
    rows = json.loads(failed.stdout)
    error = next(r for r in rows if r["severity"] == "error")
    assert (Path(error["path"]).name, error["line"], error["field"]) == (
        "paspoort.md",
        8,
        "backoffice",
    )


def test_show_article_and_unknown_id(env: Path) -> None:
    shown = runner.invoke(app, ["kb", "show", "afvalcontainer"])
    assert shown.exit_code == 0
    assert "Afvalcontainer" in shown.stdout and "Antwoord" in shown.stdout
    missing = runner.invoke(app, ["kb", "show", "afvalcontianer"])
    assert missing.exit_code == 1
    assert "no article with id 'afvalcontianer'" in missing.output
    assert "did you mean: afvalcontainer" in missing.output


def test_missing_kb_dir_is_a_clear_error(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOKET_KB_DIR", "/nonexistent/kb")
    result = runner.invoke(app, ["kb", "search", "kliko"])
    assert result.exit_code == 1 and "kb directory not found" in result.output


@pytest.mark.parametrize("command", [[], ["check"], ["index"], ["search"], ["show"]])
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, ["kb", *command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.stdout


def test_real_kb_kliko_kapot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The acceptance example from the issue, on the kb that ships."""
    monkeypatch.setenv("LOKET_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("LOKET_KB_DIR", str(default_kb_dir()))
    monkeypatch.setenv("LOKET_STATE_DIR", str(tmp_path))
    result = runner.invoke(app, ["kb", "search", "kliko kapot", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)[0]["id"] == "afvalcontainer"


def test_eval_counts_hits_and_names_a_bad_line(env: Path, tmp_path: Path) -> None:
    queries = tmp_path / "queries.tsv"
    queries.write_text(
        "# question\texpected\nmijn kliko is kapot\tafvalcontainer\nkliko kapot\tpaspoort\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["kb", "eval", str(queries), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["total"], report["top1"]) == (2, 0.5)
    assert len(report["misses"]) == 1 and "paspoort" in report["misses"][0]
    queries.write_text("kliko kapot\n", encoding="utf-8")
    broken = runner.invoke(app, ["kb", "eval", str(queries)])
    assert broken.exit_code == 1 and f"{queries}:1" in broken.output
    assert "Traceback" not in broken.output


def test_search_words_without_quotes_are_one_query(env: Path) -> None:
    """`loket kb search kliko kapot`: every word joins the query, options may follow."""
    quoted = runner.invoke(app, ["kb", "search", "kliko kapot", "--json"])
    bare = runner.invoke(app, ["kb", "search", "kliko", "kapot", "--json", "--limit", "3"])
    assert bare.exit_code == 0, bare.output
    assert [r["id"] for r in json.loads(bare.stdout)] == [
        r["id"] for r in json.loads(quoted.stdout)
    ][:3]
