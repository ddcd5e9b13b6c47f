"""Bulk row writes: ``rows_update`` updates only rows that still hold what the caller read."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.bulk import rows_update
from fund.models import Asset

pytestmark = pytest.mark.django_db


def test_rows_update_sets_the_rows_that_match_and_counts_them():
    usdc = Asset.objects.create(symbol="USDC", decimals=6)
    btc = Asset.objects.create(symbol="BTC", decimals=8)
    Asset.objects.create(symbol="ETH", decimals=18)
    with CaptureQueriesContext(connection) as queries:
        updated = rows_update(
            Asset,
            match=["id", "decimals"],
            fields=["symbol"],
            rows=[(usdc.pk, 6, "USDC2"), (btc.pk, 9, "BTC2")],  # BTC changed meanwhile
        )
    assert updated == 1
    assert list(Asset.objects.order_by("pk").values_list("symbol", flat=True)) == [
        "USDC2",
        "BTC",
        "ETH",
    ]
    if connection.vendor == "postgresql":  # one statement; the rows found by their ids
        (query,) = queries.captured_queries
        assert "= ANY(" in query["sql"]
