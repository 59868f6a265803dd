"""`loket simulate --human NAME` (and `loket demo --simulate`): a real agent whose console
says available gets simulated calls too. The call pops on their screen, and the
simulated caller hangs up once the agent closes the contact (the console leaves
in_contact): the whole loop over the real API and the event stream."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from loket.simulation import Simulation, SimulationConfig
from loket.tui.app import LoketApp
from loket.tui.workspace import CallState
from tests.server.helpers import API
from tests.tui.helpers import SIZE, burst, open_services, wait_for


async def test_a_simulated_call_pops_on_a_real_agents_console_and_ends_when_closed(
    tmp_path: Path, live_server: Any
) -> None:
    _, admin = live_server.make_user("admin")
    agent, token = live_server.make_user("agent", ["kcc"])
    config = SimulationConfig(agents=1, rate_per_minute=120, seed=3, humans=(agent,))
    sim = Simulation.setup(live_server.url, admin, config)
    services = open_services(tmp_path, name=agent, server_url=live_server.url, token=token)
    app = LoketApp(services)
    runner = threading.Thread(target=sim.run, daemon=True)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: getattr(app.screen, "workspace", None) is not None)
            screen = app.screen
            runner.start()
            await wait_for(pilot, lambda: screen.contact is not None, timeout=15)
            call_id = screen.contact.call_id
            assert call_id and sim.human_calls[agent].call.call_id == call_id
            burst(app, "f3", *"Vraag over de afvalpas", "f5")
            await wait_for(pilot, lambda: screen.state == CallState.WRAPUP)
            await wait_for(pilot, lambda: agent not in sim.human_calls, timeout=5)
    finally:
        sim.stopped.set()
        if runner.is_alive():
            runner.join(5)
        sim.close()
        services.close()
    call = live_server.client(admin).get(f"{API}/calls/{call_id}").json()
    assert call["agent"] == agent and call["status"] == "ended"
