from fund.models.account import LedgerAccount
from fund.models.asset import Asset
from fund.models.entry import Entry, LedgerHead, Posting
from fund.models.fund import Fund

__all__ = ["Asset", "Entry", "Fund", "LedgerAccount", "LedgerHead", "Posting"]
