from common.schedules import Periodic, periodic

periodic(
    Periodic(
        name="governance: advance proposals",
        task="governance.advance_proposals",
        every_seconds=60,
        why="Open and close votes, queue and execute proposals after the timelock; a minute "
        "of lag is small next to day-long periods, and execution is idempotent.",
    )
)
