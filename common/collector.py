"""Pausing Python's cycle collector around work that allocates much and makes no cycles.

A settlement batch that ADLs values a whole side of a market (tens of thousands of tuples)
and builds thousands of entries; those allocations set off full collections that walk every
live object of the process, the batch's own included, again and again. Reference counting
still frees everything as usual; only cycles wait for the collector, which resumes when the
outermost pause ends (decision 027). The ledger's batched booking pauses it for the same reason
(decision 017).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    if not gc.isenabled():  # an outer pause: it resumes collection
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
