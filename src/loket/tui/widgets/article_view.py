"""The article on the right: the one-line summary on top (read it aloud), then the body."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from loket.tui import strings as S

if TYPE_CHECKING:
    from loket.kb.models import Article


class ArticleView(Vertical):
    """Summary, key facts and the Markdown body of one kb article."""

    DEFAULT_CSS = """
    ArticleView { height: 1fr; }
    ArticleView > #article-title { text-style: bold; color: $accent; padding: 0 1; height: auto; }
    ArticleView > #article-summary {
        text-style: bold; background: $boost; padding: 0 1; height: auto;
    }
    ArticleView #article-facts { color: $text-muted; padding: 0 1; height: auto; }
    ArticleView > #article-scroll { height: 1fr; }
    ArticleView #article-body { margin: 0; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.article_id: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(S.ARTICLE_EMPTY, id="article-title")
        yield Static("", id="article-summary")
        with VerticalScroll(id="article-scroll"):
            yield Static("", id="article-facts")

    def show(self, article: Article) -> None:
        """Render an Article from loket.kb (title, summary, costs, lead_time, body...)."""
        self.article_id = article.id
        self.query_one("#article-title", Static).update(Text(article.title))
        self.query_one("#article-summary", Static).update(Text(article.summary or ""))
        self.query_one("#article-facts", Static).update(_facts(article))
        self._set_body(article.body or "")
        self.query_one("#article-scroll", VerticalScroll).scroll_home(animate=False)

    def _set_body(self, markdown: str) -> None:
        """The Markdown widget (a heavy import) is made when the first article is shown."""
        found = self.query("#article-body")
        if found:
            from textual.widgets import Markdown  # imported already: it was made

            found.first(Markdown).update(markdown)
            return
        if not markdown:
            return
        from textual.widgets import Markdown

        self.query_one("#article-scroll").mount(Markdown(markdown, id="article-body"))

    def clear(self) -> None:
        self.article_id = None
        self.query_one("#article-title", Static).update(S.ARTICLE_EMPTY)
        for name in ("#article-summary", "#article-facts"):
            self.query_one(name, Static).update("")
        self._set_body("")

    def show_missing(self, article_id: str) -> None:
        self.article_id = None
        self.query_one("#article-title", Static).update(S.ARTICLE_NOT_FOUND.format(id=article_id))
        self.query_one("#article-summary", Static).update("")
        self.query_one("#article-facts", Static).update("")
        self._set_body("")


def _facts(article: Article) -> Text:
    parts: list[tuple[str, str]] = []
    for label, value in (
        (S.ARTICLE_COSTS, getattr(article, "costs", None)),
        (S.ARTICLE_LEAD_TIME, getattr(article, "lead_time", None)),
        (S.ARTICLE_BACKOFFICE, getattr(article, "backoffice", None)),
        (S.ARTICLE_SELF_SERVICE, getattr(article, "self_service", None)),
    ):
        if value:
            parts.append((label, str(value)))
    text = Text()
    for i, (label, value) in enumerate(parts):
        if i:
            text.append(" · ")
        text.append(f"{label}: ", style="bold")
        text.append(value)
    return text
