"""Clearing's periodic jobs (installed by ``manage.py setup_periodic_tasks``)."""

from common.schedules import Periodic, periodic

periodic(
    Periodic(
        "clearing: settlement sweeper",
        "clearing.sweep_settlements",
        every_seconds=10,
        why="the database is the source of truth: closed liquidations still unsettled after "
        "SETTLEMENT_SWEEP_AFTER seconds get their market's task queued again (lost message, "
        "killed worker); settling is idempotent so a duplicate books nothing",
    ),
    Periodic(
        "clearing: risk modes",
        "clearing.recompute_risk_modes",
        every_seconds=60,
        why="coverage also moves with marks and fund inflows between settlements; the venue "
        "reads the mode, so it is at most a minute stale",
    ),
)
