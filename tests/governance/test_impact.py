import json
import threading
import time
from datetime import timedelta

import psycopg
import pytest
from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

from clearing.models import Settlement
from fund.models import Entry, Fund
from governance.services.impact import (
    impact_preview_compute,
    impact_preview_get,
    report_summary,
    scenario_with_changes,
)
from tests.clearing.history import UNTIL, history_lines

pytestmark = pytest.mark.django_db

SEED = {"seed003": "clearing/scenarios/seed003_worked_examples.jsonl"}
LINES = [
    '{"type":"asset","symbol":"USDC","decimals":6}',
    '{"type":"params","scope":"global","values":{"coverage_critical":"0"}}',
    '{"type":"fund","name":"main","asset":"USDC","balance":"1"}',
    '{"type":"deposit","account":"a","asset":"USDC","amount":"1"}',
]


@pytest.fixture(scope="session")
def preview_database_url(django_db_setup):
    """A sandbox database beside the test database, for the whole session.

    PostgreSQL, as the tests' own database; the preview migrates it on first use.
    """
    live = connection.settings_dict
    name = f"{live['NAME']}_preview"
    server = f"postgres://{live['USER']}:{live['PASSWORD']}@{live['HOST']}:{live['PORT']}"

    def admin(sql: str) -> None:
        # A connection of its own: the tests' connection may have been dropped on purpose by
        # a reliability test by the time the session ends.
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(sql)

    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{name}"')
    yield f"{server}/{name}"
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(autouse=True)
def sandbox(settings, preview_database_url):
    settings.PREVIEW_DATABASE_URL = preview_database_url
    return preview_database_url


def sandbox_rows(url: str) -> int:
    tables = [model._meta.db_table for model in (Fund, Entry, Settlement)]
    with psycopg.connect(url) as conn:
        return sum(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables)


@pytest.mark.parametrize("name", ["fee_take_rate", "quorum"])  # fund-scopable, global only
def test_a_global_change_goes_after_the_setup(name):
    out = scenario_with_changes(LINES, [{"name": name, "scope": "global", "value": "7"}])
    assert json.loads(out[3]) == {"type": "params", "scope": "global", "values": {name: "7"}}
    assert out[:3] == LINES[:3] and out[4] == LINES[3]


def test_a_scoped_change_replaces_the_scenarios_later_values():
    scope = "fund:main"
    later = [
        '{"type":"mark","market":"BTC-USDC","price":"1","ts":"2026-01-01T00:00:00Z"}',
        json.dumps(
            {"type": "params", "scope": scope, "values": {"reserve_floor": "5", "reward_rate": "0"}}
        ),
        json.dumps({"type": "params", "scope": scope, "values": {"reserve_floor": "6"}}),
    ]
    out = scenario_with_changes(
        [LINES[0], LINES[2], *later], [{"name": "reserve_floor", "scope": scope, "value": "9"}]
    )
    assert [json.loads(line) for line in out[2:]] == [
        {"type": "params", "scope": scope, "values": {"reserve_floor": "9"}},
        json.loads(later[0]),
        {"type": "params", "scope": scope, "values": {"reward_rate": "0"}},
    ]


def test_report_summary():
    report = {
        "liquidations": [
            {"fund_delta": "-5", "adl": [{"account": "x"}]},
            {"fund_delta": "7", "adl": []},
        ],
        "funds": {"main": "9"},
    }
    assert report_summary(report) == {
        "liquidations": 2,
        "fund_paid": "5",
        "fund_taken": "7",
        "adl_events": 1,
        "socialized": "0",
        "funds": {"main": "9"},
        "fund_delta_path": ["-5", "2"],
    }


def test_preview_replays_on_the_sandbox_and_is_cached(make_proposal, wallets, sandbox):
    from clearing.services.replay import replay_run

    replay_run(lines=LINES[:3])  # a live fund "main", as the scenario's
    proposal = make_proposal(power={wallets[0]: 1}, name="adl_policy", value="socialize")
    result = impact_preview_compute(proposal=proposal, scenarios=SEED)
    assert impact_preview_get(proposal) == result
    assert result["scenarios"]["recent"]["empty"]  # the live fund saw no events
    seed = result["scenarios"]["seed003"]
    assert "error" not in seed, seed
    assert seed["current"]["liquidations"] == seed["proposed"]["liquidations"] > 0
    assert sandbox_rows(sandbox) == 0  # every replay rolled back there too


def test_the_scenarios_start_from_the_live_global_values(make_proposal, wallets):
    from governance.services.params import param_value_set

    proposal = make_proposal(
        power={wallets[0]: 1}, name="payout_cap_per_event", scope="global", value="0"
    )
    before = impact_preview_compute(proposal=proposal, scenarios=SEED)["scenarios"]["seed003"]
    param_value_set(name="payout_cap_per_event", scope="global", value="0", source="t", actor="t")
    after = impact_preview_compute(proposal=proposal, scenarios=SEED)["scenarios"]["seed003"]
    assert before["current"] != before["proposed"]  # the cap of 0 leaves every shortfall to ADL
    assert after["current"] == after["proposed"] == before["proposed"]


def test_a_failed_replay_is_the_scenarios_error_and_books_nothing(make_proposal, wallets, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        LINES[0]
        + "\n"
        + '{"type":"mark","market":"NOPE","price":"1","ts":"2026-01-01T00:00:00Z"}\n'
    )
    proposal = make_proposal(power={wallets[0]: 1})
    before = row_counts()
    result = impact_preview_compute(proposal=proposal, scenarios={"bad": str(bad), **SEED})
    error = result["scenarios"]["bad"]["error"]
    assert error.startswith("bad-current on the preview database: bad-current.jsonl: line 2")
    assert "NOPE" in error
    assert "error" not in result["scenarios"]["seed003"]
    assert row_counts() == before


def test_a_preview_out_of_time_says_so(make_proposal, wallets, monkeypatch):
    from governance.services import impact

    monkeypatch.setattr(impact, "SANDBOX_SECONDS", 0.5)
    proposal = make_proposal(power={wallets[0]: 1})
    result = impact_preview_compute(proposal=proposal, scenarios=SEED)
    assert result["scenarios"]["seed003"] == {
        "title": "seed003",
        "error": "migrate on the preview database: not done within the preview's 0.5 s",
    }


def test_the_live_database_is_refused_as_sandbox(make_proposal, wallets, settings):
    live = connection.settings_dict
    settings.PREVIEW_DATABASE_URL = (
        f"postgres://{live['USER']}:{live['PASSWORD']}@{live['HOST']}:{live['PORT']}/{live['NAME']}"
    )
    proposal = make_proposal(power={wallets[0]: 1})
    error = impact_preview_compute(proposal=proposal, scenarios=SEED)["scenarios"]["seed003"]
    assert error["error"] == (
        f"PREVIEW_DATABASE_URL 'postgres://{live['USER']}:***@{live['HOST']}:{live['PORT']}/"
        f"{live['NAME']}' is the live database: a preview replays on a database of its own"
    )


def row_counts() -> dict[str, int]:
    labels = ("clearing", "fund", "governance", "common")
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in labels
    }


def test_the_task_replays_the_last_30_days_and_the_crash_and_keeps_nothing(
    make_proposal, wallets, monkeypatch
):
    from clearing.services.replay import replay_run
    from governance.services import impact
    from governance.tasks import compute_impact_task

    replay_run(lines=history_lines(shift=timezone.now() - UNTIL))  # live: 28 days ago
    monkeypatch.setattr(impact, "SCENARIOS", {"crash": SEED["seed003"]})
    proposal = make_proposal(
        power={wallets[0]: 1},
        name="payout_cap_per_event",
        scope="fund:main",
        value="2000000000",
        now=timezone.now() - timedelta(minutes=1),
    )
    before = row_counts()
    assert compute_impact_task(proposal.pk) == ["recent", "crash"]
    assert row_counts() == before
    result = impact_preview_get(proposal)
    recent = result["scenarios"]["recent"]
    assert recent["window"]["events"] == 7 and recent["notes"] == []
    current, proposed = recent["current"], recent["proposed"]
    live = Settlement.objects.filter(settled_at__gte=recent["window"]["start"])
    assert current["fund_paid"] == str(sum(-s.fund_delta for s in live if s.fund_delta < 0))
    # As the live books: gina's shortfall within the 80 USDC cap, alice's 80 and ADL the rest.
    adl = sum(1 for s in live if s.adl)
    assert (current["liquidations"], current["adl_events"]) == (live.count(), adl) == (2, 1)
    # A 2,000 USDC cap: the fund pays alice's shortfall as far as its balance goes.
    assert int(proposed["fund_paid"]) > int(current["fund_paid"])
    assert int(proposed["funds"]["main"]) < int(current["funds"]["main"])
    assert result["scenarios"]["crash"]["current"]["liquidations"] == 3


@pytest.mark.django_db(transaction=True)
def test_live_bookings_do_not_wait_for_a_preview(make_proposal, wallets, monkeypatch):
    """A booking with a short lock_timeout succeeds while the preview's replays run."""
    from clearing.services.replay import replay_run
    from fund.models import Asset, LedgerAccount
    from fund.services.ledger import ledger_account, ledger_entry_post
    from governance.services.preview_sandbox import PreviewSandbox

    replay_run(lines=history_lines(shift=timezone.now() - UNTIL))  # live: 28 days ago
    proposal = make_proposal(power={wallets[0]: 1}, now=timezone.now() - timedelta(minutes=1))
    replays: list[tuple[float, float]] = []
    manage = PreviewSandbox.manage

    def timed(self, *args, doing):
        start = time.monotonic()
        manage(self, *args, doing=doing)
        if args[0] == "replay":
            replays.append((start, time.monotonic()))

    monkeypatch.setattr(PreviewSandbox, "manage", timed)
    result: dict = {}

    def preview():
        try:
            result.update(impact_preview_compute(proposal=proposal, scenarios=SEED))
        finally:
            connection.close()

    asset = Asset.objects.get(symbol="USDC")
    world = ledger_account(kind=LedgerAccount.Kind.EXTERNAL, asset=asset, key="USDC")
    zoe = ledger_account(kind=LedgerAccount.Kind.TRADER_BALANCE, asset=asset, key="zoe")
    booked: list[float] = []
    thread = threading.Thread(target=preview)
    thread.start()
    while thread.is_alive():
        with transaction.atomic():
            connection.cursor().execute("SET LOCAL lock_timeout = '200ms'")
            ledger_entry_post(
                key=f"zoe-{len(booked)}",
                kind="deposit",
                postings=[(world, -1), (zoe, 1)],
                event_time=timezone.now(),
            )
        booked.append(time.monotonic())
        time.sleep(0.05)
    thread.join()
    assert [s.get("error") for s in result["scenarios"].values()] == [None, None]
    assert len(replays) == 4
    during = [at for at in booked if any(start < at < end for start, end in replays)]
    assert len(during) > 10
