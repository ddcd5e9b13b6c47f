from fund.models.account import LedgerAccount
from fund.models.asset import Asset
from fund.models.entry import Entry, LedgerHead, Posting
from fund.models.fund import Fund
from fund.models.history import FundDay, FundDayKind, FundEntry
from fund.models.payout import Claim, Payout, PayoutApproval, PayoutSafeTx
from fund.models.staking import (
    OnchainDeposit,
    RewardEpoch,
    RewardLeaf,
    ShareEvent,
    StakeDeposit,
    StakePool,
    StakePosition,
    UnstakeRequest,
)

__all__ = [
    "Claim",
    "Payout",
    "PayoutApproval",
    "PayoutSafeTx",
    "Asset",
    "Entry",
    "Fund",
    "FundDay",
    "FundDayKind",
    "FundEntry",
    "LedgerAccount",
    "LedgerHead",
    "Posting",
    "OnchainDeposit",
    "RewardEpoch",
    "RewardLeaf",
    "ShareEvent",
    "StakeDeposit",
    "StakePool",
    "StakePosition",
    "UnstakeRequest",
]
