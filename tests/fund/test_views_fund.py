"""Public fund pages: dashboard, range partial, statements; bounded queries; exact formatting."""

from datetime import timedelta

import pytest

from fund.demo import fund_ledger_demo
from fund.models import Entry
from fund.services.ledger import EntryInput, ledger_entries_post
from fund.services.ledger_history_verify import history_verify
from fund.templatetags.fund_format import units
from tests.fund.conftest import T0


def fees(books, count, start=0):
    ledger_entries_post(
        entries=[
            EntryInput(
                key=f"fee{i}",
                kind="fee_take",
                event_time=T0 + i * timedelta(hours=5),
                postings=[(books.alice, -1_500_000), (books.fund, 1_500_000)],
            )
            for i in range(start, start + count)
        ]
    )


@pytest.mark.parametrize(
    ("amount", "decimals", "text"),
    [
        (1_234_567_890, 6, "1,234.56789"),
        (5_000_000, 6, "5.00"),
        (-1, 6, "-0.000001"),
        (0, 8, "0.00"),
        (10**30 + 1, 18, "1,000,000,000,000.000000000000000001"),
        (42, 0, "42"),
        ("7", 1, "0.7"),
    ],
)
def test_units_filter_is_exact(amount, decimals, text):
    assert units(amount, decimals) == text


def test_pages_render(client, books, main_fund):
    books.move("d1", books.world, books.alice, 10**12)
    fees(books, 5)
    body = client.get("/fund/").content.decode()
    assert "7.50" in body and "USDC" in body
    body = client.get("/fund/main/").content.decode()
    assert 'id="fund-chart-data"' in body and "fee take" in body and "2025-10" in body
    partial = client.get("/fund/main/range/?range=all", HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('<section id="fund-range"') and "7,50" not in partial
    page = client.get("/fund/main/statements/2025-10/").content.decode()
    assert "Closing balance" in page and "7.50" in page
    assert client.get("/fund/nope/").status_code == 404
    assert client.get("/fund/main/statements/2025-13/").status_code == 404


def test_dashboard_and_history_queries_do_not_grow_with_entries(
    client, books, main_fund, django_assert_max_num_queries
):
    books.move("d1", books.world, books.alice, 10**15)
    fees(books, 5)
    urls = [
        "/fund/main/",
        "/fund/main/range/?range=all",
        "/api/v1/fund/funds/",
        "/api/v1/fund/funds/main/entries/?from=2025-10-01&to=2026-12-31",
        "/api/v1/fund/funds/main/days/?from=2025-10-01&to=2025-12-31",
        "/api/v1/fund/funds/main/totals/?from=2025-10-01&to=2025-12-31",
        "/api/v1/fund/funds/main/statements/2025-10/",
    ]
    counts = {}
    for url in urls:
        with django_assert_max_num_queries(10) as captured:
            assert client.get(url).status_code == 200
        counts[url] = len(captured)
    fees(books, 300, start=5)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            assert client.get(url).status_code == 200


def test_demo_is_idempotent_and_checks(db):
    lines = []
    fund_ledger_demo(lines.append)
    booked = Entry.objects.count()
    assert booked > 300 and len(lines) == 2
    fund_ledger_demo(lines.append)
    assert Entry.objects.count() == booked
    assert history_verify() is None


@pytest.mark.django_db
def test_fund_page_shows_the_rules_in_force(client, main_fund):
    from governance.services.params import param_value_set

    param_value_set(
        name="fee_take_rate",
        scope="fund:main",
        value="0.0004",
        source="seed",
        actor="test",
        effective_at=T0,
    )
    param_value_set(
        name="reserve_floor",
        scope="global",
        value="2500000",
        source="seed",
        actor="test",
        effective_at=T0,
    )
    page = client.get("/fund/main/").content.decode()
    rules = page[page.index('id="fund-rules"') :]
    assert '<tr id="rule-fee_take_rate">' in rules
    fee_row = rules[rules.index('id="rule-fee_take_rate"') : rules.index('id="rule-max_')]
    assert "0.0004" in fee_row and "fund:main" in fee_row
    floor_row = rules[rules.index('id="rule-reserve_floor"') : rules.index('id="rule-payout_cap')]
    assert "2.50 USDC" in floor_row and "global" in floor_row
    cap_row = rules[rules.index('id="rule-payout_cap_per_event"') :]
    assert "no cap" in cap_row[: cap_row.index("</tr>")]
