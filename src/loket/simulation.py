"""`loket simulate`: realistic KCC traffic through the real API of a central store.

A discrete-event loop on the wall clock (optionally sped up): residents arrive as a
Poisson process, about four in five by phone (spread over the phone queues), the rest at
the counter (a ticket for a counter service). Phone agents answer the longest-waiting
caller, talk for a log-normal time, register the contact (about 75 % resolved at first
contact, the rest routed to a back-office team as a task) and wrap up; a caller whose
patience (exponential) runs out first hangs up, so abandonment grows with the waits.
Counter agents call the next ticket; a few residents do not show. Every step goes over
HTTP with the tokens of the users it creates: an integration token for the telephone
platform and the kiosk, one agent token per simulated agent.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from loket.domain.models import (
    OUTCOME_RESOLVED,
    OUTCOME_ROUTED,
    Callback,
    Contact,
    ContactStatus,
    Customer,
    Question,
    Task,
)
from loket.protocol import SETTLED, ChangeKind, Route
from loket.sync.client import SyncError
from loket.sync.live import LiveClient

TALK_MEAN = 240.0  # seconds of a phone conversation
COUNTER_MEAN = 360.0
WRAP_UP = 30.0
PATIENCE_MEAN = 120.0  # how long a caller waits before hanging up
RING = 3.0  # seconds from a free agent to "answered"
FIRST_CONTACT = 0.75
NO_SHOW = 0.05
PHONE_SHARE = 0.8
ROUTE_TEAMS = ("burgerzaken", "belastingen", "openbare-ruimte")
QUESTIONS = (
    "Paspoort verlopen",
    "Afval niet opgehaald",
    "Vraag over aanslag WOZ",
    "Verhuizing doorgeven",
    "Parkeervergunning aanvragen",
)


@dataclass
class SimulationConfig:
    agents: int = 10
    rate_per_minute: float = 6.0
    speed: float = 1.0
    seed: int | None = None
    # Real agents (their own consoles) who get calls too whenever their console reports
    # them available: the call pops on their screen and ends when they close it.
    humans: tuple[str, ...] = ()


HUMAN_POLL = 1.0  # seconds between looks at the real agents' states
HUMAN_GRACE = 20.0  # a popped call no console took within this is hung up


@dataclass
class HumanCall:
    call: Waiting
    since: float
    taken: bool = False  # the console reported in_contact


@dataclass
class SimAgent:
    name: str
    client: LiveClient
    counter: bool = False
    busy: bool = False


@dataclass
class Waiting:
    call_id: str
    queue: str
    caller: str
    since: float
    answered: bool = False
    gone: bool = False


@dataclass(order=True)
class _Step:
    at: float
    seq: int
    action: Callable[[], None] = field(compare=False)


def _lognormal(rng: random.Random, mean: float, sigma: float = 0.6) -> float:
    return rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma)


class Simulation:
    def __init__(
        self,
        pbx: LiveClient,
        agents: list[SimAgent],
        phone_queues: list[str],
        counter_services: list[str],
        config: SimulationConfig,
        watcher: LiveClient | None = None,
    ) -> None:
        self.pbx = pbx
        self.watcher = watcher  # reads GET /live: the real agents' states (config.humans)
        self.human_calls: dict[str, HumanCall] = {}
        self.agents = agents
        self.phone_queues = phone_queues
        self.counter_services = counter_services
        self.config = config
        self.rng = random.Random(config.seed)
        self.counts: Counter[str] = Counter()
        self.waiting: deque[Waiting] = deque()
        self._steps: list[_Step] = []
        self._seq = itertools.count()
        self._start = time.monotonic()
        self.stopped = threading.Event()

    # --- setup ----------------------------------------------------------------------------

    @classmethod
    def setup(cls, url: str, admin_token: str, config: SimulationConfig) -> Simulation:
        """Create the simulation's users (integration + agents) with the admin token."""
        admin = LiveClient(url, admin_token)
        watcher = LiveClient(url, admin_token) if config.humans else None
        try:
            live = admin.live()
            run = uuid.uuid4().hex[:4]
            pbx = LiveClient(url, cls._user(admin, f"sim-{run}-pbx", "integration"))
            counter_n = 0
            counters = [q["queue"] for q in live["queues"] if q["kind"] == "counter"]
            if counters and config.agents >= 2:
                counter_n = max(1, config.agents // 5)
            agents = []
            for i in range(config.agents):
                name = f"sim-{run}-{i + 1:03d}"
                token = cls._user(admin, name, "agent")
                agents.append(SimAgent(name, LiveClient(url, token), counter=i < counter_n))
        finally:
            admin.close()
        phones = [q["queue"] for q in live["queues"] if q["kind"] == "phone"]
        return cls(pbx, agents, phones, counters, config, watcher)

    @staticmethod
    def _user(admin: LiveClient, name: str, role: str) -> str:
        body = admin._request("POST", Route.USERS, json={"name": name, "role": role, "teams": []})
        return str(body["token"])

    # --- the loop -------------------------------------------------------------------------

    def now(self) -> float:
        """Simulated seconds since the start."""
        return (time.monotonic() - self._start) * self.config.speed

    def at(self, delay: float, action: Callable[[], None]) -> None:
        heapq.heappush(self._steps, _Step(self.now() + delay, next(self._seq), action))

    def run(self, duration: float | None = None) -> None:
        """Until `duration` real seconds have passed (None: until interrupted)."""
        end = None if duration is None else time.monotonic() + duration
        for agent in self.agents:
            self._safe(lambda a=agent: self._state(a, "available"))
        self.at(self._gap(), self._arrival)
        if self.counter_services:
            self.at(1.0, self._counter_dispatch)
        if self.watcher is not None:
            self.at(HUMAN_POLL, self._human_poll)
        while (end is None or time.monotonic() < end) and not self.stopped.is_set():
            if not self._steps:
                return
            step = self._steps[0]
            delay = (step.at - self.now()) / self.config.speed
            if delay > 0:
                time.sleep(min(delay, 0.2, max(0.0, (end or math.inf) - time.monotonic())))
                continue
            heapq.heappop(self._steps)
            self._safe(step.action)

    def _safe(self, action: Callable[[], None]) -> None:
        try:
            action()
        except SyncError:
            self.counts["errors"] += 1

    def _gap(self) -> float:
        return self.rng.expovariate(self.config.rate_per_minute / 60.0)

    def _stamp(self) -> str:
        return datetime.now(UTC).isoformat()

    # --- phone ----------------------------------------------------------------------------

    def _arrival(self) -> None:
        self.at(self._gap(), self._arrival)
        if self.counter_services and (not self.phone_queues or self.rng.random() > PHONE_SHARE):
            answer = self.pbx.draw_ticket(self.rng.choice(self.counter_services))
            self.counts["tickets"] += 1
            del answer
            return
        if not self.phone_queues:
            return
        caller = "" if self.rng.random() < 0.1 else f"06{self.rng.randrange(10**8):08d}"
        call = Waiting(uuid.uuid4().hex, self.rng.choice(self.phone_queues), caller, self.now())
        self._call_event(call.call_id, "offered", queue=call.queue, caller=caller)
        self.counts["calls"] += 1
        self.waiting.append(call)
        self.at(self.rng.expovariate(1 / PATIENCE_MEAN), lambda: self._hang_up(call))
        self._dispatch()

    def _call_event(self, call_id: str, kind: str, **fields: str) -> None:
        event = {
            "event_id": uuid.uuid4().hex,
            "call_id": call_id,
            "kind": kind,
            "at": self._stamp(),
        }
        self.pbx.post_call_event({**event, **fields})

    def _hang_up(self, call: Waiting) -> None:
        if call.answered or call.gone:
            return
        call.gone = True
        self._call_event(call.call_id, "abandoned")
        self.counts["abandoned"] += 1

    def _dispatch(self, humans: list[str] | None = None) -> None:
        free: list[SimAgent | str] = [*(humans or [])]  # the real agents first
        free += [a for a in self.agents if not a.counter and not a.busy]
        while free:
            while self.waiting and (self.waiting[0].gone or self.waiting[0].answered):
                self.waiting.popleft()
            if not self.waiting:
                return
            call, agent = self.waiting.popleft(), free.pop(0)
            call.answered = True
            if isinstance(agent, str):
                self.human_calls[agent] = HumanCall(call, self.now())
                self._call_event(call.call_id, "answered", agent=agent)
                self.counts["answered"] += 1
                continue
            agent.busy = True
            self.at(RING, lambda c=call, a=agent: self._answer(c, a))

    def _human_poll(self) -> None:
        """The real agents: a free one takes the longest-waiting caller (the platform puts
        the call through: their console pops it); a call ends when their console leaves
        in_contact (F5), or is hung up when no console took it within the grace."""
        self.at(HUMAN_POLL, self._human_poll)
        assert self.watcher is not None
        states = {a["agent"]: a["state"] for a in self.watcher.live()["agents"]}
        for name, held in list(self.human_calls.items()):
            state = states.get(name)
            if state == "in_contact":
                held.taken = True
                continue
            over = held.taken or state == "wrap_up"  # F5: the conversation ended
            if over or self.now() - held.since > HUMAN_GRACE:
                del self.human_calls[name]
                self._call_event(held.call.call_id, "ended")
        free = [
            name
            for name in self.config.humans
            if states.get(name) == "available" and name not in self.human_calls
        ]
        if free:
            self._dispatch(free)

    def _answer(self, call: Waiting, agent: SimAgent) -> None:
        self._call_event(call.call_id, "answered", agent=agent.name)
        self._state(agent, "in_contact")
        self.counts["answered"] += 1
        started = datetime.now(UTC)
        talk = _lognormal(self.rng, TALK_MEAN)
        self.at(talk, lambda: self._end_call(call, agent, started))

    def _end_call(self, call: Waiting, agent: SimAgent, started: datetime) -> None:
        self._call_event(call.call_id, "ended")
        self._state(agent, "wrap_up")
        self._register(agent, "telefoon", started, call.caller)
        self.at(WRAP_UP, lambda: self._free(agent))

    def _free(self, agent: SimAgent) -> None:
        agent.busy = False
        self._state(agent, "available")
        if not agent.counter:
            self._dispatch()

    def _state(self, agent: SimAgent, state: str) -> None:
        agent.client.set_state(state)

    # --- counter --------------------------------------------------------------------------

    def _counter_dispatch(self) -> None:
        self.at(2.0, self._counter_dispatch)
        for agent in self.agents:
            if agent.counter and not agent.busy:
                self._safe(lambda a=agent: self._next_ticket(a))

    def _next_ticket(self, agent: SimAgent) -> None:
        answer = agent.client.next_ticket(self.counter_services, desk=agent.name[-2:])
        ticket = answer.get("ticket")
        if ticket is None:
            return
        if self.rng.random() < NO_SHOW:
            agent.client.no_show(ticket["id"])
            self.counts["no_show"] += 1
            return
        agent.busy = True
        self._state(agent, "in_contact")
        self.counts["served"] += 1
        started = datetime.now(UTC)

        def done() -> None:
            self._state(agent, "wrap_up")
            self._register(agent, "balie", started, "")
            self.at(WRAP_UP, lambda: self._free(agent))

        self.at(_lognormal(self.rng, COUNTER_MEAN), done)

    # --- contacts -------------------------------------------------------------------------

    def _register(self, agent: SimAgent, channel: str, started: datetime, phone: str) -> None:
        """The contact the agent registers; about a quarter is routed to a back office."""
        question = Question(text=self.rng.choice(QUESTIONS))
        contact = Contact(
            agent=agent.name,
            channel=channel,
            started_at=started,
            ended_at=datetime.now(UTC),
            customer=Customer(phone=phone) if phone else None,
            questions=[question],
            status=ContactStatus.CLOSED,
            rev=1,
        )
        changes: list[dict[str, Any]] = []
        if self.rng.random() < FIRST_CONTACT:
            question.outcome = OUTCOME_RESOLVED
        else:
            task = Task(
                contact_id=contact.id,
                question_id=question.id,
                team=self.rng.choice(ROUTE_TEAMS),
                subject=question.text,
                internal_note="Gesimuleerde doorzetting",
                callback=Callback(phone=phone or "0201234567"),
                created_by=agent.name,
                due_at=datetime.now(UTC) + timedelta(days=3),
            )
            question.outcome, question.task_id = OUTCOME_ROUTED, task.id
            changes.append(self._change(ChangeKind.TASK_CREATE, {"task": task.to_dict()}))
            self.counts["routed"] += 1
        changes.insert(0, self._change(ChangeKind.CONTACT_SAVE, {"contact": contact.to_dict()}))
        results = agent.client.push(changes)
        self.counts["contacts"] += 1
        self.counts["errors"] += sum(r.get("status") not in SETTLED for r in results)

    def _change(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {"id": uuid.uuid4().hex, "kind": kind, "made_at": self._stamp(), "payload": payload}

    # --- end ------------------------------------------------------------------------------

    def close(self) -> None:
        self.pbx.close()
        if self.watcher is not None:
            self.watcher.close()
        for agent in self.agents:
            agent.client.close()

    def summary(self, seconds: float) -> str:
        c = self.counts
        return (
            f"{seconds:.0f} s: calls {c['calls']} (answered {c['answered']}, abandoned"
            f" {c['abandoned']}), tickets {c['tickets']} (served {c['served']}, no-show"
            f" {c['no_show']}), contacts {c['contacts']} (routed {c['routed']}),"
            f" errors {c['errors']}"
        )
