"""A console process for the kill -9 test (run as a script, not collected by pytest).

Registers contacts in a loop through ConsoleServices, the way the console does, saving the
on-screen draft before each one, and prints a line only AFTER each write has returned:
whatever it printed must survive a SIGKILL at any moment.

    python console_worker.py STATE_DIR [SERVER_URL TOKEN]
"""

from __future__ import annotations

import sys
from pathlib import Path

from loket.config import Settings
from loket.domain.models import Contact, Customer, Question
from loket.services import ConsoleServices, UserInfo

AGENT = UserInfo("anna", "agent", ["kcc"])


def main() -> None:
    state_dir = Path(sys.argv[1])
    url, token = (sys.argv[2], sys.argv[3]) if len(sys.argv) > 3 else ("", "")
    settings = Settings(state_dir=state_dir, server_url=url, token=token, sync_interval=0.2)
    services = ConsoleServices.open(settings, user=AGENT)
    if url:
        services.sync.start(lambda state: None)
    i = 0
    while True:
        text = f"Vraag {i}: wanneer wordt het grofvuil opgehaald?"
        services.contacts.save_draft("scherm", {"i": i, "question": text})
        print(f"draft {i}", flush=True)
        contact = Contact(
            agent=AGENT.name,
            channel="telefoon",
            customer=Customer(phone="0612345678"),
            questions=[Question(text=text, outcome="zelfstandig afgehandeld")],
        )
        saved = services.contacts.close(contact)
        print(f"committed {saved.id}", flush=True)
        i += 1


if __name__ == "__main__":
    main()
