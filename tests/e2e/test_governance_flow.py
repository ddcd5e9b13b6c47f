"""Governance end to end in chromium: wallet sign-in, a proposal, three signed votes, execution,
the impact preview and the guardian's cancel.

The wallet is a test-only provider injected into each page (``window.ethereum`` backed by
``page.expose_function``) that signs with a test key through eth-account, the way a browser
wallet would answer ``personal_sign`` and ``eth_signTypedData_v4``. For the guardian it
switches its account to the Safe on anvil and answers as a Safe wallet does: its owners'
signatures over the Safe message, which the server checks with EIP-1271.
"""

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from eth_account.messages import _hash_eip191_message, encode_defunct, encode_typed_data

from fund.services.funds import asset_create, fund_create
from governance.models import Proposal, ProposalState
from governance.services.lifecycle import proposals_tick
from governance.services.params import param_value_set
from tests.governance.conftest import Wallet, power_grant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOT = "/tmp/backstop-governance-proposal.png"
INJECT = "window.ethereum = {request: ({method, params}) => window.__rpc(method, params || [])};"


def wallet_page(browser, wallet: Wallet, errors: list):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()

    def rpc(method, params):
        if method in ("eth_requestAccounts", "eth_accounts"):
            return [wallet.address]
        if method == "personal_sign":
            message = encode_defunct(hexstr=params[0])
            return "0x" + wallet.account.sign_message(message).signature.hex()
        if method == "eth_signTypedData_v4":
            return wallet.sign_typed(json.loads(params[1]))
        raise ValueError(f"test wallet: unsupported {method}")

    page.expose_function("__rpc", rpc)
    page.add_init_script(INJECT)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page


def sign_in(page, base, next_path="/governance/"):
    page.goto(f"{base}/governance/signin/?next={next_path}")
    page.click("[data-wallet-signin]")
    page.wait_for_url(f"{base}{next_path}")


def test_sign_in_propose_vote_execute(browser, live_server):
    base = live_server.url
    for name, value in (
        ("voting_period", "60"),
        ("timelock_delay", "0"),
        ("late_quorum_extension", "0"),
    ):
        param_value_set(
            name=name,
            scope="global",
            value=value,
            source="seed",
            actor="test",
            effective_at=timezone.now() - timedelta(minutes=1),
        )
    usdc = asset_create(symbol="USDC", decimals=6, actor="test")
    fund_create(name="main", asset=usdc, actor="test")
    proposer, bob, carol = Wallet(10), Wallet(11), Wallet(12)
    errors: list = []

    context, page = wallet_page(browser, proposer, errors)
    sign_in(page, base, "/governance/new/")
    assert proposer.address[:6] in page.locator("nav.session").inner_text()
    page.fill("input[name=title]", "Raise the fee take to 0.03%")
    page.fill("textarea[name=description]", "More **fee take** for the fund.")
    page.select_option("select[name=name_0]", "fee_take_rate")
    page.fill("input[name=value_0]", "0.0003")
    page.click("#proposal-form button[type=submit]")
    page.wait_for_url(f"{base}/governance/p/**")
    proposal = Proposal.objects.get()
    assert page.locator("#changes ins").inner_text() == "0.0003"
    power_grant(proposal, {proposer: 50, bob: 30, carol: 20})

    votes = [(proposer, "1", page, context)]
    for wallet, support in ((bob, "1"), (carol, "0")):
        ctx, member_page = wallet_page(browser, wallet, errors)
        sign_in(member_page, base, f"/governance/p/{proposal.proposal_id}/")
        votes.append((wallet, support, member_page, ctx))
    for wallet, support, member_page, _ in votes:
        member_page.goto(f"{base}/governance/p/{proposal.proposal_id}/")
        member_page.click(f"[data-wallet-vote][data-support='{support}']")
        member_page.locator("#wallet-status", has_text="Your vote was counted.").wait_for()
    page.reload()
    page.locator("#tally-for", has_text="80").wait_for()
    assert page.locator("#tally-against").inner_text() == "20"
    assert page.locator("#voters tbody tr").count() == 3
    page.screenshot(path=SCREENSHOT, full_page=True)

    # The clock moves past the end of voting; the beat's service queues and executes.
    proposal.refresh_from_db()
    while timezone.now() <= proposal.vote_end:
        time.sleep(0.5)
    assert proposals_tick(now=timezone.now()) == {"advanced": 1, "executed": 1}
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.EXECUTED
    page.goto(f"{base}/governance/params/")
    assert page.locator("#param-fee_take_rate .value").inner_text() == "0.0003"
    page.goto(f"{base}/fund/main/")
    assert page.locator("#rule-fee_take_rate .value").inner_text() == "0.0003"
    page.screenshot(path="/tmp/backstop-fund-rules.png", full_page=True)
    page.screenshot(path="/tmp/backstop-governance-params.png", full_page=True)
    page.goto(f"{base}/governance/")
    assert page.locator("#proposals .badge").inner_text() == "Executed"
    page.screenshot(path="/tmp/backstop-governance-list.png", full_page=True)
    for _, _, _, ctx in votes:
        ctx.close()
    assert errors == []


def test_delegation_signed_in_the_browser(browser, live_server):
    base = live_server.url
    alice, bob = Wallet(20), Wallet(21)
    errors: list = []
    context, page = wallet_page(browser, alice, errors)
    sign_in(page, base, "/governance/delegate/")
    assert page.locator("#current-delegate").inner_text() == alice.address
    page.fill("#delegatee", bob.address)
    page.click("[data-wallet-delegate]")
    page.locator("#current-delegate", has_text=bob.address).wait_for()
    context.close()
    assert errors == []


def test_impact_chart_draws_under_the_csp(page, live_server):
    from django.core.cache import cache

    from governance.services.impact import impact_cache_key
    from governance.services.proposals import proposal_create

    proposal = proposal_create(
        proposer=Wallet(30).address,
        title="Impact",
        description="",
        changes=[{"name": "fee_take_rate", "value": "0.0003"}],
        now=timezone.now(),
    )
    side = {
        "liquidations": 3,
        "fund_paid": "5",
        "fund_taken": "7",
        "adl_events": 1,
        "socialized": "0",
        "funds": {"main": "9"},
        "fund_delta_path": ["-5", "2", "4"],
    }
    other = {**side, "fund_delta_path": ["-3", "6", "9"]}
    window = {"start": timezone.now() - timedelta(days=30), "end": timezone.now(), "events": 0}
    cache.set(
        impact_cache_key(proposal),
        {
            "scenarios": {
                "recent": {"title": "Last 30 days", "window": window, "notes": [], "empty": True},
                "crash": {"title": "Crash scenario", "current": side, "proposed": other},
            }
        },
    )
    errors: list = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/governance/p/{proposal.proposal_id}/")
    page.wait_for_function(
        "window.Chart && window.Chart.getChart(document.querySelector('canvas.impact-chart'))"
    )
    assert "No clearing events" in page.locator("#impact-recent").inner_text()
    assert page.locator("#impact-recent canvas").count() == 0
    page.locator(".impact-grid").screenshot(path="/tmp/backstop-governance-impact.png")
    assert errors == []


class WalletSwitch:
    """The browser wallet, whose account the user switches (here to the guardian Safe)."""

    def __init__(self, wallet):
        self.current = wallet

    @property
    def address(self):
        return self.current.address

    @property
    def account(self):
        return self.current.account

    def sign_typed(self, payload: dict) -> str:
        return self.current.sign_typed(payload)


class SafeWallet:
    """A Safe as a wallet app presents it: it signs typed data with its owners' signatures."""

    def __init__(self, safe):
        self.safe = safe
        self.address = safe.address

    def sign_typed(self, payload: dict) -> str:
        digest = _hash_eip191_message(encode_typed_data(full_message=payload))
        return self.safe.sign(digest)


@pytest.mark.chain
def test_guardian_cancels_from_the_proposal_page(browser, live_server, guardian):
    from governance.services.proposals import proposal_create

    proposal = proposal_create(
        proposer=Wallet(40).address,
        title="Raise the fee take to 0.03%",
        description="The guardian stops this one.",
        changes=[{"name": "fee_take_rate", "value": "0.0003"}],
        now=timezone.now(),
    )
    errors: list = []
    wallet = WalletSwitch(Wallet(41))
    context, page = wallet_page(browser, wallet, errors)
    sign_in(page, live_server.url, f"/governance/p/{proposal.proposal_id}/")
    section = page.locator("#guardian-cancel")
    assert guardian.address in section.inner_text()
    page.screenshot(path="/tmp/backstop-governance-guardian.png", full_page=True)

    # A member's own key is not the Safe: the page says so and asks for nothing.
    page.click("[data-wallet-guardian-cancel]")
    page.locator("#guardian-status.error", has_text="not the guardian Safe").wait_for()
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.PENDING

    wallet.current = SafeWallet(guardian)
    page.click("[data-wallet-guardian-cancel]")
    page.locator("#guardian-status", has_text="The guardian canceled this proposal.").wait_for()
    assert page.locator("#state").inner_text() == "Canceled"
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.CANCELED
    assert proposal.canceled_by == guardian.address
    page.screenshot(path="/tmp/backstop-governance-guardian-canceled.png", full_page=True)
    page.reload()
    assert page.locator("#guardian-cancel").count() == 0
    context.close()
    assert errors == []
