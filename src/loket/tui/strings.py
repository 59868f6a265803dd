"""Every Dutch text the console shows, in one place so wording is reviewed (and translated) once.

Code, comments and logs stay English; only what a KCC employee reads lives here.
"""

from __future__ import annotations

APP_TITLE = "loket"
APP_SUB_TITLE = "Gemeente heeft Antwoord"

# Status line
STARTING = "verbinden…"
ONLINE = "● online"
OFFLINE = "○ offline"
NEVER_SYNCED = "○ nog niet gesynchroniseerd"
OUTBOX = "uit {n}"
LAST_SYNC = "sync {time}"
NO_SYNC = "sync –"
CONFLICTS = "⚠ {n} conflict"
REJECTED = "✗ {n} geweigerd"
OPEN_CONTACTS = "{n} open"
TIMER = "⏱ {time}"
CALL_STATE = "{state} {time}"
STATE_WAITING = "vrij"
STATE_TALKING = "gesprek"
STATE_WRAPUP = "nawerk"
STATE_PAUSE = "pauze: {reason}"
WAITING_HINT = "Geen gesprek. F12 of Ctrl+N: volgende inwoner aannemen."

# Search and article
SEARCH_PLACEHOLDER = "Zoek product of vraag (F2)…"
SEARCH_NO_HITS = "Niets gevonden voor ‘{q}’"
SEARCH_WEAK = "Geen sterke match, beste gok:"
SEARCH_EVENT = "Levensgebeurtenis ‘{title}’: loop na ({n})"
SEARCH_EVENT_ITEM = "☐ "
ARTICLE_EMPTY = "Kies een artikel links (↑↓ en Enter)."
ARTICLE_COSTS = "Kosten"
ARTICLE_LEAD_TIME = "Doorlooptijd"
ARTICLE_BACKOFFICE = "Backoffice"
ARTICLE_SELF_SERVICE = "Zelf regelen"
ARTICLE_NOT_FOUND = "Artikel ‘{id}’ niet gevonden."

# Contact panel
CHANNEL = "Kanaal"
CUSTOMER = "Klant (optioneel)"
CUSTOMER_NAME = "Naam"
CUSTOMER_PHONE = "Telefoon"
CUSTOMER_EMAIL = "E-mail"
CUSTOMER_BSN = "BSN"
CUSTOMER_KVK = "KvK"
CUSTOMER_POSTCODE = "Postcode"
CUSTOMER_HOUSE_NUMBER = "Nr"
CUSTOMER_DISTRICT = "{district}"  # the wijk, beside the house number
CUSTOMER_PREFERRED = "Voorkeur"
PREFERRED_NONE = "(geen voorkeur)"
SATISFACTION = "Tevreden"
SATISFACTION_NONE = "(niet gevraagd)"
SATISFACTION_SCORES = {1: "1 zeer ontevreden", 2: "2", 3: "3", 4: "4", 5: "5 zeer tevreden"}
HISTORY_TITLE = "Eerdere contacten"
HISTORY_NONE = "Geen eerdere contacten gevonden."
HISTORY_BUSY = "Eerdere contacten zoeken…"
HISTORY_ROW = "{date} {channel}: {subjects} → {outcomes} ({source})"
# A routed question of an earlier contact, as the back office has it now.
HISTORY_TASK = "  ↳ {team}: {status}{assignee}{attempts}{detail}"
HISTORY_TASK_ASSIGNEE = " ({name})"
HISTORY_TASK_ATTEMPTS = ", {n}× teruggebeld ({last})"
HISTORY_TASK_REACHED: dict[bool | None, str] = {True: "bereikt", False: "niet bereikt"}
HISTORY_TASK_DETAIL = " – {text}"
HISTORY_SCREEN_TITLE = "Eerdere contacten ({n})"
HISTORY_SCREEN_KEYS = "↑↓ kiezen · PgUp/PgDn lezen · Esc terug"
HISTORY_DETAIL_HEAD = "{when} · {channel}"
HISTORY_DETAIL_AGENT = "Medewerker: {agent} ({source})"
HISTORY_DETAIL_OUTCOME = "Uitkomst"
HISTORY_DETAIL_NOTES = "Notities"
HISTORY_OPEN_NONE = "Nog geen eerdere contacten van deze klant (vul telefoon, e-mail of BSN in)."
KEY_HISTORY = "Eerdere contacten"
KEY_FIND_REFERENCE = "Zoek referentienummer"
REFERENCE_FIND_TITLE = "Contact zoeken op referentienummer"
REFERENCE_FIND_QUESTION = "Referentienummer dat de inwoner noemt:"
REFERENCE_NOT_FOUND = "Geen contact gevonden met referentienummer {ref}."
NOTES_REFERENCE = "Notities · referentienummer {ref}"
NOTES_REFERENCE_PENDING = "Notities · referentienummer volgt"  # given on the first sync
HISTORY_DETAIL_REFERENCE = "Referentienummer: {ref}"
QUESTION_TAB = "Vraag {n}"
QUESTION_SUBJECT = "Onderwerp van de vraag"
OUTCOME = "Uitkomst"
OUTCOME_NONE = "(nog geen uitkomst)"
PRODUCTS = "Geraadpleegde artikelen (spatie = uitvinken)"
NOTES = "Notities bij deze vraag"
NOTES_COUNT = "{n}/{max} tekens"
ERRORS_TITLE = "Controleer:"

# Notifications
DRAFT_RESTORED = "Concept hersteld"
DRAFTS_RESTORED = "{n} concepten hersteld"
RESOLVED = "Contact afgehandeld; nawerk loopt (F12 = volgende inwoner)"
ALREADY_TALKING = "Er loopt al een gesprek: handel het af (F5) of parkeer het (F8)."
POP_ANSWERED = "Gesprek aangenomen: {number}."
POP_WITHHELD = "Gesprek aangenomen: nummer afgeschermd. Vraag naar telefoon of e-mail (F4)."
POP_NUMBER_WITHHELD = "nummer afgeschermd"
POP_BUSY = (
    "Nieuw gesprek aangenomen ({number}). Het huidige contact blijft staan: rond het af"
    " (F5) of parkeer het (F8), dan opent het nieuwe gesprek."
)
POP_ENDED = "Het wachtende gesprek ({number}) is al beëindigd; het opent niet meer."
DISCARD_TITLE = "Contact vervalt"
DISCARD_QUESTION = "Dit contact weggooien (verkeerd verbonden)? Het telt nergens mee."
DISCARDED = "Contact vervallen"
DISCARD_ROUTED = "Deze vraag is al doorgezet; het contact kan niet meer vervallen."
QUIT_TITLE = "Stoppen"
QUIT_QUESTION = "Er staan nog {n} open contact(en). Toch stoppen? De concepten blijven bewaard."
CONFIRM_KEYS = "J of Enter = ja · N of Esc = nee"
KEY_YES = "Ja"
KEY_NO = "Nee"
KEY_TAKE_CALL = "Volgende"
KEY_DISCARD = "Vervalt"
KEY_PAUSE = "Pauze"
KEY_CANCEL = "Annuleren"
NOTHING_TO_RESOLVE = "Nog niets ingevuld: er is niets op te slaan"
ROUTED = "Doorgezet naar {team}, uiterlijk {due}"
PARKED = "Contact geparkeerd (F9 = terug); F12 = volgende inwoner"
NEW_QUESTION = "Vraag {n} toegevoegd"
SWITCHED = "Contact van {time} geopend"
SYNC_STARTED = "Synchroniseren…"
SYNC_DONE = "Gesynchroniseerd"
SYNC_FAILED = "Synchroniseren lukt niet: {error}"
NOT_READY = "Even geduld: de console start nog."
NO_TASK_SELECTED = "Kies eerst een taak."
TASK_DONE = "Taak bijgewerkt: {status}"
CONFLICT_KEPT = "Versie van de server aangenomen"
CONFLICT_RETRY = "Opnieuw geprobeerd"

# Route dialog
ROUTE_TITLE = "Doorzetten naar backoffice"
ROUTE_TEAM = "Team"
ROUTE_KIND = "Soort"
ROUTE_INTAKE = "Intakevragen van het team"
ROUTE_INTAKE_NONE = "Dit team heeft geen intakevragen."
ROUTE_NOTE = "Interne notitie (verplicht, niet voor de inwoner)"
ROUTE_CALLBACK = "Terugbellen"
ROUTE_CALLBACK_TIME = "Voorkeurstijd"
ROUTE_DUE = "Uiterlijk {due} · {label}"
ROUTE_DUE_UNKNOWN = "Termijn onbekend"

# Switcher
SWITCHER_TITLE = "Open contacten (Enter = openen, Esc = terug)"
SWITCHER_ROW = "{time} · {who} · {subject} · {channel} · {state} {waited}"
SWITCHER_ANONYMOUS = "anoniem"
SWITCHER_CURRENT = "huidig"
SWITCHER_PARKED = "geparkeerd"
NO_SUBJECT = "(geen onderwerp)"

# Cheat sheet
HELP_TITLE = "Sneltoetsen"
HELP_FOOTER = "Esc of F1 sluit dit overzicht · Ctrl+P opent het opdrachtenpalet"
# The demo (or any console told its server): where the store is, how to open a second one.
CONNECTION_TEXT = "Centrale server: {url}\nTweede console ernaast:\n{command}"
PALETTE_CONNECTION = "Serveradres en tweede console"
HELP_KEY = "Toets"
HELP_ACTION = "Wat"

# Worklist (back office)
WORKLIST_TITLE = "Werkvoorraad van {teams}"
WORKLIST_ROUTED_TITLE = "Door mij doorgezet"
WORKLIST_VIEWS = {
    "team": "Team",
    "routed_by_me": "Open",
    "mine": "Mijn",
    "overdue": "Te laat",
    "nearly_due": "Bijna",
    "returned": "Terug",
    "done_today": "Klaar vandaag",
}
KEY_VIEWS = "Filter"
WORKLIST_EMPTY = "Geen taken voor je teams."
COL_DUE = "Uiterlijk"
COL_URGENCY = "Urgentie"
COL_STATUS = "Status"
COL_TEAM = "Team"
COL_SUBJECT = "Onderwerp"
COL_ASSIGNEE = "Behandelaar"
TASK_DETAIL_EMPTY = "Kies een taak."
TASK_INTAKE = "Intake"
TASK_NOTE = "Interne notitie"
TASK_RESOLUTION = "Antwoord aan inwoner"
TASK_CALLBACK = "Terugbellen: {who}"
TASK_LOG = "Verloop"
COL_ATTEMPTS = "Bel"  # callback attempts so far
TASK_VIEW_TITLE = "Taak: {subject}"
TASK_VIEW_QUESTION = "Vraag van de inwoner"
TASK_VIEW_ARTICLES = "Geraadpleegde artikelen"
TASK_VIEW_CALLBACK = "Terugbelgegevens"
TASK_VIEW_ATTEMPTS = "Terugbelpogingen ({n})"
TASK_VIEW_NONE = "geen"
TASK_VIEW_STATE = "{status} · team {team} · uiterlijk {due}"
TASK_VIEW_RESOLUTION = "Afhandeling"
CALLBACK_REACHED = "gelukt"
CALLBACK_NOT_REACHED = "niet gelukt"
ASK_CALLBACK_RESULT = "Inwoner bereikt?"
ASK_CALLBACK_NOTE = "Notitie bij de terugbelpoging (mag leeg)"
ASK_RESOLUTION = "Wat is de inwoner verteld? (afhandeling)"
ASK_NOTE = "Notitie"
ASK_RETURN = "Waarom terug naar de frontoffice?"
ASK_FORWARD_TEAM = "Naar welk team?"
ASK_FORWARD_NOTE = "Toelichting bij het doorsturen"
ASK_BSN_REASON = "Waarom heb je het volledige BSN nodig? (wordt vastgelegd)"
BSN_SHOWN = "BSN {bsn} (inzage vastgelegd)"
CONFLICTS_BANNER = (
    "⚠ {n} conflict(en): iemand anders wijzigde een taak. T = hun versie, O = opnieuw."
)

# Supervisor
QUEUE_TITLE = "Wachtrijen per team"
QUEUE_OPEN = "Open"
QUEUE_CLAIMED = "In behandeling"
QUEUE_OVERDUE = "Te laat"
QUEUE_AT_RISK = "Bijna"  # nearly due: amber on the SLA clock
QUEUE_RETURNED = "Terug"
TODAY_TITLE = "Vandaag"
TODAY_FIGURES = (
    "Contacten: {contacts} · in één keer opgelost: {fcr} · "
    "gem. gespreksduur: {aht} · doorgezet: {routed}"
)

# Supervisor: the live view (figures from the central store)
LIVE_TITLE = "Live · {time}"
LIVE_CONNECTING = "Verbinden met de centrale server…"
LIVE_NO_SERVER = "Live cijfers komen van de centrale server; er is er geen ingesteld."
LIVE_FAILED = "Live cijfers niet bijgewerkt: {error}"
COL_QUEUE = "Wachtrij"
COL_WAITING = "Wacht"
COL_LONGEST = "Langst"
COL_ANSWERED = "Opgen."
COL_ABANDONED = "Verl."
COL_SL = "SL/norm"
COL_ASA = "ASA"
COL_AGENT = "Medewerker"
COL_STATE = "Status"
COL_FOR = "Duur"
COL_CONTACTS = "Cont."
COL_AHT = "Gem."
COL_OPEN = "Open"
COL_DUE_SOON = "<4u"
COL_OVERDUE = "Laat"
AGENT_STATE_LABELS = {
    "available": "beschikbaar",
    "in_contact": "in contact",
    "wrap_up": "nawerk",
    "pause": "pauze",
    "offline": "afgemeld",
}
LIVE_TODAY = "Vandaag {contacts} contacten · FCR {fcr} · gem. {aht}"
LIVE_CHANNEL = "{channel} {contacts} · {fcr} · {aht}"
KEY_LIVE = "Live"

# Binding descriptions (footer, palette, cheat sheet)
KEY_HELP = "Hulp"
KEY_SEARCH = "Zoeken"
KEY_NOTES = "Notities"
KEY_CUSTOMER = "Klant"
KEY_RESOLVE = "Afhandelen"
KEY_ROUTE = "Doorzetten"
KEY_QUESTION = "Vraag+"
KEY_PARK = "Parkeer"
KEY_SWITCH = "Wissel"
KEY_SYNC = "Synchroniseer"
KEY_AGENT = "Loket"
KEY_WORKLIST = "Werkvoorraad"
KEY_QUEUE = "Wachtrijen"
KEY_QUIT = "Stoppen"
KEY_CLAIM = "Oppakken"
KEY_UNCLAIM = "Vrijgeven"
KEY_TASK_RESOLVE = "Afhandelen"
KEY_RETURN = "Teruggeven"
KEY_FORWARD = "Doorsturen"
KEY_NOTE = "Notitie"
KEY_CALLBACK_ATTEMPT = "Terugbelpoging"
KEY_TASK_VIEW = "Bekijk taak"
KEY_REFRESH = "Vernieuwen"
KEY_SHOW_BSN = "BSN tonen"
KEY_THEIRS = "Hun versie"
KEY_RETRY = "Opnieuw"
KEY_PREV_QUESTION = "Vorige vraag"
KEY_NEXT_QUESTION = "Volgende vraag"
KEY_CLOSE = "Sluiten"
KEY_SUBMIT = "Bevestigen"
KEY_ARTICLE = "Artikel"

# Palette
PALETTE_OPEN_CONTACT = "Open contact: {label}"

# Field paths (from DomainError) in words
FIELD_NAMES = {
    "channel": "kanaal",
    "customer.name": "naam",
    "customer.phone": "telefoon",
    "customer.email": "e-mail",
    "customer.bsn": "BSN",
    "customer.kvk": "KvK-nummer",
    "customer.postcode": "postcode",
    "customer.house_number": "huisnummer",
    "customer.preferred_channel": "voorkeurskanaal",
    "satisfaction": "tevredenheid",
    "ended_at": "einde",
    "wrapup_started_at": "nawerk",
    "text": "onderwerp",
    "notes": "notities",
    "outcome": "uitkomst",
    "products": "artikelen",
    "team": "team",
    "internal_note": "interne notitie",
    "callback": "terugbellen",
    "callback.phone": "terugbelnummer",
    "callback.email": "e-mail voor terugbellen",
    "callback.name": "naam voor terugbellen",
    "subject": "onderwerp",
    "intake": "intake",
    "resolution": "afhandeling",
    "note": "notitie",
    "action": "actie",
}
QUESTION_FIELD = "vraag {n} · {field}"
URGENCY_UNKNOWN = "–"
PALETTE_PLACEHOLDER = "Zoek een opdracht…"
WEEKDAYS = ("ma", "di", "wo", "do", "vr", "za", "zo")
KEY_PALETTE = "Opdrachtenpalet"
TASK_LOG_ACTION = {
    "created": "aangemaakt",
    "claimed": "opgepakt",
    "unclaimed": "vrijgegeven",
    "note": "notitie",
    "callback_attempt": "terugbelpoging",
    "resolved": "afgehandeld",
    "returned": "teruggegeven",
    "forwarded": "doorgestuurd",
}
TASK_STATUS = {
    "open": "open",
    "claimed": "in behandeling",
    "done": "afgehandeld",
    "returned": "terug",
    "forwarded": "doorgestuurd",
}

# Login (loket web: the browser session asks for the user's token)
LOGIN_TITLE = "Inloggen bij loket"
LOGIN_PROMPT = "Plak je persoonlijke token (van je beheerder) en druk op Enter."
LOGIN_PLACEHOLDER = "token"
LOGIN_BUSY = "Bezig met controleren…"
LOGIN_EMPTY = "Vul je token in."

# Pause (the agent's state on the supervisor's live view)
PAUSE_TITLE = "Pauze: waarom?"
PAUSE_REASONS = ("lunch", "koffie", "overleg", "training", "storing", "anders")
PAUSE_KEYS = "1-6 of ↑↓ Enter kiezen · Esc terug"
PAUSE_IN_CALL = "Eerst het contact afronden (F5) of parkeren (F8), dan pauze."
PAUSED = "Pauze ({reason}). F11: weer beschikbaar · F12: volgende inwoner."
RESUMED = "Weer beschikbaar."

# Counter desk: the next resident by ticket
TICKET_CALLED = "Nummer {number} naar {desk} (wachtte {waited})."
TICKET_NOBODY = "Er wacht niemand. F12 probeert het opnieuw."
TICKET_FAILED = "Geen volgnummer opgeroepen: {error}"
TICKET_NO_SHOW_TITLE = "Niet verschenen"
TICKET_NO_SHOW_QUESTION = "Is {who} niet gekomen? Het contact vervalt."
TICKET_NO_SHOW = "{who} afgemeld als niet verschenen. F12: volgende."
TICKET_WHO = "nummer {number}"
TICKET_WHO_UNKNOWN = "de opgeroepen inwoner"  # the number is not known after a restart

# Terminal too small
TOO_SMALL = (
    "Het venster is te klein ({w}×{h}). loket heeft minstens {min_w}×{min_h} nodig:"
    " maak het venster groter, er gaat niets verloren."
)

# Route dialog: Esc with something typed
ROUTE_DISCARD_TITLE = "Doorzetten afbreken"
ROUTE_DISCARD_QUESTION = "Wat je hier typte gaat verloren. Toch sluiten?"

# Report screen (supervisors and admins): charts of the central store's figures
KEY_REPORT = "Rapport"
REPORT_TITLE = "Rapport {day} · bijgewerkt {time}"
REPORT_LOADING = "Cijfers ophalen…"
REPORT_FAILED = "Geen cijfers: {error}. G probeert het opnieuw."
REPORT_TAB_HOURLY = "Per uur"
REPORT_TAB_FCR = "FCR per kanaal"
REPORT_TAB_SL = "Servicelevel"
CHART_HOURLY = "Contacten per uur, {day} tegen gemiddelde {weekday} vorige {weeks} weken"
CHART_TODAY = "vandaag"
CHART_AVERAGE = "gemiddelde"
CHART_FCR = "FCR (vragen) per kanaal per week, laatste {weeks} weken, %"
CHART_SL = "Servicelevel per wachtrij per dag, laatste {days} dagen, %"
CHART_NO_DATA = "(nog geen gegevens)"
WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
