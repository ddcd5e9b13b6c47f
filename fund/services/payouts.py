"""Payouts: create, approve (four eyes above the threshold), reject, and book into the ledger.

Rules enforced here, for every caller (API, pages, clearing, demo):

* only active staff with the ``payout_reviewer`` role *and* a verified second factor in this
  session may approve, reject or retry; the creator of a payout never approves it, and one
  person's second approval is a no-op, so two approvals always mean two people;
* above the governed ``payout_review_threshold`` two approvals are needed, otherwise one;
* booking moves fund → recipient (or → payouts payable for an outside address) under the
  fund's advisory lock, never below ``reserve_floor``, never while custody says reserves do
  not cover liabilities, and claims strictly in loss-time order (seed 002, FIFO);
* every state change writes the audit log in the same transaction.

Lock order is always: the fund's advisory lock, then the payout row; the claim queue is
drained while holding the same fund lock, so two bookings can never deadlock or overtake.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from web3 import Web3

from common.auth import staff_verified, user_has_role
from common.exceptions import Conflict, Forbidden, Invalid, NotFound
from common.fields import to_amount
from common.locking import advisory_lock
from common.services.audit import audit_log_write
from common.tasks import enqueue_on_commit
from fund.models import Claim, Fund, LedgerAccount, Payout, PayoutApproval
from fund.selectors.ledger import fund_balance
from fund.services.ledger import fund_account, ledger_account, ledger_entry_post
from governance.selectors.params import param_get

REVIEWER_ROLE = "payout_reviewer"
SYSTEM_CLEARING = "system:clearing"


def reviewer_check(user) -> None:
    """Forbidden unless ``user`` is verified staff (password + TOTP) holding the reviewer role."""
    if not staff_verified(user):
        raise Forbidden("only staff signed in with a verified second factor may review payouts")
    if not user_has_role(user, REVIEWER_ROLE):
        raise Forbidden(f"reviewing payouts needs the '{REVIEWER_ROLE}' role")


def positive_amount(value: Any, *, path: str = "amount") -> int:
    try:
        amount = to_amount(value, field=path)
    except ValidationError:
        raise Invalid.field(
            path, f"must be an integer in the smallest unit, got {value!r}"
        ) from None
    if amount <= 0:
        raise Invalid.field(path, f"must be positive, got {amount}")
    return amount


def checksummed(address: str, *, path: str) -> str:
    """An outside address must be given in its EIP-55 form: a typo then cannot pass unseen."""
    if not Web3.is_address(address or ""):
        raise Invalid.field(path, f"not an Ethereum address: {address!r}")
    if not Web3.is_checksum_address(address):
        raise Invalid.field(path, f"bad EIP-55 checksum: {address!r}")
    return address


def fund_resolve(fund: Fund | str) -> Fund:
    if isinstance(fund, Fund):
        return fund
    found = Fund.objects.filter(name=fund).first()
    if found is None:
        raise NotFound.field("fund", f"unknown fund {fund!r}")
    return found


def outflow_audit(obj: Payout | Claim, *, actor: str, action: str, **after: Any) -> None:
    """``backstop.fund.payout.<action>`` or ``backstop.fund.claim.<action>`` with the status."""
    kind = obj._meta.model_name
    audit_log_write(
        actor=actor,
        action=f"backstop.fund.{kind}.{action}",
        object_type=kind,
        object_id=obj.pk,
        after={"status": obj.status, "amount": str(obj.amount), **after},
    )


def payout_create(
    *,
    fund: Fund | str,
    kind: str,
    amount: Any,
    reason: str,
    idempotency_key: str,
    actor: str,
    created_by_user=None,
    recipient_account: str = "",
    recipient_address: str = "",
    chain_id: int | None = None,
    loss_time: datetime | None = None,
    data: dict | None = None,
) -> Payout:
    """Record a payout awaiting approval; a repeated key with the same content returns it.

    ``recipient_account`` names a trader balance (venue account) of the fund's asset; an
    outside ``recipient_address`` (EIP-55) is paid from the fund's Safe on ``chain_id``
    (default: the asset's chain). Exactly one of the two is given.
    """
    if kind not in Payout.Kind.values:
        raise Invalid.field("kind", f"unknown payout kind {kind!r}")
    fund = fund_resolve(fund)
    amount = positive_amount(amount)
    if not reason.strip():
        raise Invalid.field("reason", "say why the payout is made")
    if not idempotency_key or len(idempotency_key) > 200:
        raise Invalid.field("idempotency_key", "a key of 1–200 characters is required")
    if kind == Payout.Kind.CLAIM and loss_time is None:
        raise Invalid.field("loss_time", "a claim payout needs the time of the loss")
    if bool(recipient_account) == bool(recipient_address):
        raise Invalid.field("recipient", "give exactly one of an account or an outside address")
    account = None
    if kind == Payout.Kind.SHORTFALL_REVIEW:
        account = ledger_account(
            kind=LedgerAccount.Kind.UNCOVERED_DEFICIT, asset=fund.asset, key=recipient_account
        )
    elif recipient_account:
        account = ledger_account(
            kind=LedgerAccount.Kind.TRADER_BALANCE, asset=fund.asset, key=recipient_account
        )
    else:
        recipient_address = checksummed(recipient_address, path="recipient_address")
        chain_id = chain_id or fund.asset.chain_id
        if not chain_id:
            raise Invalid.field("chain_id", f"{fund.asset} has no chain; say which chain pays")
    threshold = param_get("payout_review_threshold", fund=fund.name)
    fields = {
        "fund": fund,
        "kind": kind,
        "amount": amount,
        "recipient_account": account,
        "recipient_address": recipient_address,
        "chain_id": chain_id if recipient_address else None,
        "loss_time": loss_time,
    }
    existing = Payout.objects.filter(idempotency_key=idempotency_key).first()
    if existing:
        return _replayed(existing, fields)
    try:
        with transaction.atomic():
            payout = Payout.objects.create(
                **fields,
                reason=reason.strip()[:500],
                created_by=actor,
                created_by_user=created_by_user,
                approvals_required=2 if amount > threshold else 1,
                idempotency_key=idempotency_key,
                data=data or {},
            )
            outflow_audit(
                payout,
                actor=actor,
                action="created",
                kind=kind,
                fund=fund.name,
                recipient=payout.recipient,
                approvals_required=payout.approvals_required,
                reason=payout.reason,
            )
    except IntegrityError:
        existing = Payout.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return _replayed(existing, fields)
    return payout


def _replayed(existing: Payout, fields: dict) -> Payout:
    """A retried request gets the payout it made; a key reused for another payout is refused."""
    mismatched = [name for name, value in fields.items() if getattr(existing, name) != value]
    if mismatched:
        raise Conflict.field(
            "idempotency_key",
            f"already used for payout #{existing.pk} with other {', '.join(mismatched)}",
        )
    return existing


def payout_create_for_review(
    *, fund: Fund | str, amount: int, market: str, liquidation_ref: str, event_time: datetime
) -> Payout:
    """The waterfall's ``review`` policy: the uncovered rest of a shortfall awaits staff review.

    Booking it moves the amount from the fund to the market's uncovered deficit account.
    Idempotent per (market, liquidation_ref), so a retried settlement never creates two.
    """
    return payout_create(
        fund=fund,
        kind=Payout.Kind.SHORTFALL_REVIEW,
        amount=amount,
        reason=f"shortfall of liquidation {liquidation_ref} on {market} sent to review",
        idempotency_key=f"review:{market}:{liquidation_ref}",
        actor=SYSTEM_CLEARING,
        recipient_account=market,
        loss_time=event_time,
        data={"market": market, "liquidation_ref": liquidation_ref},
    )


def _locked(payout: Payout) -> Payout:
    """Take the fund's lock, then the payout row's, and re-read it (lock order: fund, row)."""
    advisory_lock(f"fund:{payout.fund_id}")
    return Payout.objects.select_for_update(of=("self",)).get(pk=payout.pk)


def payout_approve(*, payout: Payout, user) -> Payout:
    """Add ``user``'s approval; the last one needed books the payout in the same transaction.

    Approving a payout that is no longer pending, or approving twice, changes nothing.
    """
    reviewer_check(user)
    if payout.created_by_user_id == user.pk:
        raise Forbidden("you created this payout: someone else must approve it")
    with transaction.atomic(durable=True):
        payout = _locked(payout)
        if payout.status != Payout.Status.PENDING:
            return payout
        _, added = PayoutApproval.objects.get_or_create(payout=payout, user=user)
        if not added:
            return payout
        count = payout.approvals.count()
        outflow_audit(payout, actor=user.get_username(), action="approved", approvals=count)
        if count >= payout.approvals_required:
            payout.status = Payout.Status.APPROVED
            payout.save(update_fields=["status"])
            _book_attempt(payout, actor=user.get_username())
            _claims_drain(payout.fund, actor=user.get_username())
        return payout


def payout_book_retry(*, payout: Payout, user) -> Payout:
    """Try again to book an approved payout that waited (reserve floor, FIFO) or was paused."""
    reviewer_check(user)
    with transaction.atomic(durable=True):
        payout = _locked(payout)
        if payout.status not in (Payout.Status.APPROVED, Payout.Status.PAUSED):
            raise Conflict(f"payout #{payout.pk} is {payout.status}; only approved or paused retry")
        payout.status = Payout.Status.APPROVED
        _book_attempt(payout, actor=user.get_username())
        _claims_drain(payout.fund, actor=user.get_username())
        return payout


def payout_reject(*, payout: Payout, user, reason: str) -> Payout:
    """Reject an open payout; a booked one can only be undone by a new, reviewed entry."""
    reviewer_check(user)
    if not reason.strip():
        raise Invalid.field("reason", "say why the payout is rejected")
    with transaction.atomic(durable=True):
        payout = _locked(payout)
        if payout.status == Payout.Status.REJECTED:
            return payout
        if payout.status == Payout.Status.BOOKED:
            raise Conflict(f"payout #{payout.pk} is already booked")
        payout.status = Payout.Status.REJECTED
        payout.note = reason.strip()[:500]
        payout.save(update_fields=["status", "note"])
        outflow_audit(payout, actor=user.get_username(), action="rejected", reason=payout.note)
        _claims_drain(payout.fund, actor=user.get_username())
        return payout


def reserves_short(fund: Fund) -> bool:
    """Custody's verdict from the latest reserve-proof epoch: assets below liabilities?

    Imported here, not at module level: custody's models point at the fund app.
    """
    from custody.selectors import payouts_paused

    return payouts_paused(fund)


def _earlier_claim(payout: Payout) -> Payout | None:
    """The first open claim payout of the fund with an earlier loss than this one."""
    if payout.kind != Payout.Kind.CLAIM:
        return None
    return (
        Payout.objects.filter(
            fund_id=payout.fund_id, kind=Payout.Kind.CLAIM, status__in=Payout.OPEN
        )
        .exclude(pk=payout.pk)
        .filter(loss_time__lte=payout.loss_time)
        .exclude(loss_time=payout.loss_time, pk__gt=payout.pk)
        .order_by("loss_time", "pk")
        .first()
    )


def _wait(payout: Payout, note: str, *, actor: str, status: str = Payout.Status.APPROVED) -> None:
    changed = (payout.status, payout.note) != (status, note)
    payout.status, payout.note = status, note
    payout.save(update_fields=["status", "note"])
    if changed:
        outflow_audit(
            payout, actor=actor, action=status if status == "paused" else "waiting", note=note
        )


def _book_attempt(payout: Payout, *, actor: str) -> bool:
    """Book an approved payout now if every rule allows; otherwise record why it waits."""
    fund = payout.fund
    earlier = _earlier_claim(payout)
    if earlier is not None:
        _wait(
            payout,
            f"waits for claim payout #{earlier.pk} "
            f"(earlier loss at {earlier.loss_time:%Y-%m-%d %H:%M})",
            actor=actor,
        )
        return False
    if reserves_short(fund):
        _wait(
            payout,
            "paused: custody reserves do not cover the ledger's liabilities",
            actor=actor,
            status=Payout.Status.PAUSED,
        )
        return False
    floor = param_get("reserve_floor", fund=fund.name)
    balance = fund_balance(fund)
    if balance - payout.amount < floor:
        _wait(
            payout,
            f"waits: paying {payout.amount} would take the fund below its reserve floor "
            f"(balance {balance}, floor {floor})",
            actor=actor,
        )
        return False
    target = payout.recipient_account or ledger_account(
        kind=LedgerAccount.Kind.PAYOUTS_PAYABLE, asset=fund.asset, key=fund.name, fund=fund
    )
    now = timezone.now()
    entry = ledger_entry_post(
        key=f"payout:{payout.pk}",
        kind="payout",
        postings=[(fund_account(fund), -payout.amount), (target, payout.amount)],
        event_time=now,
        fund=fund,
        memo=f"{payout.kind} payout #{payout.pk}"[:500],
        data={"payout": payout.pk, "kind": payout.kind, "recipient": payout.recipient},
    )
    payout.status, payout.note, payout.entry, payout.booked_at = (
        Payout.Status.BOOKED,
        "",
        entry,
        now,
    )
    payout.save(update_fields=["status", "note", "entry", "booked_at"])
    outflow_audit(payout, actor=actor, action="booked", entry=entry.key, seq=entry.seq)
    if payout.recipient_address:
        from fund.tasks import build_payout_safe_tx_task

        enqueue_on_commit(build_payout_safe_tx_task, payout.pk)
    return True


def _claims_drain(fund: Fund, *, actor: str) -> None:
    """Book approved claim payouts in loss-time order until the first one that must wait.

    Runs under the fund's lock after anything that can unblock the queue (a booking or a
    rejection), so a later claim is never paid while an earlier approved one waits.
    """
    waiting = Payout.objects.select_for_update(of=("self",)).filter(
        fund=fund, kind=Payout.Kind.CLAIM, status=Payout.Status.APPROVED
    )
    for payout in waiting.order_by("loss_time", "pk"):
        if not _book_attempt(payout, actor=actor):
            return
