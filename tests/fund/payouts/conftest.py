"""Fixtures for payout and claim tests: verified reviewers, a funded fund, governed params.

Constants (FUNDED, ALICE_ADDRESS, LOSS) are imported by the tests from here.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta

import pytest
from django_otp.middleware import is_verified

from fund.models import Payout
from fund.services.payouts import payout_approve, payout_create
from tests.custody.conftest import CHAIN_ID, custody_chain, safe_world  # noqa: F401

FUNDED = 1_000_000_000  # 1,000 USDC
ALICE_ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"  # anvil account 1 (checksummed)
LOSS = datetime(2025, 10, 10, 21, 15, tzinfo=UTC)


def as_verified(user, device):
    """What django-otp's middleware does for a session that passed the second factor."""
    user.otp_device = device
    user.is_verified = functools.partial(is_verified, user)
    return user


@pytest.fixture
def reviewer(staff_factory):
    """make(*roles) → a staff user with a verified second factor (default role: reviewer)."""

    def make(*roles: str):
        return as_verified(*staff_factory(*(roles or ("payout_reviewer",))))

    return make


@pytest.fixture
def funded(books):
    """The main fund holding FUNDED units, paid in from the outside world."""
    books.move("top-up", books.world, books.fund, FUNDED, kind="top_up")
    return books


@pytest.fixture
def fund_params(db):
    """set(name=value, …) → governed values for fund:main, effective a minute ago."""
    from django.utils import timezone

    from governance.services.params import param_value_set

    def set_(**values):
        for name, value in values.items():
            param_value_set(
                name=name,
                scope="fund:main",
                value=str(value),
                source="test",
                actor="test",
                effective_at=timezone.now() - timedelta(minutes=1),
            )

    return set_


@pytest.fixture
def transfer(main_fund):
    """make(creator, amount, **kw) → a transfer_out payout to alice's trader balance."""
    counter = iter(range(1, 10_000))

    def make(creator, amount, **kw) -> Payout:
        kw.setdefault("recipient_account", "alice")
        return payout_create(
            fund=main_fund,
            kind=Payout.Kind.TRANSFER_OUT,
            amount=amount,
            reason="refund of a venue error",
            idempotency_key=f"t:{next(counter)}",
            actor=creator.get_username(),
            created_by_user=creator,
            **kw,
        )

    return make


@pytest.fixture
def member_client(db):
    """A test client with a wallet (SIWE) session for ALICE_ADDRESS and no Django user."""
    from django.test import Client

    client = Client()
    session = client.session
    session["member_address"] = ALICE_ADDRESS
    session.save()
    return client


@pytest.fixture
def signed_in(staff_factory):
    """signed_in(*roles) → (user, its own test client, logged in with password and TOTP)."""
    from django.test import Client
    from django_otp.oath import totp

    def make(*roles: str):
        user, device = staff_factory(*roles)
        client = Client()
        token = f"{totp(device.bin_key):06d}"
        form = {"username": user.username, "password": "correct horse battery", "otp_token": token}
        assert client.post("/staff/login/", form).status_code == 302
        return user, client

    return make


@pytest.fixture
def paid_from_safe(request, usdc, main_fund, funded, reviewer, transfer):
    """make(amount) → a booked payout to ALICE_ADDRESS from the fund's Safe on anvil.

    The fund's USDC is custody's test token and custody tracks its Safe for the fund (the
    ``safe_world`` fixture, on the ``chain`` snapshot).
    """
    from custody.services.wallets import wallet_track

    world = request.getfixturevalue("safe_world")

    usdc.chain_id, usdc.token_address = CHAIN_ID, world.usdc.address
    usdc.save()
    wallet_track(chain_id=CHAIN_ID, address=world.safe, kind="safe", fund=main_fund, actor="test")

    def make(amount: int) -> Payout:
        payout = transfer(reviewer(), amount, recipient_account="", recipient_address=ALICE_ADDRESS)
        payout_approve(payout=payout, user=reviewer())
        payout = payout_approve(payout=payout, user=reviewer())
        assert payout.status == Payout.Status.BOOKED
        return payout

    return make
