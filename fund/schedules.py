from common.schedules import Periodic, periodic

periodic(
    Periodic(
        name="fund: close reward epochs",
        task="fund.close_reward_epochs",
        crontab="5 0 * * *",
        why="Staking rewards: one epoch per UTC day, its Merkle root published just after "
        "midnight for the on-chain distributor; closing an epoch twice is a no-op.",
    )
)
