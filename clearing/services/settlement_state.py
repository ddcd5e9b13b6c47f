"""What settling reads about a market and its fund, read once per batch and kept current.

A batch of settlements posts all its journal entries with one ``ledger_entries_post`` at the
end, so while later liquidations of the batch are decided the database does not yet show the
earlier ones. ``FundState`` carries them in memory: the fund balance moves by each
``fund_delta`` and the cover paid counts toward the rolling 24 h cap. Settling one liquidation
is a batch of one through the same code, so both paths decide from the same numbers
(tests/settlement/test_batch.py proves equal books and settlement rows).

Parameter readings are cached per event time: inside one transaction a reading at the same
moment cannot change. The cover paid in the last 24 h is only read when a daily cap is in
force (decision 032); without one it plays no part in the waterfall and is recorded as 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from clearing.models import Market
from clearing.selectors import fund_paid_24h, last_mark_price
from clearing.waterfall import FundLimits
from fund.selectors.ledger import fund_balance
from governance.selectors.params import ParamReading, param_reading

PARAMS = (
    "max_liquidation_fee_rate",
    "adl_policy",
    "reserve_floor",
    "payout_cap_per_event",
    "daily_payout_cap",
)


@dataclass
class FundState:
    market: Market
    balance: int
    mark: Decimal | None
    _readings: dict[datetime, dict[str, ParamReading]] = field(default_factory=dict)
    _covers: list[tuple[datetime, int]] = field(default_factory=list)

    @classmethod
    def read(cls, market: Market) -> FundState:
        return cls(market=market, balance=fund_balance(market.fund), mark=last_mark_price(market))

    def readings(self, at: datetime) -> dict[str, ParamReading]:
        cached = self._readings.get(at)
        if cached is None:
            scope = {"market": self.market.symbol, "fund": self.market.fund.name, "at": at}
            cached = self._readings[at] = {name: param_reading(name, **scope) for name in PARAMS}
        return cached

    def limits(self, readings: dict[str, ParamReading], at: datetime) -> FundLimits:
        daily_cap = readings["daily_payout_cap"].value
        return FundLimits(
            balance=self.balance,
            reserve_floor=readings["reserve_floor"].value,
            cap_event=readings["payout_cap_per_event"].value,
            daily_cap=daily_cap,
            paid_24h=0 if daily_cap is None else self._paid_24h(at),
        )

    def _paid_24h(self, at: datetime) -> int:
        since = at - timedelta(hours=24)
        unbooked = sum(cover for moment, cover in self._covers if since < moment <= at)
        return fund_paid_24h(self.market.fund, at=at) + unbooked

    def record(self, *, fund_delta: int, at: datetime) -> None:
        """Account for a decided settlement whose entries are not posted yet."""
        self.balance += fund_delta
        if fund_delta < 0:
            self._covers.append((at, -fund_delta))
