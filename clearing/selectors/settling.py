"""What the one-by-one settlement reads before and after its transaction, as written SQL.

Each of these was an ORM query costing more to build than the settlement's waterfall
(decision 036); the rows are converted and the instances built as the ORM builds them.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from django.db import connection

from clearing.models import Liquidation, Market, Settlement
from clearing.selectors.rows import columns
from fund.models import Asset, Fund

_STATE = ("status", "closed_at")


class LiquidationState(NamedTuple):
    status: str
    closed_at: datetime | None
    market: Market  # with its fund (and the fund's asset) and its asset, as select_related
    settlement: Settlement | None  # when settled


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def liquidation_state(*, liquidation_id: int) -> LiquidationState:
    """The liquidation's status and close time, its market, and its settlement if any."""
    state = columns(Liquidation, _STATE)
    market, fund, asset = columns(Market), columns(Fund), columns(Asset)
    settlement = columns(Settlement)
    sql = (
        f"SELECT {state.sql('l')}, {market.sql('m')}, {fund.sql('f')}, {asset.sql('fa')}, "  # noqa: S608 - model metadata
        f"{asset.sql('ma')}, {settlement.sql('s')} "
        f"FROM {_table(Liquidation)} l JOIN {_table(Market)} m ON m.id = l.market_id "
        f"JOIN {_table(Fund)} f ON f.id = m.fund_id JOIN {_table(Asset)} fa ON fa.id = f.asset_id "
        f"JOIN {_table(Asset)} ma ON ma.id = m.asset_id "
        f"LEFT JOIN {_table(Settlement)} s ON s.liquidation_id = l.id WHERE l.id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [liquidation_id])
        row = cursor.fetchone()
    if row is None:
        raise Liquidation.DoesNotExist(f"liquidation {liquidation_id} does not exist")
    parts, start = [], 0
    for part in (state, market, fund, asset, asset, settlement):
        parts.append(row[start : start + len(part.fields)])
        start += len(part.fields)
    status, closed_at = state.convert(parts[0])
    the_market, the_fund = market.instance(parts[1]), fund.instance(parts[2])
    Fund.asset.field.set_cached_value(the_fund, asset.instance(parts[3]))
    Market.fund.field.set_cached_value(the_market, the_fund)
    Market.asset.field.set_cached_value(the_market, asset.instance(parts[4]))
    settled = settlement.instance(parts[5]) if parts[5][0] is not None else None
    return LiquidationState(status, closed_at, the_market, settled)


def settlement_of(*, liquidation_id: int) -> Settlement:
    settlement = columns(Settlement)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {settlement.sql('s')} FROM {_table(Settlement)} s WHERE s.liquidation_id = %s",  # noqa: S608
            [liquidation_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise Settlement.DoesNotExist(f"liquidation {liquidation_id} is not settled")
    return settlement.instance(row)
