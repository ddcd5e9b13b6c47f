from common.schedules import Periodic, periodic

periodic(
    Periodic(
        name="fund: close reward epochs",
        task="fund.close_reward_epochs",
        crontab="5 0 * * *",
        why="Staking rewards: one epoch per UTC day, its Merkle root published just after "
        "midnight for the on-chain distributor; closing an epoch twice is a no-op.",
    ),
    Periodic(
        name="fund: track payout Safe transactions",
        task="fund.track_payout_safe_txs",
        every_seconds=60,
        why="Outside-address payouts: build the Safe transaction owners sign, and book the "
        "payment once its execution is seen at a confirmed block (booking twice is a no-op).",
    ),
)
