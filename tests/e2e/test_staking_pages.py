"""Staking pages in a real browser: the share-price chart and the unstake countdown run under
our CSP (scripts from our origin only), without console errors."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from fund.services.staking import stake_create, unstake_request
from governance.auth import SESSION_KEY
from tests.e2e.test_base_pages import no_errors
from tests.fund.factories import AssetFactory, FundFactory
from tests.fund.staking_helpers import fund_move, member_fund

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ALICE = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"


def test_my_stake_chart_and_countdown(page, live_server):
    fund = FundFactory(name="main", asset=AssetFactory(symbol="USDC", decimals=6))
    start = timezone.now() - timedelta(days=5)
    member_fund(fund, ALICE, 1_000 * 10**6, at=start)
    deposit = stake_create(
        fund=fund, address=ALICE, amount=500 * 10**6, client_key="e2e", now=start
    )
    fund_move(fund, 50 * 10**6, at=start + timedelta(days=2))
    unstake_request(fund=fund, address=ALICE, shares=deposit.shares // 2, now=timezone.now())
    session = SessionStore()
    session[SESSION_KEY] = ALICE
    session.save()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.session_key,
                "url": live_server.url,
            }
        ]
    )
    errors = no_errors(page)
    page.goto(live_server.url + "/fund/me/")
    assert page.locator("h1").inner_text() == "My stake"
    page.wait_for_function(
        "document.querySelector('[data-available-at]').textContent.includes('left')"
    )
    assert "12 d" in page.locator("[data-available-at]").inner_text()
    assert page.locator("button[data-ready-at]").is_disabled()
    assert page.evaluate(
        "!!window.Chart.getChart(document.querySelector('canvas[data-share-price]'))"
    )
    page.screenshot(path="/tmp/backstop-staking-me.png", full_page=True)
    page.goto(live_server.url + "/fund/staking/main/")
    assert page.evaluate(
        "!!window.Chart.getChart(document.querySelector('canvas[data-share-price]'))"
    )
    assert errors == []
