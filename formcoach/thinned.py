"""Keeping an evenly spread sample of a stream in bounded memory."""

from __future__ import annotations

from typing import Generic, TypeVar

T = TypeVar("T")


class Thinned(Generic[T]):
    """Every ``step``-th item of a stream, at most about ``cap`` of them.

    When ``cap`` is passed, every other kept item is dropped and ``step``
    doubles, so the kept items stay evenly spread over the whole stream in
    bounded memory (an hour of video keeps as many as a minute).
    """

    def __init__(self, cap: int):
        self.cap = max(2, cap)
        self.step = 1
        self.items: list[T] = []
        self._seen = 0

    def add(self, item: T) -> None:
        """Offer the next item of the stream."""
        if self._seen % self.step == 0:
            self.items.append(item)
            if len(self.items) > self.cap:
                del self.items[1::2]
                self.step *= 2
        self._seen += 1
