"""Clearing pages and the demo step: markets with risk modes, a market's waterfall breakdown."""

import pytest

from clearing.demo import clearing_demo
from clearing.models import Market, Settlement

pytestmark = pytest.mark.django_db


def test_demo_then_pages(client):
    """One test: the demo takes a while, so it runs once for both checks."""
    demo = []
    clearing_demo(demo.append)
    assert "seed 003 worked examples: 3 liquidations" in demo[0]
    settled = Settlement.objects.count()
    again = []
    clearing_demo(again.append)
    assert all("already replayed" in line for line in again)
    assert Settlement.objects.count() == settled
    listing = client.get("/clearing/")
    assert listing.status_code == 200
    for market in Market.objects.all():
        assert market.symbol in listing.content.decode()
    page = client.get("/clearing/S3-BTC-USDC/").content.decode()
    assert "How losses were covered" in page
    assert "bob" in page and "17900" in page and "18000" in page  # scenario 2 row: P_b, P_c
    crash = client.get("/clearing/BTC-USDC/").content.decode()
    assert "●" in crash and "restricted" in crash
    assert client.get("/clearing/NOPE/").status_code == 404
