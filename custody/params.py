"""Governable parameters of custody."""

from governance.registry import Param, declare

declare(
    Param(
        "confirmations",
        "int",
        2,
        "Blocks behind the head at which chain readings are taken as final.",
        unit="blocks",
        min=0,
        max=256,
    ),
    app="custody",
)
