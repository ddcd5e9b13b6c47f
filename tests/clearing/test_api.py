"""The venue's ingest API: scoped keys, batches all or nothing, idempotent ids, precise errors."""

import pytest
from rest_framework.test import APIClient

from clearing.models import Fill, Liquidation, MarkPrice, Settlement
from common.services.apikeys import api_key_create
from tests.clearing.conftest import USDC

pytestmark = pytest.mark.django_db
BASE = "/api/v1/clearing"


def client_with(*scopes):
    _, text = api_key_create(name="venue", scopes=list(scopes), actor="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {text}")
    return client


def fill(fill_id, account="alice", side="buy", qty="1", price="20000", margin=2_000 * USDC):
    return {
        "id": fill_id,
        "account": account,
        "market": "BTC-USDC",
        "side": side,
        "qty": qty,
        "price": price,
        "fee": "0",
        "margin": str(margin),
        "ts": "2025-10-10T20:00:00Z",
    }


@pytest.fixture
def venue(book):
    book.top_up(1_000 * USDC)
    book.deposit("alice", 5_000 * USDC)
    book.deposit("dave", 50_000 * USDC)
    return client_with("ingest", "risk:read")


def test_scope_is_required(book):
    response = client_with("risk:read").post(
        f"{BASE}/ingest/fills/", {"fills": [fill("f1")]}, format="json"
    )
    assert response.status_code == 403
    assert APIClient().post(f"{BASE}/ingest/fills/", {}, format="json").status_code == 401


def test_batch_is_all_or_nothing_with_the_item_path(venue):
    batch = [fill("f1"), fill("f2", account="dave", side="sell", price="20000.05")]
    response = venue.post(f"{BASE}/ingest/fills/", {"fills": batch}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "fills.1.price": ["20000.05 is not a positive multiple of the tick 0.1"]
    }
    assert not Fill.objects.exists()


def test_prices_as_json_numbers_are_refused(venue):
    item = {**fill("f1"), "price": 20000.5}
    response = venue.post(f"{BASE}/ingest/fills/", {"fills": [item]}, format="json")
    assert response.status_code == 400 and "fills.0.price" in response.json()["fields"]


def test_retry_is_idempotent_and_changed_content_conflicts(venue):
    first = venue.post(f"{BASE}/ingest/fills/", {"fills": [fill("f1")]}, format="json")
    again = venue.post(f"{BASE}/ingest/fills/", {"fills": [fill("f1")]}, format="json")
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() and Fill.objects.count() == 1
    changed = venue.post(f"{BASE}/ingest/fills/", {"fills": [fill("f1", qty="2")]}, format="json")
    assert changed.status_code == 409
    assert changed.json()["fields"] == {
        "fills.0.id": ["fill 'f1' was already booked with different content"]
    }


def test_mark_takes_over_and_close_settles(venue, django_capture_on_commit_callbacks):
    venue.post(
        f"{BASE}/ingest/fills/",
        {"fills": [fill("f1"), fill("f2", account="dave", side="sell", margin=10_000 * USDC)]},
        format="json",
    )
    marks = venue.post(
        f"{BASE}/ingest/marks/",
        {"marks": [{"market": "BTC-USDC", "price": "18090", "ts": "2025-10-10T21:00:00Z"}]},
        format="json",
    )
    assert marks.status_code == 200
    assert [(t["account"], t["liquidation_price"]) for t in marks.json()["taken_over"]] == [
        ("alice", "18090.5")
    ]
    with django_capture_on_commit_callbacks(execute=True):
        closes = venue.post(
            f"{BASE}/ingest/closes/",
            {
                "closes": [
                    {
                        "account": "alice",
                        "market": "BTC-USDC",
                        "price": "17900",
                        "ts": "2025-10-10T21:00:01Z",
                    }
                ]
            },
            format="json",
        )
    assert closes.status_code == 200 and closes.json()["closes"][0]["close_price"] == "17900"
    assert Settlement.objects.get().fund_delta == -100 * USDC
    again = venue.post(
        f"{BASE}/ingest/closes/",
        {
            "closes": [
                {
                    "account": "alice",
                    "market": "BTC-USDC",
                    "price": "17800",
                    "ts": "2025-10-10T21:00:02Z",
                }
            ]
        },
        format="json",
    )
    assert again.status_code == 409
    queue = venue.get(f"{BASE}/markets/BTC-USDC/adl/").json()
    assert [(row["account"], row["quintile"]) for row in queue] == [("dave", 5)]
    public = APIClient().get(f"{BASE}/markets/").json()
    assert public[0]["symbol"] == "BTC-USDC" and public[0]["adl_lights"]["short"] == [0, 0, 0, 0, 1]


def test_absurd_mark_is_rejected_and_logged(venue):
    venue.post(f"{BASE}/ingest/fills/", {"fills": [fill("f1")]}, format="json")
    response = venue.post(
        f"{BASE}/ingest/marks/",
        {"marks": [{"market": "BTC-USDC", "price": "5000", "ts": "2025-10-10T21:00:00Z"}]},
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "mark_rejected"
    rejected = MarkPrice.objects.get()
    assert not rejected.accepted and "moves 75.0%" in rejected.reason
    assert not Liquidation.objects.exists()


def test_close_without_takeover_is_refused(venue):
    response = venue.post(
        f"{BASE}/ingest/closes/",
        {
            "closes": [
                {"account": "zoe", "market": "BTC-USDC", "price": "1", "ts": "2025-10-10T21:00:00Z"}
            ]
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "closes.0.account": ["zoe has no position in BTC-USDC taken over by liquidation"]
    }


def test_owner_sees_only_their_own_queue_position(venue, django_user_model):
    short = fill("f2", account="dave", side="sell", margin=10_000 * USDC)
    venue.post(f"{BASE}/ingest/fills/", {"fills": [fill("f1"), short]}, format="json")
    venue.post(
        f"{BASE}/ingest/marks/",
        {"marks": [{"market": "BTC-USDC", "price": "19000", "ts": "2025-10-10T21:00:00Z"}]},
        format="json",
    )
    member = APIClient()
    assert member.get(f"{BASE}/markets/BTC-USDC/adl/mine/").status_code in (401, 403)
    member.force_login(django_user_model.objects.create_user(username="alice"))
    rows = member.get(f"{BASE}/markets/BTC-USDC/adl/mine/").json()
    assert [(row["account"], row["side"], row["quintile"], row["upnl"]) for row in rows] == [
        ("alice", "long", 5, str(-1_000 * USDC))
    ]
