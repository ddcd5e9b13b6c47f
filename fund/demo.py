"""Demo step of the fund ledger: USDC and BTC, funds ``main`` and ``btc``, 90 days of history.

The history has a shape worth charting: a treasury seed, daily fee take from traders' fees,
liquidation surpluses, a few shortfall covers and a top-up after the worst one. Every entry
has a stable key and its event times hang off an anchor day fixed by the first run (read back
from the seed entry afterwards), so running the demo again books nothing new.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

from common.demo import demo_step
from fund.models import Asset, Entry, Fund, LedgerAccount
from fund.services.funds import asset_create, fund_create
from fund.services.ledger import EntryInput, fund_account, ledger_account, ledger_entries_post

DAYS = 90
FUNDS = [
    # name, asset, decimals, seed balance, typical daily fee take (smallest units)
    ("main", "USDC", 6, 2_500_000 * 10**6, 9_000 * 10**6),
    ("btc", "BTC", 8, 40 * 10**8, 12 * 10**6),
]


def _asset(symbol: str, decimals: int) -> Asset:
    return Asset.objects.filter(symbol=symbol).first() or asset_create(
        symbol=symbol, decimals=decimals, actor="demo"
    )


def _fund(name: str, asset: Asset) -> Fund:
    return Fund.objects.filter(name=name).first() or fund_create(
        name=name, asset=asset, description=f"Demo {asset.symbol} insurance fund", actor="demo"
    )


def _anchor(name: str) -> datetime:
    """Midnight UTC of the seed's day: fixed by the first run, read back afterwards."""
    seed = Entry.objects.filter(key=f"demo:{name}:seed").values_list("event_time", flat=True)
    if seed:
        return seed[0]
    start = datetime.now(UTC).date() - timedelta(days=DAYS)
    return datetime.combine(start, time.min, tzinfo=UTC)


def fund_history_entries(fund: Fund, *, seed: int, daily_fee: int) -> list[EntryInput]:
    """A deterministic 90-day history for one fund (same inputs, same entries)."""
    asset = fund.asset
    world = ledger_account(kind=LedgerAccount.Kind.EXTERNAL, asset=asset, key=asset.symbol)
    traders = ledger_account(kind=LedgerAccount.Kind.TRADER_BALANCE, asset=asset, key="demo")
    fees = ledger_account(kind=LedgerAccount.Kind.FEE_INCOME, asset=asset, key=asset.symbol)
    venue = ledger_account(kind=LedgerAccount.Kind.COUNTERPARTY, asset=asset, key="demo")
    pool = fund_account(fund)
    start = _anchor(fund.name)
    rng = random.Random(f"{fund.name}:{seed}")
    name = fund.name

    def entry(key, kind, source, target, amount, at, memo=""):
        return EntryInput(
            key=f"demo:{name}:{key}",
            kind=kind,
            postings=[(source, -amount), (target, amount)],
            event_time=at,
            fund=fund,
            memo=memo,
        )

    entries = [
        entry("seed", "top_up", world, pool, seed, start, "treasury seed"),
        entry("traders", "deposit", world, traders, seed * 10, start),
    ]
    for day in range(DAYS):
        noon = start + timedelta(days=day, hours=12)
        fee = daily_fee * rng.randint(60, 160) // 100
        entries.append(entry(f"fee:{day}", "fill_fee", traders, fees, fee * 5, noon))
        entries.append(entry(f"take:{day}", "fee_take", fees, pool, fee, noon))
        if rng.random() < 0.35:
            surplus = daily_fee * rng.randint(5, 80) // 100
            at = noon + timedelta(hours=3)
            entries.append(
                entry(f"surplus:{day}", "liquidation_surplus", traders, pool, surplus, at)
            )
        if day in (23, 51, 52, 77):
            cover = seed * (12 if day == 51 else 4) // 100
            at = noon + timedelta(hours=5)
            entries.append(entry(f"cover:{day}", "shortfall_cover", pool, venue, cover, at))
        if day == 55:
            at = noon + timedelta(hours=1)
            entries.append(entry("topup:55", "top_up", world, pool, seed // 10, at, "DAO top-up"))
    return entries


@demo_step(20, "Fund ledger: USDC and BTC funds with 90 days of history")
def fund_ledger_demo(say) -> None:
    for name, symbol, decimals, seed, daily_fee in FUNDS:
        fund = _fund(name, _asset(symbol, decimals))
        entries = fund_history_entries(fund, seed=seed, daily_fee=daily_fee)
        ledger_entries_post(entries=entries)
        say(f"fund {name}: {len(entries)} entries over {DAYS} days (/fund/{name}/)")


# --- staking ---------------------------------------------------------------------------

DEMO_STAKERS = [
    # anvil's first test accounts, so a developer's browser wallet on anvil sees its stake
    ("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", 250_000),
    ("0x70997970c51812dc3a010c7d01b50e0d17dc79c8", 100_000),
    ("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc", 40_000),
]


@demo_step(25, "Staking: three stakers on the main fund, an unstake request, a reward epoch")
def fund_staking_demo(say) -> None:
    from fund.models import RewardEpoch, UnstakeRequest
    from fund.services.ledger import ledger_entry_post
    from fund.services.staking import stake_create, unstake_request
    from fund.services.staking_rewards import reward_epoch_close

    fund = Fund.objects.select_related("asset").get(name="main")
    # Right after the ledger history ends, so the share price history stays consistent.
    start = _anchor("main") + timedelta(days=DAYS)
    world = ledger_account(kind=LedgerAccount.Kind.EXTERNAL, asset=fund.asset, key="USDC")
    for n, (address, whole) in enumerate(DEMO_STAKERS):
        at = start + timedelta(minutes=n + 1)
        amount = whole * 10**fund.asset.decimals
        member = ledger_account(
            kind=LedgerAccount.Kind.TRADER_BALANCE, asset=fund.asset, key=address
        )
        key = f"demo:staking:deposit:{address}"
        if not Entry.objects.filter(key=key).exists():
            ledger_entry_post(
                key=key,
                kind="deposit",
                postings=[(world, -amount), (member, amount)],
                event_time=at,
            )
        stake_create(fund=fund, address=address, amount=amount * 4 // 5, client_key="demo", now=at)
    first = DEMO_STAKERS[0][0]
    if not UnstakeRequest.objects.filter(fund=fund, address=first).exists():
        unstake_request(fund=fund, address=first, shares=10**17, now=start + timedelta(minutes=5))
    now = datetime.now(UTC)
    if not RewardEpoch.objects.filter(fund=fund).exists() and now > start + timedelta(minutes=5):
        reward_epoch_close(fund=fund, until=now)
    say(f"{len(DEMO_STAKERS)} stakers in fund main (/fund/staking/main/, /fund/me/ when signed in)")


# --- payouts ---------------------------------------------------------------------------

DEMO_CLAIMANT = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"  # anvil account 2


@demo_step(28, "Payouts: a shortfall awaiting review and an approved claim")
def fund_payouts_demo(say) -> None:
    """A review payout as clearing leaves it (decision 021) and a claim a reviewer approved.

    Both payouts stay pending: the demo has one staff account and nobody approves their own
    payout, so a second reviewer is needed (``manage.py staff_create``).
    """
    import functools

    from django.contrib.auth import get_user_model
    from django_otp.middleware import is_verified
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from fund.models import Claim
    from fund.services.claims import claim_review, claim_submit
    from fund.services.ledger import ledger_entry_post
    from fund.services.payouts import payout_create_for_review

    fund = Fund.objects.select_related("asset").get(name="main")
    unit = 10**fund.asset.decimals
    at = _anchor("main") + timedelta(days=DAYS - 1, hours=21)
    deficit = ledger_account(
        kind=LedgerAccount.Kind.UNCOVERED_DEFICIT, asset=fund.asset, key="BTC-USDC"
    )
    venue = ledger_account(kind=LedgerAccount.Kind.COUNTERPARTY, asset=fund.asset, key="demo")
    ledger_entry_post(
        key="demo:payouts:review-deficit",
        kind="uncovered_deficit",
        postings=[(deficit, -1_250 * unit), (venue, 1_250 * unit)],
        event_time=at,
        memo="review policy: shortfall beyond the automatic cover",
    )
    review = payout_create_for_review(
        fund=fund, amount=1_250 * unit, market="BTC-USDC", liquidation_ref="demo-1", event_time=at
    )
    claim = Claim.objects.filter(fund=fund, member_address=DEMO_CLAIMANT).first()
    if claim is None:
        claim = claim_submit(
            member_address=DEMO_CLAIMANT,
            fund=fund,
            amount=300 * unit,
            loss_time=at,
            evidence="Stop order 81723 filled 40 s late during the index outage (log ref 9f2c).",
        )
    if claim.status == Claim.Status.SUBMITTED:
        admin = get_user_model().objects.get(username="admin")
        # What django-otp's middleware does for a session that passed the second factor.
        admin.otp_device = TOTPDevice.objects.get(user=admin)
        admin.is_verified = functools.partial(is_verified, admin)
        claim = claim_review(
            claim=claim, user=admin, approve=True, recipient_account=DEMO_CLAIMANT.lower()
        )
    say(
        f"payout #{review.pk} (shortfall review) and claim #{claim.pk} → payout "
        f"#{claim.payout_id} wait for approval (/fund/staff/payouts/)"
    )
