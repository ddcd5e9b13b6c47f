"""The replay export: a known history, exported and replayed, settles as the live books did.

The live books are built by the replay itself (the real services) inside a savepoint; the
export is read there, the savepoint is rolled back, and the export is replayed on the empty
database under its own names: the same liquidations, fund paid, ADL and final balances.
"""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from clearing.models import Settlement
from clearing.selectors.replay_export import replay_export
from clearing.services.replay import replay_run
from fund.models import Entry, Fund
from fund.selectors.ledger import fund_balance
from tests.clearing.history import UNTIL, history_lines

pytestmark = pytest.mark.django_db
SINCE = UNTIL - timedelta(days=30)  # 2026-01-30


class _Rollback(Exception):
    pass


def settled(rows) -> list[tuple]:
    return [
        (
            row["account"],
            row["fund_delta"],
            sorted((adl["account"], adl["qty"]) for adl in row["adl"]),
            row["deficit"],
        )
        for row in rows
    ]


def live_books_exported(since: datetime, lines: list[str] | None = None):
    """Book a history, export it and read what settled in the window; then roll it all back."""
    result = {}
    try:
        with transaction.atomic():
            replay_run(lines=lines or history_lines())
            export = replay_export(since=since, until=UNTIL)
            rows = Settlement.objects.filter(settled_at__gte=export.start).order_by("id")
            result = {
                "export": export,
                "settled": settled(
                    {
                        "account": s.liquidation.account,
                        "fund_delta": str(s.fund_delta),
                        "adl": s.adl,
                        "deficit": str(s.deficit),
                    }
                    for s in rows
                ),
                "fund": str(fund_balance(Fund.objects.get(name="main"))),
            }
            raise _Rollback
    except _Rollback:
        pass
    assert not Entry.objects.exists()
    return result


def test_export_replays_to_the_live_books():
    live = live_books_exported(SINCE)
    export = live["export"]
    assert export.start == SINCE and export.notes == []
    assert export.opening_positions == 4  # alice, bob, carol, erin (dave was liquidated)
    types = [json.loads(line)["type"] for line in export.lines]
    assert types.count("close") == 2 and types.count("mark") == 4  # 3 + the last one before
    report = replay_run(lines=export.lines, rollback=True)
    assert settled(report["liquidations"]) == live["settled"]
    assert [row["account"] for row in report["liquidations"]] == ["gina", "alice"]
    assert report["liquidations"][1]["adl"], "alice's shortfall beyond the cap goes to ADL"
    assert report["funds"] == {"main": live["fund"]}


def test_a_liquidation_straddling_the_start_moves_it_back():
    since = datetime(2026, 1, 11, 1, 0, 0, 500000, tzinfo=UTC)  # dave taken over, not closed
    live = live_books_exported(since)
    export = live["export"]
    assert export.start == datetime(2026, 1, 11, 1, 0, tzinfo=UTC)
    assert "a liquidation taken over then was not settled" in export.notes[0]
    report = replay_run(lines=export.lines, rollback=True)
    assert settled(report["liquidations"]) == live["settled"]
    assert [row["account"] for row in report["liquidations"]] == ["dave", "gina", "alice"]


def test_export_is_a_pure_read():
    replay_run(lines=history_lines())
    with CaptureQueriesContext(connection) as queries:
        export = replay_export(since=SINCE, until=UNTIL)
    assert export.events > 0
    writes = [q["sql"] for q in queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []


def test_a_quiet_window_has_no_events():
    export = live_books_exported(SINCE, history_lines()[:20])["export"]  # all before 2026-01-16
    assert export.events == 0 and export.opening_positions == 4
    report = replay_run(lines=export.lines, rollback=True)
    assert report["liquidations"] == []


def test_command_writes_the_file(tmp_path, capsys):
    replay_run(lines=history_lines())
    out = tmp_path / "recent.jsonl"
    call_command("replay_export", "--days", "30", "--until", "2026-03-01T00:00:00Z", out=str(out))
    lines = out.read_text().splitlines()
    assert json.loads(lines[0]) == {"type": "asset", "symbol": "USDC", "decimals": 6}
    captured = capsys.readouterr()
    assert f"{len(lines)} lines (7 events, 4 positions open at the start)" in captured.out
    assert "replay_export: window 2026-01-30T00:00:00Z to 2026-03-01T00:00:00Z" in captured.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--days", "0"], "--days must be a whole number from 1 to 3650, got 0"),
        (["--days", "abc"], "argument --days: invalid int value: 'abc'"),
        (["--until", "yesterday"], "--until must be an ISO 8601 time with a zone"),
        (["--until", "2026-03-01T00:00:00"], "--until must be an ISO 8601 time with a zone"),
    ],
)
def test_command_refuses_bad_arguments(tmp_path, args, message):
    out = tmp_path / "recent.jsonl"
    with pytest.raises(CommandError, match=message):
        call_command("replay_export", *args, "--out", str(out))
    assert not out.exists()


def test_command_refuses_a_missing_folder(tmp_path):
    out = tmp_path / "nowhere" / "recent.jsonl"
    with pytest.raises(CommandError, match=f"the folder {out.parent} does not exist"):
        call_command("replay_export", "--out", str(out))
