"""The reserves page in a real browser: the member's proof is re-checked by the page's own
script (WebCrypto, under our CSP), and a tampered proof is caught there too."""

import pytest

from custody.services import epochs
from custody.services.epochs import reserve_epoch_create
from tests.e2e.test_base_pages import no_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAKERS = [("0x" + f"{i:040x}", i * 1_000_000) for i in range(1, 12)]


def test_browser_checks_a_members_inclusion(page, live_server, custody_fund, settings, monkeypatch):
    settings.ETH_RPC_URLS = {}
    monkeypatch.setattr(epochs, "staker_values", lambda fund: STAKERS)
    reserve_epoch_create()
    errors = no_errors(page)
    page.goto(f"{live_server.url}/custody/reserves/?address={STAKERS[6][0]}&fund=main")
    result = page.locator("#browser-check")
    result.filter(has_text="leads to the signed root").wait_for(timeout=5000)
    assert "ok" in result.get_attribute("class")
    # The same page with one sibling sum changed: the browser's check must fail.
    page.evaluate(
        """() => {
            const el = document.getElementById('staker-proof');
            const proof = JSON.parse(el.textContent);
            proof.path[0].sum = String(BigInt(proof.path[0].sum) + 1n);
            el.textContent = JSON.stringify(proof);
        }"""
    )
    page.add_script_tag(url=f"{live_server.url}/static/js/custody-proof.js")
    result.filter(has_text="does NOT lead").wait_for(timeout=5000)
    assert errors == []


def test_staff_balance_chart_draws_under_csp(
    page, live_server, custody_fund, staff_factory, verified_client, settings
):
    from custody.models import BalanceReading, TrackedWallet

    wallet = TrackedWallet.objects.create(
        chain_id=31337, address="0x" + "ab" * 20, kind="safe", fund=custody_fund, label="vault"
    )
    for block, amount in ((10, 5_000_000_000), (20, 5_002_000_000), (30, 4_900_000_000)):
        BalanceReading.objects.create(
            wallet=wallet,
            block_number=block,
            block_hash=f"0x{block:064x}",
            symbol="USDC",
            token=custody_fund.asset.token_address,
            amount=amount,
        )
    user, device = staff_factory("custody_admin")
    session = verified_client(user, device).cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    errors = no_errors(page)
    page.goto(f"{live_server.url}/custody/staff/")
    page.wait_for_function(
        "() => window.Chart && Chart.getChart('custody-balances')", timeout=10000
    )
    points = page.evaluate("() => Chart.getChart('custody-balances').data.datasets[0].data")
    assert [p["y"] for p in points] == [5000, 5002, 4900]
    assert errors == []
