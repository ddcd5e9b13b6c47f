"""The public fund API: balances as strings, history pages, totals, CSV, statements."""

import csv
import io
from datetime import timedelta

import pytest

from fund.services.ledger import EntryInput, ledger_entries_post
from tests.fund.conftest import T0

DAY = timedelta(days=1)
API = "/api/v1/fund/funds"


@pytest.fixture
def history(books, main_fund):
    books.move("d1", books.world, books.alice, 10**24)
    books.move("t1", books.alice, books.fund, 5_000_000, kind="top_up", at=T0)
    ledger_entries_post(
        entries=[
            EntryInput(
                key=f"fee{i}",
                kind="fee_take",
                event_time=T0 + i * timedelta(hours=12),
                postings=[(books.alice, -1_000 - i), (books.fund, 1_000 + i)],
            )
            for i in range(10)
        ]
    )
    books.move("c1", books.fund, books.alice, 2_000_000, kind="shortfall_cover", at=T0 + 40 * DAY)
    return books


def test_fund_list_has_balance_as_string_and_decimals(client, history):
    body = client.get(f"{API}/").json()
    assert body == [
        {
            "name": "main",
            "kind": "pooled",
            "description": "",
            "asset": {"symbol": "USDC", "decimals": 6, "chain_id": None, "token_address": ""},
            "balance": str(5_000_000 + sum(1_000 + i for i in range(10)) - 2_000_000),
        }
    ]


def test_days_give_closing_per_day(client, history):
    body = client.get(f"{API}/main/days/", {"from": "2025-10-09", "to": "2025-10-12"}).json()
    assert [d["closing"] for d in body["days"]] == ["0", "5001000", "5003003", "5005010"]
    assert body["days"][1] == {
        "day": "2025-10-10",
        "closing": "5001000",
        "net": "5001000",
        "entries": 2,
    }


def test_entries_paginate_by_cursor_newest_first(client, history):
    seen, url, params = (
        [],
        f"{API}/main/entries/",
        {"from": "2025-10-01", "to": "2025-12-31", "limit": 4},
    )
    while url:
        body = client.get(url, params).json()
        seen += [row["seq"] for row in body["results"]]
        url, params = body["next"], None
    assert seen == list(range(13, 1, -1))
    first = client.get(f"{API}/main/entries/", {"from": "2025-10-01", "limit": 1}).json()
    assert first["results"][0]["balance_after"] == "3010045"


def test_totals_by_kind(client, history):
    body = client.get(f"{API}/main/totals/", {"from": "2025-10-01", "to": "2025-12-31"}).json()
    totals = {t["kind"]: (t["inflow"], t["outflow"], t["entries"]) for t in body["totals"]}
    assert totals == {
        "top_up": ("5000000", "0", 1),
        "fee_take": ("10045", "0", 10),
        "shortfall_cover": ("0", "2000000", 1),
    }


def test_csv_export_streams_every_entry(client, history):
    response = client.get(f"{API}/main/entries.csv")
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["seq", "event_time", "kind"] and len(rows) == 13
    assert rows[-1][4:6] == ["-2000000", "3010045"]


def test_statement_json_and_csv(client, history):
    body = client.get(f"{API}/main/statements/2025-10/").json()
    assert body["opening"] == "0" and body["closing"] == "5010045"
    assert body["inflows"] == {"top_up": "5000000", "fee_take": "10045"}
    assert body["outflows"] == {} and body["entries"] == 11
    assert body["first_entry"]["seq"] == 2 and body["last_entry"]["seq"] == 12
    november = client.get(f"{API}/main/statements/2025-11/").json()
    assert november["opening"] == "5010045" and november["outflows"] == {
        "shortfall_cover": "2000000"
    }
    response = client.get(f"{API}/main/statements/2025-11.csv")
    text = b"".join(response.streaming_content).decode()
    assert "outflow,shortfall_cover,2000000" in text and "closing,,3010045" in text


@pytest.mark.parametrize(
    ("url", "params", "status", "field"),
    [
        ("/nope/days/", {}, 404, "fund"),
        ("/main/days/", {"from": "2025-13-01"}, 400, "from"),
        ("/main/days/", {"from": "2025-10-05", "to": "2025-10-01"}, 400, "from"),
        ("/main/days/", {"from": "2000-01-01", "to": "2025-10-01"}, 400, "from"),
        ("/main/totals/", {"to": "yesterday"}, 400, "to"),
        ("/main/entries/", {"cursor": "garbage"}, 400, "cursor"),
        ("/main/entries/", {"limit": "0"}, 400, "limit"),
        ("/main/statements/2025-13/", {}, 400, "month"),
        ("/main/entries.csv", {"from": "2025-10-05", "to": "2025-10-01"}, 400, "from"),
    ],
)
def test_bad_requests_name_the_field(client, history, url, params, status, field):
    response = client.get(f"{API}{url}", params)
    assert response.status_code == status, response.content
    assert field in response.json()["fields"]
