"""A seeded venue for the API fuzzer, built once per module and rolled back at its end.

The demo steps (funds with history, stakers, payouts and a claim, proposals, a reserve
epoch) plus a small book with open positions give the generated requests real names to hit.
The seed lives in TestCase-style atomics around the whole module, so each test's own
transaction nests inside it and no row outlives the module (other test folders expect an
empty database).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal as D

import pytest
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client, TestCase
from web3 import Web3

T0 = datetime(2025, 10, 10, 20, 0, tzinfo=UTC)
USDC = 10**6
# The demo's first staker (anvil account 0): it has shares, an unstake request, a proposal.
MEMBER = Web3.to_checksum_address("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266")


@dataclass(frozen=True)
class World:
    api_key: str
    session_cookie: str
    csrf_token: str


def _seed_book() -> None:
    """A linear market on its own fund with a long and a short open, and a mark."""
    from clearing.services.fills import FillInput, fills_ingest
    from clearing.services.markets import fund_top_up, market_create, trader_deposit
    from clearing.services.marks import MarkInput, marks_ingest
    from fund.models import Asset
    from fund.services.funds import fund_create

    usdc = Asset.objects.get(symbol="USDC")
    fund = fund_create(name="fuzz", asset=usdc, actor="fuzz")
    market_create(
        symbol="BTC-USDC",
        kind="linear",
        fund=fund,
        lot=D("0.001"),
        tick=D("0.1"),
        mmr=D("0.005"),
        actor="fuzz",
    )
    fund_top_up(fund=fund, amount=50_000 * USDC, key="fuzz-top-up", event_time=T0)
    fills = []
    for n, (account, side) in enumerate([("alice", "buy"), ("bob", "sell")]):
        trader_deposit(
            account=account, asset=usdc, amount=20_000 * USDC, key=f"fuzz-d{n}", event_time=T0
        )
        fills.append(
            FillInput(
                id=f"fuzz-f{n}",
                account=account,
                market="BTC-USDC",
                side=side,
                qty=D("0.5"),
                price=D("60000"),
                fee=15 * USDC,
                margin=3_000 * USDC,
                ts=T0,
            )
        )
    fills_ingest(fills=fills)
    marks_ingest(marks=[MarkInput("BTC-USDC", D("60500"), T0)])


def _seed_wallet() -> None:
    """A plain account tracked for fund main with an open challenge (no chain needed)."""
    from custody.models import TrackedWallet
    from custody.services.challenges import challenge_issue
    from fund.models import Fund

    wallet = TrackedWallet.objects.create(
        chain_id=31337, address=MEMBER, kind="eoa", fund=Fund.objects.get(name="main")
    )
    challenge_issue(wallet=wallet)


def _staff_session() -> str:
    """A staff session with a verified TOTP and every role; the demo member signed in too."""
    from django_otp.oath import totp

    from common.auth import ROLES
    from common.services.staff import staff_create
    from governance.auth import SESSION_KEY

    user, device = staff_create(
        username="fuzz-staff", password="correct horse battery", roles=list(ROLES), actor="fuzz"
    )
    client = Client()
    response = client.post(
        "/staff/login/",
        {
            "username": user.username,
            "password": "correct horse battery",
            "otp_token": f"{totp(device.bin_key):06d}",
        },
    )
    assert response.status_code == 302, response.content
    session = client.session
    session[SESSION_KEY] = MEMBER
    session.save()
    return session.session_key


@pytest.fixture(autouse=True)
def _keep_connection():
    """Requests go through the real WSGI handler, whose request signals would close the
    connection that holds the test transaction; Django's test client unhooks them the same way.
    """
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.test import override_settings

    from common.demo import demo_steps
    from common.services.apikeys import VALID_SCOPES, api_key_create

    # The demo writes its venue key to DEMO_DIR: keep the developer's own file untouched.
    demo_dir = override_settings(DEMO_DIR=str(tmp_path_factory.mktemp("demo")))
    with django_db_blocker.unblock(), demo_dir:
        atomics = TestCase._enter_atomics()
        try:
            with TestCase.captureOnCommitCallbacks(execute=True):
                for step in demo_steps():
                    if step.order != 30:  # the clearing demo replays a crash day: too slow
                        step.run(lambda line: None)
                _seed_book()
                _seed_wallet()
                _, key = api_key_create(name="fuzz venue", scopes=sorted(VALID_SCOPES), actor="t")
                cookie = _staff_session()
            yield World(api_key=key, session_cookie=cookie, csrf_token=_get_new_csrf_string())
        finally:
            TestCase._rollback_atomics(atomics)
