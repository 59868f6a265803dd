"""`loket web` in a real headless browser (Debian's chromium driven by Playwright): the
page opens, the agent logs in with their token, searches, resolves, and the contact
reaches the central store."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import LiveServer, free_port

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# As root in a closed network: no sandbox, no GPU, no background calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def requests_to(live: LiveServer, route: str, status: str) -> int:
    """How often the central store answered `route` with `status` (from /metrics)."""
    text = httpx.get(f"{live.url}/metrics", timeout=5).text
    labels = rf'[^}}]*route="{re.escape(route)}"[^}}]*status="{status}"[^}}]*'
    pattern = rf"loket_http_requests_total{{{labels}}} (\S+)"
    return int(sum(float(v) for v in re.findall(pattern, text)))


@pytest.fixture
def web(live_server: LiveServer, tmp_path: Path) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    port = free_port()
    env = {
        **os.environ,
        "LOKET_CONFIG": str(tmp_path / "none.toml"),
        "LOKET_STATE_DIR": str(tmp_path / "state"),
    }
    cmd = [sys.executable, "-m", "loket", "web", "--port", str(port), "--server", live_server.url]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(url) or proc.poll() is not None, 30, "loket web")
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_agent_logs_in_searches_and_resolves_in_a_browser(
    live_server: LiveServer, web: str, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    agent, token = live_server.make_user("agent", ["kcc"], name="anna")
    _, super_token = live_server.make_user("supervisor")
    supervisor = live_server.client(super_token)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(web)
            page.wait_for_selector("body.-first-byte", timeout=30_000)
            page.wait_for_timeout(1500)  # the login screen is the first frame; let it settle
            page.click("#terminal")
            # a wrong token is refused by the central store; the login screen stays
            page.keyboard.type("not-a-token")
            page.keyboard.press("Enter")
            wait_for(lambda: requests_to(live_server, "/api/v1/me", "401") >= 1, 20, "refusal")
            page.wait_for_timeout(500)
            page.keyboard.type(token)
            page.keyboard.press("Enter")
            wait_for(lambda: requests_to(live_server, "/api/v1/me", "200") >= 1, 20, "login")
            wait_for(
                lambda: requests_to(live_server, "/api/v1/sync/pull", "200") >= 1, 30, "first sync"
            )
            page.wait_for_timeout(1000)
            page.screenshot(path=str(tmp_path / "logged-in.png"))
            page.keyboard.press("F12")  # take the call (the console starts free)
            page.wait_for_timeout(1000)
            page.keyboard.press("F2")
            page.keyboard.type("paspoort kwijt")
            page.wait_for_timeout(
                12000
            )  # results follow the typing (first search builds the index)
            page.keyboard.press("Enter")
            page.wait_for_timeout(1500)
            page.screenshot(path=str(tmp_path / "article.png"))
            page.keyboard.press("F5")

            def stored() -> list[dict]:
                answer = supervisor.get("/api/v1/contacts", params={"agent": agent})
                return [c for c in answer.json()["items"] if c["status"] == "closed"]

            wait_for(lambda: bool(stored()), 45, "the contact in the central store")
            page.screenshot(path=str(tmp_path / "resolved.png"))
        finally:
            browser.close()
    (contact,) = stored()
    assert contact["agent"] == agent
    assert contact["questions"][0]["outcome"] == "zelfstandig afgehandeld"
    assert "paspoort" in contact["questions"][0]["products"]
