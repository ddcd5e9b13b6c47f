"""Shared fixtures: a real local chain (anvil), a real browser (Debian's chromium), staff."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
ANVIL = ROOT / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
CHROMIUM = "/usr/bin/chromium"

settings.register_profile(
    "backstop",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "backstop"))


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache, so rate-limit counters never leak between tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def anvil_url():
    """A real anvil node for the whole session (chain id 31337, funded test accounts)."""
    if not ANVIL.exists():
        pytest.fail(f"anvil not installed at {ANVIL}: run `npm ci`")
    port = free_port()
    proc = subprocess.Popen(
        [str(ANVIL), "--port", str(port), "--host", "127.0.0.1", "--silent"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("anvil did not start")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def chain(anvil_url):
    """A web3 client on anvil; the chain is reverted to its state before the test afterwards."""
    from web3 import Web3

    w3 = Web3(Web3.HTTPProvider(anvil_url, request_kwargs={"timeout": 10}))
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
    yield w3
    w3.provider.make_request("evm_revert", [snapshot])


@pytest.fixture
def gov_chain(chain, anvil_url, settings):
    """anvil as the governance chain (token, guardian and EIP-1271 reads)."""
    settings.ETH_RPC_URLS = {31337: anvil_url}
    settings.CHAIN_CONFIRMATIONS = 2
    return chain


@pytest.fixture
def guardian(gov_chain, settings):
    """A 2-of-3 guardian Safe on anvil, configured as GOVERNANCE_GUARDIAN."""
    from tests.governance.chain_helpers import GuardianSafe

    safe = GuardianSafe(gov_chain)
    settings.GOVERNANCE_GUARDIAN = safe.address
    return safe


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright (its own browser download is not reachable)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: `apt-get install chromium` (make test does)")
    # Playwright's sync API keeps an event loop on the main thread for the whole session;
    # Django would then refuse every database call of the tests that follow.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def staff_factory(db):
    """Make staff users with a confirmed TOTP device and roles; returns (user, device)."""
    from common.services.staff import staff_create

    counter = iter(range(1, 10_000))

    def make(*roles: str, username: str | None = None):
        return staff_create(
            username=username or f"staff{next(counter)}",
            password="correct horse battery",
            roles=list(roles),
            actor="test",
        )

    return make


@pytest.fixture
def verified_client(client):
    """Log a staff user into the test client with a verified second factor."""
    from django_otp.oath import totp

    def login(user, device):
        response = client.post(
            "/staff/login/",
            {
                "username": user.username,
                "password": "correct horse battery",
                "otp_token": f"{totp(device.bin_key):06d}",
            },
        )
        assert response.status_code == 302, response.content
        return client

    return login
