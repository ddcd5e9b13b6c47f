from clearing.models.liquidation import Liquidation, Settlement
from clearing.models.market import Market, MarkPrice, RiskModeChange
from clearing.models.position import Fill, Position

__all__ = [
    "Fill",
    "Liquidation",
    "MarkPrice",
    "Market",
    "Position",
    "RiskModeChange",
    "Settlement",
]
