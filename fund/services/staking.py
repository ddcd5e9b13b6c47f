"""Staking writes: stake, unstake request, cancel, withdraw.

Each service is one transaction that first takes the ledger's chain-head lock (the lock every
posting takes first, so no balance can move under us) and then the fund's ``StakePool`` row;
share math then sees the balance it books against. ``now`` is always passed in, so cooldown
boundaries are testable with a frozen clock. See docs/staking.md.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from fractions import Fraction

from django.db import transaction

from common.exceptions import Conflict, Forbidden, Invalid, NotFound
from fund.models import (
    Fund,
    LedgerAccount,
    LedgerHead,
    OnchainDeposit,
    ShareEvent,
    StakeDeposit,
    StakePool,
    StakePosition,
    UnstakeRequest,
)
from fund.models.staking import PROTOCOL
from fund.selectors.ledger import account_balance
from fund.selectors.staking import pool_now
from fund.services.ledger import fund_account, ledger_account, ledger_entry_post
from fund.staking_math import PoolState
from governance.selectors.params import param_get

ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
TX_HASH = re.compile(r"^0x[0-9a-fA-F]{64}$")


def member_address_check(address: str, *, path: str = "address") -> str:
    """The lowercase form staking stores; anything but a 0x address is refused."""
    if not isinstance(address, str) or not ADDRESS.match(address):
        raise Invalid.field(path, "must be a 0x-prefixed 20-byte hex address")
    return address.lower()


def _client_key_check(client_key: str) -> str:
    if not client_key or len(client_key) > 100:
        raise Invalid.field("idempotency_key", "a client key of 1–100 characters is required")
    return client_key


def stake_pool_lock(fund: Fund, *, now: datetime) -> tuple[StakePool, PoolState]:
    """Lock the ledger head, then the pool; bring the pool's shares up to date and save them."""
    LedgerHead.objects.select_for_update().filter(pk=1).first()
    StakePool.objects.get_or_create(fund=fund)
    pool = StakePool.objects.select_for_update().get(fund=fund)
    state, seq = pool_now(fund, at=now)
    if state.minted:
        ShareEvent.objects.create(
            fund=fund,
            holder=PROTOCOL,
            kind=ShareEvent.Kind.PROTOCOL,
            delta=state.minted,
            total_after=state.total,
            balance_after=state.balance,
            at=now,
        )
    pool.total_shares, pool.protocol_shares, pool.revenue_seq = state.total, state.protocol, seq
    pool.save(update_fields=["total_shares", "protocol_shares", "revenue_seq"])
    return pool, state


def _position(fund: Fund, address: str, *, now: datetime) -> StakePosition:
    StakePosition.objects.get_or_create(fund=fund, address=address, defaults={"accrued_at": now})
    return StakePosition.objects.select_for_update().get(fund=fund, address=address)


def position_accrue(position: StakePosition, *, now: datetime) -> None:
    """Add reward points for the free shares held since ``accrued_at`` (not saved here).

    ``reward_rate`` in force at ``now`` applies to the whole interval; shares waiting in an
    unstake request earn nothing (they are leaving). Rounded down.
    """
    seconds = int((now - position.accrued_at).total_seconds())
    if seconds <= 0:
        return
    rate = Fraction(param_get("reward_rate", fund=position.fund.name, at=now))
    position.points += int(rate * position.free_shares * seconds)
    position.accrued_at = now


def _shares_move(
    pool: StakePool, state: PoolState, position: StakePosition, delta: int, kind: str, at
) -> None:
    pool.total_shares += delta
    pool.save(update_fields=["total_shares"])
    position.shares += delta
    position.save()
    ShareEvent.objects.create(
        fund=pool.fund,
        holder=position.address,
        kind=kind,
        delta=delta,
        total_after=pool.total_shares,
        balance_after=state.balance,
        at=at,
    )


def stake_create(
    *,
    fund: Fund,
    address: str,
    amount: int,
    client_key: str,
    now: datetime,
    tx_hash: str | None = None,
) -> StakeDeposit:
    """Stake ``amount`` of the fund's asset for shares (rounded down).

    From the member's ledger balance, or with ``tx_hash`` from a confirmed on-chain transfer
    of exactly ``amount`` sent by the member to the fund's Safe. A repeated ``client_key``
    returns the first stake instead of booking again.
    """
    address = member_address_check(address)
    client_key = _client_key_check(client_key)
    if tx_hash is not None and not TX_HASH.match(tx_hash):
        raise Invalid.field("tx_hash", "must be a 0x-prefixed 32-byte hex transaction hash")
    tx_hash = tx_hash.lower() if tx_hash else None
    if amount <= 0:
        raise Invalid.field("amount", "must be a positive amount in the smallest unit")
    with transaction.atomic():
        pool, state = stake_pool_lock(fund, now=now)  # first: a concurrent retry waits here
        replay = _stake_replay(fund, address, amount, client_key, tx_hash)
        if replay:
            return replay
        if state.staker_shares == 0:
            minimum = param_get("stake_minimum_first_deposit", fund=fund.name, at=now)
            if amount < minimum:
                raise Invalid.field(
                    "amount",
                    f"the first stake into fund {fund.name} must be at least {minimum} "
                    "(guards the share price against inflation)",
                )
        shares = state.shares_for(amount)
        if shares == 0:
            raise Invalid.field("amount", "too small: it would buy no shares at today's price")
        onchain = _onchain_deposit(fund, address, amount, tx_hash) if tx_hash else None
        source = _stake_source(fund, address, amount, onchain)
        entry = ledger_entry_post(
            key=f"stake:{fund.name}:{address}:{client_key}",
            kind="stake",
            postings=[(source, -amount), (fund_account(fund), amount)],
            event_time=now,
            fund=fund,
            memo=f"stake by {address}",
            data={"address": address, "shares": str(shares), "tx_hash": tx_hash},
        )
        position = _position(fund, address, now=now)
        position_accrue(position, now=now)
        state = PoolState(state.total, state.protocol, state.balance + amount)
        _shares_move(pool, state, position, shares, ShareEvent.Kind.STAKE, now)
        return StakeDeposit.objects.create(
            fund=fund,
            address=address,
            client_key=client_key,
            source=StakeDeposit.Source.ONCHAIN if onchain else StakeDeposit.Source.BALANCE,
            onchain=onchain,
            amount=amount,
            shares=shares,
            at=now,
            entry=entry,
        )


def _stake_replay(fund, address, amount, client_key, tx_hash) -> StakeDeposit | None:
    done = StakeDeposit.objects.filter(address=address, client_key=client_key).first()
    if done is None:
        return None
    done_tx = done.onchain.tx_hash if done.onchain_id else None
    if done.fund_id != fund.pk or done.amount != amount or done_tx != tx_hash:
        raise Conflict.field("idempotency_key", "this key was already used for a different stake")
    return done


def _onchain_deposit(fund: Fund, address: str, amount: int, tx_hash: str) -> OnchainDeposit:
    deposit = OnchainDeposit.objects.select_for_update().filter(tx_hash=tx_hash).first()
    if deposit is None:
        raise Invalid.field("tx_hash", "unknown transaction: no transfer with this hash was seen")
    if deposit.fund_id != fund.pk:
        raise Invalid.field("tx_hash", f"this transfer went to another fund, not {fund.name}")
    if deposit.confirmed_block is None:
        raise Invalid.field(
            "tx_hash", f"transfer in block {deposit.block_number} is not confirmed yet"
        )
    if deposit.from_address != address:
        raise Forbidden.field("tx_hash", "this transfer was sent from another address")
    if hasattr(deposit, "stake"):
        raise Conflict.field("tx_hash", "this transfer was already staked")
    if deposit.amount != amount:
        raise Invalid.field("amount", f"must equal the transferred amount {deposit.amount}")
    return deposit


def _stake_source(
    fund: Fund, address: str, amount: int, onchain: OnchainDeposit | None
) -> LedgerAccount:
    asset = fund.asset
    if onchain:
        return ledger_account(kind=LedgerAccount.Kind.EXTERNAL, asset=asset, key=asset.symbol)
    source = ledger_account(kind=LedgerAccount.Kind.TRADER_BALANCE, asset=asset, key=address)
    balance = account_balance(source)
    if amount > balance:
        raise Invalid.field("amount", f"exceeds your {asset.symbol} balance of {balance}")
    return source


def unstake_request(*, fund: Fund, address: str, shares: int, now: datetime) -> UnstakeRequest:
    """Set ``shares`` aside; their value now caps what the withdrawal after cooldown pays."""
    address = member_address_check(address)
    if shares <= 0:
        raise Invalid.field("shares", "must be a positive number of shares")
    with transaction.atomic():
        pool, state = stake_pool_lock(fund, now=now)
        position = (
            StakePosition.objects.select_for_update().filter(fund=fund, address=address).first()
        )
        free = position.free_shares if position else 0
        if shares > free:
            owned = position.shares if position else 0
            raise Invalid.field(
                "shares",
                f"only {free} shares are free to unstake "
                f"({owned} owned, {owned - free} already in pending requests)",
            )
        position_accrue(position, now=now)
        position.locked_shares += shares
        position.save()
        cooldown = param_get("unstake_cooldown", fund=fund.name, at=now)
        return UnstakeRequest.objects.create(
            fund=fund,
            address=address,
            shares=shares,
            value_at_request=state.value_of(shares),
            requested_at=now,
            available_at=now + timedelta(seconds=cooldown),
        )


def _request_lock(request_id: int, address: str) -> UnstakeRequest:
    request = (
        UnstakeRequest.objects.select_for_update()
        .select_related("fund")
        .filter(pk=request_id)
        .first()
    )
    if request is None or request.address != member_address_check(address):
        raise NotFound(f"no unstake request {request_id} of yours")
    return request


def unstake_cancel(*, request_id: int, address: str, now: datetime) -> UnstakeRequest:
    """Give pending shares back to the member; they earn rewards again from now."""
    with transaction.atomic():
        request = _request_lock(request_id, address)
        if request.status != UnstakeRequest.Status.PENDING:
            raise Conflict(f"unstake request {request_id} is already {request.status}")
        stake_pool_lock(request.fund, now=now)
        position = _position(request.fund, request.address, now=now)
        position_accrue(position, now=now)
        position.locked_shares -= request.shares
        position.save()
        request.status, request.closed_at = UnstakeRequest.Status.CANCELLED, now
        request.save(update_fields=["status", "closed_at"])
        return request


def unstake_withdraw(
    *, request_id: int, address: str, client_key: str, now: datetime
) -> UnstakeRequest:
    """After the cooldown, burn the shares and pay ``min(value at request, value now)``.

    The payment goes to the member's ledger balance; whatever the shares were worth above it
    stays in the fund for the remaining holders. Repeating with the same ``client_key``
    returns the finished request; any other second withdrawal is refused.
    """
    client_key = _client_key_check(client_key)
    with transaction.atomic():
        request = _request_lock(request_id, address)
        if request.status == UnstakeRequest.Status.WITHDRAWN and request.client_key == client_key:
            return request
        if request.status != UnstakeRequest.Status.PENDING:
            raise Conflict(f"unstake request {request_id} is already {request.status}")
        if now < request.available_at:
            left = int((request.available_at - now).total_seconds())
            raise Conflict(
                f"cooldown runs until {request.available_at.isoformat()} ({left} s left)",
                code="cooldown",
            )
        fund = request.fund
        pool, state = stake_pool_lock(fund, now=now)
        paid = min(request.value_at_request, state.value_of(request.shares))
        entry = None
        if paid > 0:
            member = ledger_account(
                kind=LedgerAccount.Kind.TRADER_BALANCE, asset=fund.asset, key=request.address
            )
            entry = ledger_entry_post(
                key=f"unstake:{request.pk}",
                kind="unstake",
                postings=[(fund_account(fund), -paid), (member, paid)],
                event_time=now,
                fund=fund,
                memo=f"unstake by {request.address}",
                data={"address": request.address, "shares": str(request.shares)},
            )
        position = _position(fund, request.address, now=now)
        position_accrue(position, now=now)
        position.locked_shares -= request.shares
        state = PoolState(state.total, state.protocol, state.balance - paid)
        _shares_move(pool, state, position, -request.shares, ShareEvent.Kind.UNSTAKE, now)
        request.status, request.closed_at = UnstakeRequest.Status.WITHDRAWN, now
        request.paid, request.client_key, request.entry = paid, client_key, entry
        request.save(update_fields=["status", "closed_at", "paid", "client_key", "entry"])
        return request
