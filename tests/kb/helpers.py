"""Small kb fixtures written into tmp_path, so tests do not depend on the real content."""

from __future__ import annotations

from pathlib import Path

TEAMS = {"afval", "burgerzaken", "openbare-ruimte", "wmo"}
# Real names and URIs from data/upl, so `loket kb check` (which reads the real list) agrees.
UPL_ROWS = {
    "afvalcontainer": "http://standaarden.overheid.nl/owms/terms/afvalcontainer",
    "afvalinzameling grofvuil": "http://standaarden.overheid.nl/owms/terms/afvalinzameling_grofvuil",
    "paspoort": "http://standaarden.overheid.nl/owms/terms/paspoort",
    "melding openbare ruimte (straatverlichting)": (
        "http://standaarden.overheid.nl/owms/terms/melding_openbare_ruimte_(straatverlichting)"
    ),
    "financiële hulp": "http://standaarden.overheid.nl/owms/terms/financiële_hulp",
    "volkstuinverhuur": "http://standaarden.overheid.nl/owms/terms/volkstuinverhuur",
    "rijbewijs": "http://standaarden.overheid.nl/owms/terms/rijbewijs",
}

BODY = """## Antwoord
Een antwoord.

## Voorwaarden
- voorwaarde

## Vraag na
- vraag

## Kosten en doorlooptijd
Gratis.

## Zelf regelen
Niet online te regelen.
"""


def front(
    id: str,
    title: str,
    upl: str,
    synonyms: list[str] | None = None,
    team: str = "afval",
    summary: str = "Een korte samenvatting.",
    extra: str = "",
) -> str:
    syn = ", ".join(f'"{s}"' for s in (synonyms or []))
    return (
        "---\n"
        f"id: {id}\n"
        f'title: "{title}"\n'
        f'upl: "{upl}"\n'
        f"uri: {UPL_ROWS.get(upl, 'http://example/none')}\n"
        f"synonyms: [{syn}]\n"
        f'summary: "{summary}"\n'
        f"backoffice: {team}\n"
        f"{extra}"
        "---\n"
    )


ARTICLES = {
    "afvalcontainer": front(
        "afvalcontainer",
        "Afvalcontainer (kliko) aanvragen of repareren",
        "afvalcontainer",
        ["kliko", "kliko kapot", "minicontainer", "groene bak"],
    )
    + BODY,
    "afvalinzameling-grofvuil": front(
        "afvalinzameling-grofvuil",
        "Grofvuil laten ophalen",
        "afvalinzameling grofvuil",
        ["bankstel ophalen", "matras"],
    ),
    "paspoort": front(
        "paspoort", "Paspoort aanvragen", "paspoort", ["paspoort kwijt"], team="burgerzaken"
    ),
    "melding-openbare-ruimte-straatverlichting": front(
        "melding-openbare-ruimte-straatverlichting",
        "Straatverlichting kapot melden",
        "melding openbare ruimte (straatverlichting)",
        ["lantaarnpaal kapot", "straat lamp"],
        team="openbare-ruimte",
    ),
    "financiele-hulp": front(
        "financiele-hulp", "Financiële hulp", "financiële hulp", ["geldzorgen"], team="wmo"
    ),
    "volkstuinverhuur": front(
        "volkstuinverhuur", "Volkstuin huren", "volkstuinverhuur", [], team="openbare-ruimte"
    ),
    "rijbewijs": front("rijbewijs", "Rijbewijs vervangen", "rijbewijs", [], team="burgerzaken"),
}


def write_upl(path: Path) -> Path:
    lines = ["UniformeProductnaam,URI,Gemeente", "UPL-naam nog niet beschikbaar,http://x,X"]
    lines += [f"{name},{uri},X" for name, uri in UPL_ROWS.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def make_kb(root: Path, files: dict[str, str] | None = None) -> tuple[Path, Path]:
    """(kb_dir, upl_csv) with the default articles plus/overridden by `files` (name -> text)."""
    kb_dir = root / "kb"
    kb_dir.mkdir(parents=True, exist_ok=True)
    content = {f"{k}.md": v for k, v in ARTICLES.items()}
    content.update(files or {})
    for name, text in content.items():
        (kb_dir / name).write_text(text, encoding="utf-8")
    return kb_dir, write_upl(root / "upl.csv")
