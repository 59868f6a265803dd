"""Create a stub kb article for every municipal UPL product that has none yet.

Run once when the UPL list changes: ``python scripts/gen_kb_stubs.py``. Existing
files are never touched, so hand-written synonyms and articles are safe. The team is a
first guess from keywords; editors correct it in the file.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UPL_CSV = ROOT / "data" / "upl" / "UPL-gemeente-2023-09.csv"
KB_DIR = ROOT / "kb"
PLACEHOLDER = "UPL-naam nog niet beschikbaar"

# First match wins: (keyword in the UPL name, team id from data/backoffices.toml).
TEAM_GUESSES: list[tuple[str, str]] = [
    ("parkeer", "verkeer-parkeren"),
    ("verkeer", "verkeer-parkeren"),
    ("wegsleep", "verkeer-parkeren"),
    ("laadpaal", "verkeer-parkeren"),
    ("belasting", "belastingen"),
    ("woz", "belastingen"),
    ("heffing", "belastingen"),
    ("leges", "belastingen"),
    ("precario", "belastingen"),
    ("reinigingsrecht", "belastingen"),
    ("incasso", "belastingen"),
    ("afval", "afval"),
    ("container", "afval"),
    ("compostvat", "afval"),
    ("bladkorf", "afval"),
    ("antireclame", "afval"),
    ("melding openbare ruimte", "openbare-ruimte"),
    ("gladheid", "openbare-ruimte"),
    ("riool", "openbare-ruimte"),
    ("ongedierte", "openbare-ruimte"),
    ("onkruid", "openbare-ruimte"),
    ("speelvoorziening", "openbare-ruimte"),
    ("onderhoud infrastructuur", "openbare-ruimte"),
    ("overheidseigendom", "openbare-ruimte"),
    ("dode-gezelschaps", "openbare-ruimte"),
    ("woonomgeving", "openbare-ruimte"),
    ("handhaving", "handhaving"),
    ("huisverbod", "handhaving"),
    ("woningsluiting", "handhaving"),
    ("bestuurlijke boete", "handhaving"),
    ("brp", "burgerzaken"),
    ("paspoort", "burgerzaken"),
    ("identiteitskaart", "burgerzaken"),
    ("reisdocument", "burgerzaken"),
    ("rijbewijs", "burgerzaken"),
    ("verhuis", "burgerzaken"),
    ("vertrek", "burgerzaken"),
    ("briefadres", "burgerzaken"),
    ("adresonderzoek", "burgerzaken"),
    ("burgerservicenummer", "burgerzaken"),
    ("rni", "burgerzaken"),
    ("legalisatie", "burgerzaken"),
    ("verklaring omtrent gedrag", "burgerzaken"),
    ("nederlanderschap", "burgerzaken"),
    ("in leven", "burgerzaken"),
    ("kiezerspas", "burgerzaken"),
    ("stempas", "burgerzaken"),
    ("volmacht", "burgerzaken"),
    ("stem", "burgerzaken"),
    ("gevonden", "burgerzaken"),
    ("geboorte", "burgerlijke-stand"),
    ("overlijden", "burgerlijke-stand"),
    ("huwelijk", "burgerlijke-stand"),
    ("partnerschap", "burgerlijke-stand"),
    ("erkenning", "burgerlijke-stand"),
    ("naturalisatie", "burgerlijke-stand"),
    ("naam", "burgerlijke-stand"),
    ("akte", "burgerlijke-stand"),
    ("trouw", "burgerlijke-stand"),
    ("echtscheiding", "burgerlijke-stand"),
    ("adoptie", "burgerlijke-stand"),
    ("begra", "burgerlijke-stand"),
    ("graf", "burgerlijke-stand"),
    ("crem", "burgerlijke-stand"),
    ("bijstand", "werk-inkomen"),
    ("uitkering", "werk-inkomen"),
    ("toeslag", "werk-inkomen"),
    ("re-integratie", "werk-inkomen"),
    ("werk", "werk-inkomen"),
    ("financiële hulp", "werk-inkomen"),
    ("stadspas", "werk-inkomen"),
    ("voedselbank", "werk-inkomen"),
    ("inburgering", "werk-inkomen"),
    ("schuld", "schuldhulp"),
    ("wsnp", "schuldhulp"),
    ("jeugd", "jeugd"),
    ("opvoed", "jeugd"),
    ("leerplicht", "onderwijs"),
    ("leerling", "onderwijs"),
    ("dyslexie", "onderwijs"),
    ("school", "onderwijs"),
    ("wmo", "wmo"),
    ("mantelzorg", "wmo"),
    ("huishoudelijke hulp", "wmo"),
    ("rolstoel", "wmo"),
    ("woningaanpassing", "wmo"),
    ("vervoer", "wmo"),
    ("regiotaxi", "wmo"),
    ("persoonsgebonden", "wmo"),
    ("hulpmiddel", "wmo"),
    ("urgentie", "wonen"),
    ("woning", "wonen"),
    ("woonruimte", "wonen"),
    ("huisvesting", "wonen"),
    ("woonwagen", "wonen"),
    ("starterslening", "wonen"),
    ("omgevingsvergunning", "vergunningen"),
    ("vergunning", "vergunningen"),
    ("ontheffing", "vergunningen"),
    ("melding", "vergunningen"),
    ("bestemmingsplan", "vergunningen"),
    ("markt", "ondernemers"),
    ("horeca", "ondernemers"),
    ("bedrijf", "ondernemers"),
    ("ondernem", "ondernemers"),
    ("grond", "vastgoed"),
    ("erfpacht", "vastgoed"),
    ("onroerende", "vastgoed"),
    ("bezwaar", "juridisch"),
    ("klacht", "juridisch"),
    ("aansprakelijk", "juridisch"),
    ("schade", "juridisch"),
    ("subsidie", "secretariaat"),
]


def slug(name: str) -> str:
    text = name.lower().replace("ë", "e").replace("é", "e")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def guess_team(name: str) -> str:
    lowered = name.lower()
    for keyword, team in TEAM_GUESSES:
        # At a word start only: "ontheffing" must not match "heffing", nor "bouwwerk" "werk".
        if re.search(r"\b" + re.escape(keyword), lowered):
            return team
    return "kcc"


def stub(name: str, uri: str) -> str:
    title = name[0].upper() + name[1:]
    return (
        "---\n"
        f"id: {slug(name)}\n"
        f'title: "{title}"\n'
        f'upl: "{name}"\n'
        f"uri: {uri}\n"
        "synonyms: []\n"
        f'summary: "{title}."\n'
        f"backoffice: {guess_team(name)}\n"
        "---\n"
    )


def main() -> int:
    KB_DIR.mkdir(exist_ok=True)
    made = 0
    with UPL_CSV.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            name = row["UniformeProductnaam"].strip()
            if name == PLACEHOLDER:
                continue
            target = KB_DIR / f"{slug(name)}.md"
            if target.exists():
                continue
            target.write_text(stub(name, row["URI"].strip()), encoding="utf-8")
            made += 1
    print(f"{made} stub(s) written to {KB_DIR}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
