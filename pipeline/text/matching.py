"""Greedy one-to-one matching, shared by the scorer and the merge of events."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

L = TypeVar("L")
R = TypeVar("R")


def one_to_one(
    left: Sequence[L],
    right: Sequence[R],
    same: Callable[[L, R], bool],
    order: Iterable[int] | None = None,
) -> list[tuple[int, int]]:
    """Pairs (i, j): each left item, in ``order``, takes the first unused right item it matches."""
    pairs: list[tuple[int, int]] = []
    used: set[int] = set()
    for i in order if order is not None else range(len(left)):
        for j, candidate in enumerate(right):
            if j not in used and same(left[i], candidate):
                pairs.append((i, j))
                used.add(j)
                break
    return pairs
