"""The landing page shows the live state: balances, risk modes, proposals, the last proof."""

from pathlib import Path

import pytest
from django.conf import settings

from clearing.services.replay import replay_run
from custody.services.epochs import reserve_epoch_create

SCENARIO = Path(settings.BASE_DIR) / "clearing" / "scenarios" / "seed003_worked_examples.jsonl"


@pytest.mark.django_db
def test_overview_shows_funds_markets_and_epoch(client, django_assert_max_num_queries):
    replay_run(lines=SCENARIO.read_text().splitlines())
    epoch = reserve_epoch_create(actor="test")
    with django_assert_max_num_queries(20):
        response = client.get("/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'href="/fund/main/"' in page and "958.00" in page
    assert 'href="/clearing/BTC-USDC/"' in page
    assert f"Epoch {epoch.number} at ledger entry #{epoch.cut_seq}" in page
    assert "No proposals yet." in page


@pytest.mark.django_db
def test_overview_on_an_empty_service(client):
    page = client.get("/").content.decode()
    assert "No funds yet." in page and "No epoch published yet." in page
