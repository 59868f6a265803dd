"""A console process for the chaos test (run as a script, not collected by pytest).

Opens the console's services as the console does (identity from the token: learnt from
the server, or provisional when it is away on a first start), syncs in the background,
prints whether its identity is provisional, and registers contacts until its store
holds COUNT of them, each with a question text that names the worker and its number.
It resumes after a SIGKILL from what its store holds. Once all are registered it waits
until its outbox is empty and prints "drained".

    python chaos_worker.py STATE_DIR SERVER_URL TOKEN WORKER COUNT PACE_SECONDS
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from loket.config import Settings
from loket.domain.models import Contact, Customer, Question
from loket.retry import Backoff
from loket.services import ConsoleServices


def main() -> None:
    state_dir, url, token, worker = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    count, pace = int(sys.argv[5]), float(sys.argv[6])
    settings = Settings(state_dir=state_dir, server_url=url, token=token, sync_interval=0.2)
    services = ConsoleServices.open(settings)
    engine = services.engine  # a fast backoff: the test must not wait 30 s for a retry
    engine.backoff, engine.idle_backoff, engine.stream_backoff = (
        Backoff(base=0.05, cap=0.5) for _ in range(3)
    )
    print(f"identity provisional={services.user.provisional}", flush=True)
    services.sync.start(lambda state: None)
    i = services.store.count_contacts()
    while i < count:
        contact = Contact(
            agent=services.user.name,
            channel="telefoon",
            customer=Customer(phone="0612345678"),
            questions=[Question(text=f"chaos {worker}-{i}", outcome="zelfstandig afgehandeld")],
        )
        saved = services.contacts.close(contact)
        print(f"committed {saved.id}", flush=True)
        i += 1
        time.sleep(pace)
    while services.sync.state().outbox or services.user.provisional:
        time.sleep(0.1)
    print("drained", flush=True)
    services.close()


if __name__ == "__main__":
    main()
