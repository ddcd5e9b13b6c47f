"""Exact money splits shared by the apps: a pro-rata split whose parts sum to the whole."""

from __future__ import annotations

from collections.abc import Sequence


def split_largest_remainder(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` so the parts sum to ``total`` exactly.

    Each part is first floored; the units left over go one each to the parts with the largest
    fractional remainders, ties to the earlier weight (callers order weights by priority).
    Weights must be non-negative with a positive sum; ``total`` must be non-negative.
    """
    if total < 0:
        raise ValueError("total must be non-negative")
    if any(weight < 0 for weight in weights):
        raise ValueError("weights must be non-negative")
    whole = sum(weights)
    if whole <= 0:
        raise ValueError("weights must have a positive sum")
    parts = [total * weight // whole for weight in weights]
    remainders = [total * weight % whole for weight in weights]
    left = total - sum(parts)
    order = sorted(range(len(weights)), key=lambda index: (-remainders[index], index))
    for index in order[:left]:
        parts[index] += 1
    return parts
