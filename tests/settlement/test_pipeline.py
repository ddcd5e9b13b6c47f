"""Around the settlement tasks: sweeper, /healthz backlog, beat schedule, dead letters."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test.utils import override_settings
from django_celery_beat.models import PeriodicTask

from clearing.models import Liquidation, Market, Settlement
from clearing.services.sweeper import liquidations_sweep, settlement_backlog
from common.health import health_report
from common.models import DeadLetter
from tests.settlement.books import crash_book, crash_book_open

pytestmark = pytest.mark.django_db


def test_sweeper_requeues_markets_whose_closed_liquidations_wait():
    ids = crash_book(tag="sweep", traders=6)  # plain db test: on-commit tasks never ran
    market = Market.objects.get(symbol="sweep-USDC")
    assert liquidations_sweep(older_than=3600) == []  # taken over just now: not stale yet
    assert settlement_backlog()["waiting"] == len(ids)
    assert liquidations_sweep(older_than=0) == [market.pk]  # eager: the task runs here
    assert Settlement.objects.filter(liquidation_id__in=ids).count() == len(ids)
    assert settlement_backlog() == {"waiting": 0, "oldest_seconds": 0.0}


def test_healthz_reports_the_settlement_backlog(client):
    crash_book(tag="health", traders=4)
    with override_settings(SETTLEMENT_STALE_AFTER=3600):
        _, results = health_report()
        assert results["settlement"]["ok"] and results["settlement"]["waiting"] > 0
    with override_settings(SETTLEMENT_STALE_AFTER=-1):  # any wait at all is too long
        assert not health_report()[1]["settlement"]["ok"]
        body = client.get("/healthz").json()
        assert "settlement" in str(body)


def test_beat_schedule_installs_the_sweeper_and_risk_modes():
    call_command("setup_periodic_tasks", verbosity=0)
    tasks = dict(PeriodicTask.objects.values_list("task", "interval__every"))
    assert tasks["clearing.sweep_settlements"] == 10
    assert tasks["clearing.recompute_risk_modes"] == 60


def test_failed_task_lands_in_dead_letters_and_staff_retry_settles(
    staff_factory, verified_client, django_capture_on_commit_callbacks
):
    """A settlement that fails for good (here: asked before the venue's close) is a dead
    letter on the staff page; once the cause is gone, the retry button settles it."""
    from clearing.services.marks import closes_ingest
    from clearing.tasks import settle_liquidation_task

    closes = crash_book_open(tag="dead", traders=4)
    liquidation = Liquidation.objects.get(account=closes[0].account, market__symbol="dead-USDC")
    # As a worker runs it (errors not propagated): the failure handler records it.
    result = settle_liquidation_task.apply(args=[liquidation.pk], throw=False)
    assert "not closed yet" in str(result.result)
    letter = DeadLetter.objects.get()
    assert (letter.task_name, letter.args) == ("clearing.settle_liquidation", [liquidation.pk])
    closes_ingest(closes=closes[:1])  # on-commit tasks do not run in a plain db test
    client = verified_client(*staff_factory("payout_reviewer"))
    assert b"clearing.settle_liquidation" in client.get("/staff/dead-letters/").content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/staff/dead-letters/{letter.pk}/retry/")
    assert response.status_code == 302
    liquidation.refresh_from_db()
    assert liquidation.status == Liquidation.Status.SETTLED
    assert DeadLetter.objects.get().retried_by
