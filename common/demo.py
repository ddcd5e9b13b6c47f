"""The demo that `make run` loads: each app adds its steps in its own ``demo.py``.

Steps run in ``order`` and must be idempotent (running the demo twice changes nothing the
second time), because `make run` runs it on every start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class DemoStep:
    order: int
    title: str
    run: Callable[[Callable[[str], None]], None]


STEPS: list[DemoStep] = []


def demo_step(order: int, title: str):
    """Register ``func(say)`` as a demo step; ``say`` prints a progress line."""

    def register(func):
        STEPS.append(DemoStep(order, title, func))
        return func

    return register


def demo_steps() -> list[DemoStep]:
    autodiscover_modules("demo")
    return sorted(STEPS, key=lambda step: step.order)
