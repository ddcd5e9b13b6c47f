from custody.models.alert import CustodyAlert
from custody.models.challenge import ControlChallenge
from custody.models.epoch import ReserveEpoch, ReserveFundStatus
from custody.models.readings import BalanceReading, SafeReading
from custody.models.wallet import TrackedWallet

__all__ = [
    "BalanceReading",
    "ControlChallenge",
    "CustodyAlert",
    "ReserveEpoch",
    "ReserveFundStatus",
    "SafeReading",
    "TrackedWallet",
]
