"""Posting journal entries: the only way money moves in Backstop.

Every rule is checked here in Python for a precise error, and again by PostgreSQL (deferred
balance trigger, append-only triggers, non-negative check on protected accounts), which has
the final say. Order of locks inside the transaction: the chain head first, then the touched
accounts in id order; taking the head first serializes writers, so no two postings can
deadlock and ``seq`` follows commit order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from json.encoder import encode_basestring as _string

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from common.canonical import GENESIS_HASH, canonical_json
from common.collector import cycle_collector_paused
from common.exceptions import Invalid
from common.fields import AMOUNT_DIGITS, to_amount
from fund.models import Asset, Entry, Fund, FundEntry, LedgerAccount, Posting
from fund.services.ledger_call import entries_book_call
from fund.services.ledger_errors import key_conflict, no_account, overdraft
from fund.services.ledger_history import (
    FUND_ENTRY_FIELDS,
    FundMove,
    HistoryScope,
    history_reads,
    history_writes,
)
from fund.services.ledger_rows import (
    ENTRY_FIELDS,
    SMALL,
    balances_statements,
    ids_statement,
    instances,
    rows_copy,
    rows_insert,
    statements_run,
    writes_run,
)

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

POSTING_FIELDS = ["entry_id", "account_id", "asset_id", "amount"]
AMOUNT_LIMIT = 10**AMOUNT_DIGITS
# Bookings of up to this many entries go to the server-side booking on PostgreSQL (decision
# 019); bigger batches stream their rows by COPY, which the call's arrays cannot match.
CALL_LIMIT = 50


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


def content_json(entry: EntryInput, amounts: list[int], symbols: dict[int, str]) -> bytes:
    """``canonical_json(entry_content(entry, amounts, symbols))``, written out for the content's
    fixed shape: keys in their sorted order, each string through the encoder ``json.dumps``
    itself uses, ``data`` through ``canonical_json``. A quarter of the cost of the general
    encoder, which was the largest Python item of a batch; a property test holds the two
    byte-identical.
    """
    legs = sorted(
        (account.kind, account.key, symbols[account.asset_id], str(amount))
        for (account, _), amount in zip(entry.postings, amounts, strict=True)
    )
    postings = ",".join(
        f'[{_string(k)},{_string(key)},{_string(s)},"{a}"]' for k, key, s, a in legs
    )
    data = "null" if entry.data is None else canonical_json(entry.data).decode()
    fund = _string(entry.fund.name) if entry.fund else "null"
    at = entry.event_time.astimezone(UTC).isoformat()
    return (
        f'{{"data":{data},"event_time":"{at}","fund":{fund},"key":{_string(entry.key)},'
        f'"kind":{_string(entry.kind)},"memo":{_string(entry.memo)},"postings":[{postings}]}}'
    ).encode()


def chain_payload(content_json: bytes, seq: int) -> bytes:
    """``canonical_json({"seq": seq, **content})`` from the already encoded content.

    Canonical JSON sorts keys and every content key sorts before "seq", so the link's payload
    is the content's encoding with ``"seq"`` appended last: each entry is encoded once, not
    twice (the batched path's largest Python cost). ``chain_verify`` recomputes it the long
    way, and a test holds the two equal.
    """
    return content_json[:-1] + b',"seq":' + str(seq).encode() + b"}"


def _validated_amounts(entry: EntryInput, path: str) -> list[int]:
    """The entry's amounts as ints, or Invalid naming the first bad field. Error paths are
    built only on error: this runs once per entry of every batch."""
    if not entry.key or len(entry.key) > 200:
        raise Invalid.field(f"{path}.key", "an idempotency key of 1–200 characters is required")
    if entry.kind not in ENTRY_KINDS:
        raise Invalid.field(f"{path}.kind", f"unknown entry kind {entry.kind!r}")
    if entry.event_time is None or entry.event_time.tzinfo is None:
        raise Invalid.field(f"{path}.event_time", "must be a timezone-aware time")
    if len(entry.postings) < 2:
        raise Invalid.field(f"{path}.postings", "an entry needs at least two postings")
    amounts = []
    sums: dict[int, int] = {}
    for index, (account, raw) in enumerate(entry.postings):
        if not isinstance(account, LedgerAccount) or account.id is None:
            raise Invalid.field(
                f"{path}.postings.{index}.account", "must be a saved ledger account"
            )
        if type(raw) is int and -AMOUNT_LIMIT < raw < AMOUNT_LIMIT and raw:
            amount = raw  # the common case, without the parser's checks for strings
        else:
            amount = _checked_amount(raw, f"{path}.postings.{index}.amount")
        asset_id = account.asset_id
        sums[asset_id] = sums.get(asset_id, 0) + amount
        amounts.append(amount)
    for asset_id, total in sums.items():
        if total:
            symbol = Asset.objects.filter(pk=asset_id).values_list("symbol", flat=True).first()
            raise Invalid.field(
                f"{path}.postings", f"postings of {symbol} sum to {total}, not zero"
            )
    return amounts


def _checked_amount(raw: object, where: str) -> int:
    """A non-zero integer amount from anything ``to_amount`` parses, or Invalid at ``where``."""
    try:
        amount = to_amount(raw, field="amount")
    except ValidationError:
        raise Invalid.field(
            where, f"must be an integer amount in the smallest unit, got {raw!r}"
        ) from None
    if amount == 0:
        raise Invalid.field(where, "must not be zero")
    return amount


HEAD_CREATE = "INSERT INTO fund_ledgerhead (id) VALUES (1) ON CONFLICT DO NOTHING"
HEAD_LOCK = "SELECT id FROM fund_ledgerhead WHERE id = 1"
TIP = "SELECT seq, hash FROM fund_entry ORDER BY seq DESC LIMIT 1"
ACCOUNT_FIELDS = "id, balance, protected, kind, key, fund_id"


def _reads(
    keys: list[str], account_ids: list[int], count: int, scope: HistoryScope
) -> list[list[tuple]]:
    """Everything a booking reads, in one round trip: the chain head's lock first (it orders
    every writer, decision 012), then the chain's tip from the unique index on ``seq``,
    ``count`` new entry ids, the entries already booked under these keys, the touched
    accounts locked in id order, and the fund history rows the batch can move.

    The head row is only locked, never updated: a row rewritten by every posting piles up
    dead versions while any other session holds an old snapshot. Each statement after the
    lock takes its snapshot once the lock is granted, so the tip read is current.
    """
    lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""
    statements = [
        (HEAD_CREATE, []),  # a no-op after the first booking ever
        (HEAD_LOCK + lock, []),
        (TIP, []),
        ids_statement(Entry, count),
        _among("SELECT key, digest FROM fund_entry WHERE key", keys),
        _among(
            f"SELECT {ACCOUNT_FIELDS} FROM fund_ledgeraccount WHERE id",  # noqa: S608
            account_ids,
            f" ORDER BY id{lock}",
        ),
        *history_reads(scope),
    ]
    return statements_run(statements)[2:]


def _among(select: str, values: list, tail: str = "") -> tuple[str, list]:
    """``select`` (ending with a column) completed by "in ``values``", then ``tail``: one
    array parameter on PostgreSQL (binding thousands of ``IN`` parameters costs more than the
    lookup itself), a list elsewhere."""
    if connection.vendor == "postgresql":
        return f"{select} = ANY(%s){tail}", [values]
    return f"{select} IN ({', '.join(['%s'] * len(values))}){tail}", values


# A batch allocates some twenty tracked objects per entry and makes no cycles, yet those
# allocations set off full collections that walk every live object of the process: 4 of the
# 13 µs of Python per posting of a 5,000-entry batch (decision 017).
@cycle_collector_paused()
def ledger_entries_post(*, entries: Sequence[EntryInput]) -> list[Entry]:
    """Post many entries in one transaction (bulk inserts, head lock once); all or nothing.

    Returns one Entry per input, in input order; an input whose key was already booked with
    the same content returns the existing entry (a retry), with other content raises Conflict.
    """
    prepared = []
    for index, entry in enumerate(entries):
        path = f"entries.{index}" if len(entries) > 1 else "entry"
        prepared.append((entry, _validated_amounts(entry, path), path))
    symbols = _symbols({account.asset_id for e in entries for account, _ in e.postings})
    # Encoded before the chain head is locked: the lock is held to the caller's commit and
    # every other writer of the ledger waits for it (decision 054).
    encoded = [_encoded(e, a, symbols) for e, a, _ in prepared]
    if connection.vendor == "postgresql" and len(prepared) <= CALL_LIMIT:
        return _post_by_call(prepared, encoded)
    scope = HistoryScope()
    for entry in entries:
        day = entry.event_time.astimezone(UTC).date()
        for account, _ in entry.postings:
            if account.kind == LedgerAccount.Kind.FUND and account.fund_id:
                scope.add(account.fund_id, day, entry.kind)
    keys = list(dict.fromkeys(entry.key for entry in entries))
    account_ids = sorted({account.id for e in entries for account, _ in e.postings})
    with transaction.atomic():
        tip, ids, known_rows, account_rows, *history = _reads(
            keys, account_ids, len(prepared), scope
        )
        existing = _entries_by_key(dict(known_rows))
        result: list[Entry | None] = []
        new: list[_New] = []
        first: dict[str, int] = {}  # key -> its first entry's place in ``new``
        for (entry, amounts, path), code in zip(prepared, encoded, strict=True):
            known = existing.get(entry.key)
            at = first.get(entry.key)
            result.append(known)
            if known is None and at is None:
                first[entry.key] = len(new)
                new.append((entry, amounts, path, code))
                continue
            # A retry or a repeated key (rare): the same content, or a conflict.
            earlier = new[at][3][0] if known is None else known.digest
            if earlier != code[0]:
                raise key_conflict(path, entry.key)
        if new:
            booking = Booking(
                tip=tip[0] if tip else (0, GENESIS_HASH),
                ids=[row[0] for row in ids],
                accounts={row[0]: _Locked(*row) for row in account_rows},
                history=history,
            )
            created = _book(booking, new)
            by_key = {e.key: e for e in created}
            result = [
                r if r is not None else by_key[e.key]
                for r, (e, _, _) in zip(result, prepared, strict=True)
            ]
        return result  # type: ignore[return-value]


def _post_by_call(
    prepared: list[tuple[EntryInput, list[int], str]], encoded: list[tuple[str, bytes]]
) -> list[Entry]:
    """The server-side booking of a few entries: each distinct key once, a repeated key with
    other content refused before the call, retries answered with the entries booked before."""
    new: list[tuple[EntryInput, list[int], str, bytes]] = []
    paths: list[str] = []
    first: dict[str, int] = {}
    order = []
    for (entry, amounts, path), (digest, text) in zip(prepared, encoded, strict=True):
        at = first.get(entry.key)
        if at is None:
            first[entry.key] = at = len(new)
            new.append((entry, amounts, digest, text))
            paths.append(path)
        elif new[at][2] != digest:
            raise key_conflict(path, entry.key)
        order.append(at)
    booked, balances = entries_book_call(new=new, paths=paths, now=timezone.now())
    known = [pk for pk in booked if type(pk) is int]
    if known:
        loaded = Entry.objects.in_bulk(known)
        booked = [loaded[b] if type(b) is int else b for b in booked]
    for entry, _, _ in prepared:
        for account, _ in entry.postings:
            account.balance = balances.get(account.id, account.balance)
    return [booked[at] for at in order]  # type: ignore[misc]


def _entries_by_key(digests: dict[str, str]) -> dict[str, Entry]:
    """The entries already booked under these keys (a retry, or a reused key): rare, so read
    through the ORM only when the keys read found some."""
    if not digests:
        return {}
    return {e.key: e for e in Entry.objects.filter(key__in=list(digests))}


@dataclass
class _Locked:
    """An account row as locked for this booking; its balance moves as postings apply."""

    id: int
    balance: int
    protected: bool
    kind: str
    key: str
    fund_id: int | None

    def __post_init__(self) -> None:
        self.balance = int(self.balance)  # numeric on PostgreSQL, text on SQLite


@dataclass
class Booking:
    """What ``_reads`` found under the head lock."""

    tip: tuple[int, str]
    ids: list[int]
    accounts: dict[int, _Locked]
    history: list[list[tuple]]


def _symbols(asset_ids: set[int]) -> dict[int, str]:
    """Asset symbols, cached for the process: an asset's symbol never changes once created."""
    missing = asset_ids - _SYMBOLS.keys()
    if missing:
        _SYMBOLS.update(Asset.objects.filter(pk__in=missing).values_list("id", "symbol"))
    return _SYMBOLS


_SYMBOLS: dict[int, str] = {}


# An entry to book: input, amounts, error path, and its (digest, content JSON).
_New = tuple[EntryInput, list[int], str, tuple[str, bytes]]


def _encoded(entry: EntryInput, amounts: list[int], symbols: dict[int, str]) -> tuple[str, bytes]:
    """The entry's digest and content JSON (decision 010)."""
    text = content_json(entry, amounts, symbols)
    return hashlib.sha256(text).hexdigest(), text


def _book(booking: Booking, new: list[_New]) -> list[Entry]:
    """Apply the new entries to the locked balances, chain them, and write everything.

    A large batch on PostgreSQL streams its rows to the server as they are made
    (``_write_streamed``); other bookings make every row first, then write them.
    """
    if connection.vendor == "postgresql" and sum(len(n[0].postings) for n in new) > SMALL:
        rows, touched = _write_streamed(booking, new)
    else:
        postings: list[tuple[int, int, int, int]] = []
        moves, touched = _applied(booking, new, postings.append)
        values = _chained(booking, new)
        rows = instances(Entry, ENTRY_FIELDS, values)
        fund_rows, history = history_writes(
            booked=list(zip(rows, moves, strict=True)), read=booking.history
        )
        # Postings first, then their entries: the entry trigger checks at once that each new
        # entry has its postings (0009).
        writes_run(
            [
                (Posting, POSTING_FIELDS, postings),
                (Entry, ENTRY_FIELDS, values),
                (FundEntry, FUND_ENTRY_FIELDS, fund_rows),
            ],
            [*balances_statements(touched), *history],
        )
    for entry, _, _, _ in new:
        for account, _ in entry.postings:
            account.balance = touched[account.id]
    return rows


def _applied(
    booking: Booking, new: list[_New], write: Callable[[tuple[int, int, int, int]], None]
) -> tuple[list[dict[int, FundMove]], dict[int, int]]:
    """Apply each posting to its locked account in booking order, refusing an unknown account
    or an overdraft, and ``write`` its row. Returns what each entry did to each fund, and
    each touched account's balance after the booking."""
    accounts = booking.accounts
    fund_kind = LedgerAccount.Kind.FUND
    moves: list[dict[int, FundMove]] = []
    touched: set[int] = set()
    for pk, (entry, amounts, path, _) in zip(booking.ids, new, strict=False):
        entry_moves: dict[int, FundMove] = {}
        for index, ((account, _), amount) in enumerate(zip(entry.postings, amounts, strict=True)):
            locked = accounts.get(account.id)
            if locked is None:
                raise no_account(path, index)
            locked.balance += amount
            if locked.protected and locked.balance < 0:
                label = f"{locked.kind}:{locked.key}"
                raise overdraft(path, index, label, locked.balance - amount, amount)
            if locked.fund_id and locked.kind == fund_kind:
                move = entry_moves.get(locked.fund_id)
                if move is None:
                    move = entry_moves[locked.fund_id] = FundMove()
                move.change += amount
                move.balance_after = locked.balance
                if amount > 0:
                    move.inflow += amount
                else:
                    move.outflow -= amount
            touched.add(locked.id)
            write((pk, locked.id, account.asset_id, amount))
        moves.append(entry_moves)
    return moves, {pk: accounts[pk].balance for pk in touched}


def _chained(booking: Booking, new: list[_New]) -> list[tuple]:
    """The new entries' rows (``ENTRY_FIELDS``): each with its digest and chain link, in
    ``seq`` order from the tip read under the head lock."""
    seq, prev = booking.tip
    link_raw = bytes.fromhex(prev)
    now = timezone.now()
    values = []
    for pk, (entry, _, _, encoded) in zip(booking.ids, new, strict=False):
        digest, text = encoded
        seq += 1
        link_hash = hashlib.sha256(link_raw + chain_payload(text, seq))
        link_raw, link = link_hash.digest(), link_hash.hexdigest()
        fund_id = entry.fund.id if entry.fund else None
        values.append(
            (pk, seq, entry.key, entry.kind, fund_id, entry.event_time, now, entry.memo,
             entry.data, digest, prev, link)
        )  # fmt: skip
        prev = link
    return values


def _write_streamed(booking: Booking, new: list[_New]) -> tuple[list[Entry], dict[int, int]]:
    """A large batch's writes on PostgreSQL, each row sent as soon as it is made: postings,
    then entries (the order the statement triggers need, decision 013), each by COPY. The
    server inserts the postings while Python checks the balances and encodes and chains the
    entries, and inserts the entries while Python builds the returned entries and the fund
    history (decision 017). An error raised meanwhile (an overdraft) ends the COPY with it,
    and the transaction rolls back.
    """
    with rows_copy(Posting, POSTING_FIELDS) as write:
        moves, touched = _applied(booking, new, write)
        values = _chained(booking, new)
    with rows_copy(Entry, ENTRY_FIELDS) as write:
        for value in values:
            write(value)
        rows = instances(Entry, ENTRY_FIELDS, values)
        fund_rows, history = history_writes(
            booked=list(zip(rows, moves, strict=True)), read=booking.history
        )
    rows_insert(FundEntry, FUND_ENTRY_FIELDS, fund_rows)
    statements_run([*balances_statements(touched), *history])
    return rows, touched


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
