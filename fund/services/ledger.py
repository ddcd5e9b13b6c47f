"""Posting journal entries: the only way money moves in Backstop.

Every rule is checked here in Python for a precise error, and again by PostgreSQL (deferred
balance trigger, append-only triggers, non-negative check on protected accounts), which has
the final say. Order of locks inside the transaction: the chain head first, then the touched
accounts in id order; taking the head first serializes writers, so no two postings can
deadlock and ``seq`` follows commit order.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from common.canonical import GENESIS_HASH, canonical_json
from common.exceptions import Conflict, Invalid
from common.fields import to_amount
from fund.models import Asset, Entry, Fund, LedgerAccount, LedgerHead, Posting
from fund.services.ledger_history import FundMove, fund_history_record
from fund.services.ledger_rows import next_ids, rows_insert

ENTRY_KINDS = frozenset(
    {
        "deposit",
        "withdrawal",
        "fill_margin",
        "fill_fee",
        "fee_take",
        "realized_pnl",
        "margin_release",
        "liquidation_surplus",
        "shortfall_cover",
        "adl",
        "socialized_loss",
        "uncovered_deficit",
        "payout",
        "stake",
        "unstake",
        "top_up",
        "reward",
        "correction",
    }
)

ENTRY_FIELDS = [  # Entry's concrete fields in declaration order (``Entry.from_db`` needs it)
    "id",
    "seq",
    "key",
    "kind",
    "fund_id",
    "event_time",
    "created_at",
    "memo",
    "data",
    "digest",
    "prev_hash",
    "hash",
]


@dataclass(frozen=True)
class EntryInput:
    key: str
    kind: str
    postings: Sequence[tuple[LedgerAccount, int]]
    event_time: datetime
    fund: Fund | None = None
    memo: str = ""
    data: dict | None = field(default=None)


def ledger_account(*, kind: str, asset: Asset, key: str, fund: Fund | None = None) -> LedgerAccount:
    """The account for (kind, asset, key), created on first use with its protection flag."""
    if kind not in LedgerAccount.Kind.values:
        raise Invalid.field("kind", f"unknown account kind {kind!r}")
    if not isinstance(asset, Asset) or asset.pk is None:
        raise Invalid.field("asset", f"unknown asset {asset!r}")
    if kind == LedgerAccount.Kind.FUND and (fund is None or fund.asset_id != asset.pk):
        raise Invalid.field("fund", "a fund account belongs to its fund, in the fund's asset")
    account, _ = LedgerAccount.objects.get_or_create(
        kind=kind,
        asset=asset,
        key=key,
        defaults={"fund": fund, "protected": kind in LedgerAccount.PROTECTED_KINDS},
    )
    return account


def fund_account(fund: Fund) -> LedgerAccount:
    return ledger_account(kind=LedgerAccount.Kind.FUND, asset=fund.asset, key=fund.name, fund=fund)


def entry_content(entry: EntryInput, amounts: list[int], symbols: dict[int, str]) -> dict:
    """What the digest and the hash chain cover: everything that gives the entry its meaning.

    The chain link is ``sha256(prev_hash || canonical_json({"seq": seq, **content}))``.
    """
    return {
        "key": entry.key,
        "kind": entry.kind,
        "fund": entry.fund.name if entry.fund else None,
        "event_time": entry.event_time.astimezone(UTC).isoformat(),
        "memo": entry.memo,
        "data": entry.data,
        "postings": sorted(
            [account.kind, account.key, symbols[account.asset_id], str(amount)]
            for (account, _), amount in zip(entry.postings, amounts, strict=True)
        ),
    }


def chain_payload(content_json: bytes, seq: int) -> bytes:
    """``canonical_json({"seq": seq, **content})`` from the already encoded content.

    Canonical JSON sorts keys and every content key sorts before "seq", so the link's payload
    is the content's encoding with ``"seq"`` appended last: each entry is encoded once, not
    twice (the batched path's largest Python cost). ``chain_verify`` recomputes it the long
    way, and a test holds the two equal.
    """
    return content_json[:-1] + b',"seq":' + str(seq).encode() + b"}"


def _validated_amounts(entry: EntryInput, path: str) -> list[int]:
    if not entry.key or len(entry.key) > 200:
        raise Invalid.field(f"{path}.key", "an idempotency key of 1–200 characters is required")
    if entry.kind not in ENTRY_KINDS:
        raise Invalid.field(f"{path}.kind", f"unknown entry kind {entry.kind!r}")
    if entry.event_time is None or entry.event_time.tzinfo is None:
        raise Invalid.field(f"{path}.event_time", "must be a timezone-aware time")
    if len(entry.postings) < 2:
        raise Invalid.field(f"{path}.postings", "an entry needs at least two postings")
    amounts = []
    sums: dict[int, int] = defaultdict(int)
    for index, (account, raw) in enumerate(entry.postings):
        where = f"{path}.postings.{index}"
        if not isinstance(account, LedgerAccount) or account.pk is None:
            raise Invalid.field(f"{where}.account", "must be a saved ledger account")
        try:
            amount = to_amount(raw, field="amount")
        except ValidationError:
            raise Invalid.field(
                f"{where}.amount", f"must be an integer amount in the smallest unit, got {raw!r}"
            ) from None
        if amount == 0:
            raise Invalid.field(f"{where}.amount", "must not be zero")
        sums[account.asset_id] += amount
        amounts.append(amount)
    unbalanced = {asset: total for asset, total in sums.items() if total != 0}
    if unbalanced:
        asset_id, total = next(iter(unbalanced.items()))
        symbol = Asset.objects.filter(pk=asset_id).values_list("symbol", flat=True).first()
        raise Invalid.field(f"{path}.postings", f"postings of {symbol} sum to {total}, not zero")
    return amounts


def _lock_head() -> tuple[int, str]:
    """Lock the chain head row, then read the chain's tip (last seq and hash) from the entries.

    The row is only locked, never updated: a row rewritten by every posting piles up dead
    versions while any other session holds an old snapshot, and reading it got slower with
    every entry (decision 012). The tip comes from the unique index on ``seq``.
    """
    if not LedgerHead.objects.select_for_update().filter(pk=1).exists():
        LedgerHead.objects.bulk_create([LedgerHead(pk=1)], ignore_conflicts=True)
        LedgerHead.objects.select_for_update().filter(pk=1).exists()
    tip = Entry.objects.order_by("-seq").values_list("seq", "hash").first()
    return tip or (0, GENESIS_HASH)


def ledger_entries_post(*, entries: Sequence[EntryInput]) -> list[Entry]:
    """Post many entries in one transaction (bulk inserts, head lock once); all or nothing.

    Returns one Entry per input, in input order; an input whose key was already booked with
    the same content returns the existing entry (a retry), with other content raises Conflict.
    """
    prepared = []
    for index, entry in enumerate(entries):
        path = f"entries.{index}" if len(entries) > 1 else "entry"
        prepared.append((entry, _validated_amounts(entry, path), path))
    symbols = dict(Asset.objects.values_list("id", "symbol"))
    contents = [entry_content(entry, amounts, symbols) for entry, amounts, _ in prepared]
    encoded = [canonical_json(content) for content in contents]
    digests = [hashlib.sha256(text).hexdigest() for text in encoded]
    with transaction.atomic():
        head = _lock_head()
        existing = {e.key: e for e in _entries_by_key([e.key for e, _, _ in prepared])}
        result: list[Entry | None] = []
        new: list[tuple[EntryInput, list[int], str, tuple[str, bytes]]] = []
        seen: dict[str, str] = {}
        for (entry, amounts, path), digest, text in zip(prepared, digests, encoded, strict=True):
            known = existing.get(entry.key)
            earlier = seen.get(entry.key)
            if (known and known.digest != digest) or (earlier and earlier != digest):
                raise Conflict.field(
                    f"{path}.key",
                    f"idempotency key {entry.key!r} was already used for a different entry",
                )
            result.append(known)
            if not known and not earlier:
                new.append((entry, amounts, path, (digest, text)))
            seen[entry.key] = digest
        if new:
            created = _book(head, new)
            by_key = {e.key: e for e in created}
            result = [
                r if r is not None else by_key[e.key]
                for r, (e, _, _) in zip(result, prepared, strict=True)
            ]
        return result  # type: ignore[return-value]


def _entries_by_key(keys: list[str]):
    """Entries already booked under these keys; one array parameter on PostgreSQL, because
    binding thousands of ``IN`` parameters costs more than the lookup itself."""
    if connection.vendor == "postgresql":
        return Entry.objects.raw("SELECT * FROM fund_entry WHERE key = ANY(%s)", [keys])
    return Entry.objects.filter(key__in=keys)


def _sqlite_ids(count: int) -> list[int]:
    """The next ``count`` entry ids on SQLite, where the one writer holds the chain head lock."""
    last = Entry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return list(range(last + 1, last + count + 1))


def _book(
    head: tuple[int, str], new: list[tuple[EntryInput, list[int], str, tuple[str, bytes]]]
) -> list[Entry]:
    account_ids = sorted({account.pk for entry, _, _, _ in new for account, _ in entry.postings})
    accounts = {
        a.pk: a
        for a in LedgerAccount.objects.select_for_update().filter(pk__in=account_ids).order_by("pk")
    }
    moves: list[dict[int, FundMove]] = []
    for entry, amounts, path, _ in new:
        entry_moves: dict[int, FundMove] = {}
        for index, ((account, _), amount) in enumerate(zip(entry.postings, amounts, strict=True)):
            locked = accounts[account.pk]
            locked.balance += amount
            if locked.protected and locked.balance < 0:
                raise Invalid.field(
                    f"{path}.postings.{index}.amount",
                    f"would overdraw {locked.kind}:{locked.key} (balance "
                    f"{locked.balance - amount}, change {amount})",
                )
            if locked.fund_id and locked.kind == LedgerAccount.Kind.FUND:
                move = entry_moves.setdefault(locked.fund_id, FundMove())
                move.change += amount
                move.balance_after = locked.balance
                move.inflow += max(amount, 0)
                move.outflow += max(-amount, 0)
        moves.append(entry_moves)
    values = []
    seq, prev = head
    now = timezone.now()
    ids = next_ids(Entry, len(new)) if connection.vendor == "postgresql" else _sqlite_ids(len(new))
    for pk, (entry, _, _, (digest, text)) in zip(ids, new, strict=True):
        seq += 1
        link = hashlib.sha256(bytes.fromhex(prev) + chain_payload(text, seq)).hexdigest()
        fund_id = entry.fund.pk if entry.fund else None
        values.append(
            (pk, seq, entry.key, entry.kind, fund_id, entry.event_time, now, entry.memo,
             entry.data, digest, prev, link)
        )  # fmt: skip
        prev = link
    # Postings first, then their entries: the foreign key to the entry is checked at commit,
    # and the entry trigger checks at once that each new entry has its postings (0009).
    rows_insert(
        Posting,
        ["entry_id", "account_id", "asset_id", "amount"],
        [
            (value[0], account.pk, account.asset_id, amount)
            for value, (entry, amounts, _, _) in zip(values, new, strict=True)
            for (account, _), amount in zip(entry.postings, amounts, strict=True)
        ],
    )
    rows_insert(Entry, ENTRY_FIELDS, values)
    # The rows as written, built the way Django builds loaded rows (positional, no per-field
    # keyword handling): a tenth of a batch's Python time went into Entry(**kwargs).
    rows = [Entry.from_db(connection.alias, ENTRY_FIELDS, value) for value in values]
    LedgerAccount.objects.bulk_update(list(accounts.values()), ["balance"])
    fund_history_record(booked=list(zip(rows, moves, strict=True)))
    for entry, _, _, _ in new:
        for account, _ in entry.postings:
            account.balance = accounts[account.pk].balance
    return rows


def ledger_entry_post(
    *,
    key: str,
    kind: str,
    postings: Sequence[tuple[LedgerAccount, int]],
    event_time: datetime,
    fund: Fund | None = None,
    memo: str = "",
    data: dict | None = None,
) -> Entry:
    """Post one entry; see ``ledger_entries_post`` for the rules."""
    entry = EntryInput(
        key=key,
        kind=kind,
        postings=postings,
        event_time=event_time,
        fund=fund,
        memo=memo,
        data=data,
    )
    return ledger_entries_post(entries=[entry])[0]
