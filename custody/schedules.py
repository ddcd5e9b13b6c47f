"""Custody's periodic jobs (installed by ``manage.py setup_periodic_tasks``)."""

from common.schedules import Periodic, periodic

periodic(
    Periodic(
        "custody: read wallets",
        "custody.read_wallets",
        every_seconds=300,
        why="balances and Safe owners at a confirmed block; control changes alert within 5 min",
    ),
    Periodic(
        "custody: check reorgs",
        "custody.check_reorgs",
        every_seconds=60,
        why="rewind readings whose block left the chain before anything relies on them",
    ),
    Periodic(
        "custody: reserve-proof epoch",
        "custody.publish_reserve_epoch",
        crontab="0 0 * * *",
        why="one signed reserve proof a day, as the large venues publish theirs",
    ),
)
