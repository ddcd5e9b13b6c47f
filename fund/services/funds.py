"""Creating assets and funds, and changing a fund while its history allows it.

A fund's asset and name are part of its booked history (the fund account is keyed by them and
each entry's hash covers the name), so once the fund has entries they are refused here with a
precise error, and by a PostgreSQL trigger underneath (migration 0004).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from common.exceptions import Conflict, Invalid
from common.services.audit import audit_log_write
from fund.models import Asset, Entry, Fund, LedgerAccount, Posting


def _clean(instance, *, exclude: list[str] | None = None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        path, reasons = next(iter(exc.message_dict.items()))
        raise Invalid.field(path, " ".join(reasons)) from None


def asset_create(
    *,
    symbol: str,
    decimals: int,
    chain_id: int | None = None,
    token_address: str = "",
    actor: str,
) -> Asset:
    if not isinstance(decimals, int) or isinstance(decimals, bool):
        raise Invalid.field("decimals", f"must be an integer, got {decimals!r}")
    asset = Asset(symbol=symbol, decimals=decimals, chain_id=chain_id, token_address=token_address)
    _clean(asset)
    with transaction.atomic():
        asset.save()
        audit_log_write(
            actor=actor,
            action="backstop.fund.asset.created",
            object_type="asset",
            object_id=asset.pk,
            after={"symbol": symbol, "decimals": decimals, "chain_id": chain_id},
        )
    return asset


def asset_get(*, symbol: str, path: str = "asset") -> Asset:
    """The asset with this symbol, or a field error naming the unknown symbol."""
    asset = Asset.objects.filter(symbol=symbol).first()
    if asset is None:
        raise Invalid.field(path, f"unknown asset {symbol!r}")
    return asset


def fund_create(
    *, name: str, asset: Asset, kind: str = Fund.Kind.POOLED, description: str = "", actor: str
) -> Fund:
    if not isinstance(asset, Asset) or asset.pk is None:
        raise Invalid.field("asset", f"unknown asset {asset!r}")
    fund = Fund(name=name, asset=asset, kind=kind, description=description)
    _clean(fund)
    with transaction.atomic():
        fund.save()
        audit_log_write(
            actor=actor,
            action="backstop.fund.fund.created",
            object_type="fund",
            object_id=fund.pk,
            after={"name": name, "asset": asset.symbol, "kind": kind},
        )
    return fund


def fund_has_history(fund: Fund) -> bool:
    return (
        Entry.objects.filter(fund=fund).exists()
        or Posting.objects.filter(account__fund=fund).exists()
    )


def fund_update(
    *,
    fund: Fund,
    asset: Asset | None = None,
    kind: str | None = None,
    description: str | None = None,
    actor: str,
) -> Fund:
    """Change a fund; its asset only while nothing has been booked for it."""
    with transaction.atomic():
        locked = Fund.objects.select_for_update().get(pk=fund.pk)
        before = {"asset": locked.asset.symbol, "kind": locked.kind}
        if asset is not None and asset.pk != locked.asset_id:
            if fund_has_history(locked):
                raise Conflict.field(
                    "asset",
                    f"fund {locked.name!r} already has ledger entries in "
                    f"{locked.asset.symbol}: its asset cannot change",
                )
            LedgerAccount.objects.filter(fund=locked, kind=LedgerAccount.Kind.FUND).delete()
            locked.asset = asset
        if kind is not None:
            locked.kind = kind
        if description is not None:
            locked.description = description
        _clean(locked, exclude=["name"])
        locked.save()
        audit_log_write(
            actor=actor,
            action="backstop.fund.fund.changed",
            object_type="fund",
            object_id=locked.pk,
            before=before,
            after={"asset": locked.asset.symbol, "kind": locked.kind},
        )
    fund.refresh_from_db()
    return fund
