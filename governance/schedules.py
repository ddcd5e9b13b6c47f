from common.schedules import Periodic, periodic

periodic(
    Periodic(
        name="governance: advance proposals",
        task="governance.advance_proposals",
        every_seconds=60,
        why="Open and close votes, queue and execute proposals after the timelock; a minute "
        "of lag is small next to day-long periods, and execution is idempotent.",
    ),
    Periodic(
        name="governance: purge sign-in nonces",
        task="governance.purge_signin_nonces",
        crontab="17 3 * * *",
        why="Sign-in nonces live 10 minutes; anyone can ask for one, so old rows are dropped "
        "daily.",
    ),
)
