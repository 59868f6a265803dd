"""The knowledge base: load and check kb/ files, index them with SQLite FTS5, search them.

kb = KnowledgeBase.open(kb_dir)           # or index_path=... to keep the index on disk
kb.search("kliko kapot")                  # -> [SearchHit(id="afvalcontainer", ...), ...]
kb.get("afvalcontainer")                  # -> Article
check_kb(kb_dir)                          # -> [Problem(path, line, field, message, ...)]
"""

from __future__ import annotations

from loket.kb.base import KnowledgeBase, check_kb
from loket.kb.models import ERROR, WARNING, Article, Problem, SearchHit

__all__ = ["ERROR", "WARNING", "Article", "KnowledgeBase", "Problem", "SearchHit", "check_kb"]
