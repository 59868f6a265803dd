"""The agent's reported state: the call flow decides it, a pause is added by hand, and
the reporter thread gets the latest state to the server however often it is away."""

from __future__ import annotations

import time

from loket.retry import Backoff
from loket.services.presence import AgentPresence
from loket.sync.client import AuthError, Offline


class Desk:
    """Records what reaches the server; `down` makes it unreachable."""

    def __init__(self) -> None:
        self.got: list[tuple[str, str]] = []
        self.down = False
        self.refuse = False
        self.tries = 0

    def set_state(self, state: str, reason: str = "") -> object:
        self.tries += 1
        if self.down:
            raise Offline("weg")
        if self.refuse:
            raise AuthError("nee")
        self.got.append((state, reason))
        return {}

    def wait_for(self, state: tuple[str, str], timeout: float = 3.0) -> None:
        deadline = time.monotonic() + timeout
        while (not self.got or self.got[-1] != state) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert self.got and self.got[-1] == state, self.got


def presence(desk: Desk) -> AgentPresence:
    return AgentPresence(desk, backoff=Backoff(base=0.02, cap=0.05))


def test_the_call_flow_sets_the_state_and_taking_a_call_ends_a_pause() -> None:
    desk = Desk()
    agent = presence(desk)
    agent.start()
    desk.wait_for(("available", ""))
    agent.follow("talking")
    desk.wait_for(("in_contact", ""))
    assert not agent.pause("lunch")  # not during a call
    agent.follow("wrapup")
    desk.wait_for(("wrap_up", ""))
    assert agent.pause("lunch") and agent.paused  # from the wrap-up: reported at once
    desk.wait_for(("pause", "lunch"))
    agent.follow("waiting")  # the console ends the wrap-up: no "available" in between
    time.sleep(0.1)
    assert desk.got[-2:] == [("wrap_up", ""), ("pause", "lunch")]
    agent.follow("waiting")  # a contact parked meanwhile: still on a pause
    assert agent.current.state == "pause"
    agent.follow("talking")
    desk.wait_for(("in_contact", ""))
    assert not agent.paused and agent.pause_reason == ""
    agent.close()
    assert desk.got[-1] == ("offline", "")


def test_while_the_server_is_away_only_the_latest_state_is_reported_once_it_is_back() -> None:
    desk = Desk()
    agent = presence(desk)
    agent.start()
    desk.wait_for(("available", ""))
    desk.down = True
    agent.follow("talking")
    agent.follow("wrapup")
    agent.follow("waiting")
    agent.pause("koffie")
    time.sleep(0.2)  # several failed tries
    assert desk.got == [("available", "")]
    desk.down = False
    desk.wait_for(("pause", "koffie"))
    assert desk.got == [("available", ""), ("pause", "koffie")]  # no stale states replayed
    agent.close()


def test_a_refused_report_is_not_retried_and_quitting_offline_does_not_hang() -> None:
    desk = Desk()
    desk.refuse = True
    agent = presence(desk)
    agent.start()
    time.sleep(0.2)
    assert desk.tries == 1  # a refusal is final: no retry loop against the server
    desk.refuse, desk.down = False, True
    started = time.monotonic()
    agent.close()  # the server is away: "offline" cannot be said, and quitting goes on
    assert time.monotonic() - started < 2.5
    assert desk.got == []
