"""Detection: a mark finds its liquidatable positions through the liquidation-price index."""

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest
from django.db import connection

from clearing.models import Liquidation, Position
from clearing.selectors import liquidatable_positions
from clearing.services.marks import positions_take_over
from clearing.services.positions import trigger_key

pytestmark = pytest.mark.django_db
T = datetime(2025, 10, 10, tzinfo=UTC)


def seed_positions(market, count):
    rows = []
    for i in range(count):
        side = "long" if i % 2 else "short"
        liq = D(10_000 + i) if side == "long" else D(30_000 + i)
        rows.append(
            Position(
                account=f"a{i}",
                market=market,
                side=side,
                qty=D("0.01"),
                entry_price=D("20000"),
                margin=1,
                liquidation_price=liq,
                trigger_key=trigger_key(side, liq),
                opened_at=T,
            )
        )
    Position.objects.bulk_create(rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE clearing_position")


def test_range_query_uses_the_index(book):
    seed_positions(book.market, 20_000)
    query = liquidatable_positions(book.market, price=D("29950"))
    plan = query.explain()
    assert "position_open_liq_idx" in plan, plan
    assert "Seq Scan" not in plan, plan
    # Longs with liq ≥ 29,950 (odd i from 19,951) and no short (their liq is ≥ 30,000).
    assert query.count() == len([i for i in range(19_950, 20_000) if i % 2])


def test_takeover_is_a_fixed_number_of_queries(book, django_assert_max_num_queries):
    seed_positions(book.market, 2_000)
    with django_assert_max_num_queries(4):
        taken = positions_take_over(market=book.market, price=D("30010"), at=T)
    # shorts with liq ≤ 30,010: i even in 0..10, plus every long (liq ≥ 30,010? none).
    assert sorted(liquidation.account for liquidation in taken) == [
        f"a{i}" for i in (0, 10, 2, 4, 6, 8)
    ]
    assert Liquidation.objects.count() == 6
    assert Position.objects.filter(status="taken_over").count() == 6
