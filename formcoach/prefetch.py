"""Reading ahead: iterate anything in a background thread, a few items ahead;
and reading one iterator in stretches."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")

_POLL_S = 0.1

_ITEM, _DONE, _ERROR = range(3)


def prefetch(items: Iterable[T], maxsize: int = 16) -> Iterator[T]:
    """Iterate ``items`` in a background thread, a few items ahead.

    Lets decoding (which releases the GIL inside FFmpeg) overlap the work of
    the consumer. An exception raised by ``items`` is re-raised in the
    consumer, with its original traceback. When the consumer stops early
    (``break``, ``close()``, an exception), the producer is told to stop, the
    source iterator is closed in the producer thread (so e.g. the video file
    is closed), and the thread is joined.

    Args:
        items: Any iterable; it is only touched by the background thread.
        maxsize: How many items may wait in the queue (at least 1).

    Yields:
        The items of ``items``, in order.
    """
    buffer: queue.Queue[tuple[int, Any]] = queue.Queue(maxsize=max(1, maxsize))
    stop = threading.Event()

    def put(message: tuple[int, Any]) -> bool:
        # A timeout, so a consumer that went away cannot block us forever.
        while not stop.is_set():
            try:
                buffer.put(message, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        iterator = iter(items)
        try:
            for item in iterator:
                if not put((_ITEM, item)):
                    return
            put((_DONE, None))
        except BaseException as exc:
            put((_ERROR, exc))
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:
                    logger.exception("Closing the prefetched iterator failed")

    thread = threading.Thread(target=produce, name="formcoach-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            try:
                kind, payload = buffer.get(timeout=_POLL_S)
            except queue.Empty:
                if not thread.is_alive() and buffer.empty():
                    raise RuntimeError("prefetch producer thread died") from None
                continue
            if kind == _ITEM:
                yield payload
            elif kind == _DONE:
                return
            else:
                raise payload
    finally:
        stop.set()
        # Waits at most for the item being produced right now.
        thread.join(timeout=30)
        if thread.is_alive():
            logger.warning("prefetch producer thread did not stop within 30 s")


class Stretches(Generic[T]):
    """One iterator read in stretches, each up to an item that ends it.

    The item that ends a stretch is kept and starts the next one, so none is
    lost between stretches (a pose lane's runs read from one decoder; the
    pictures of posed frames, matched by time).
    """

    def __init__(self, items: Iterator[T]) -> None:
        self._items = items
        self._held: T | None = None  # the item that ended the stretch before

    def until(self, ends: Callable[[T], bool]) -> Iterator[T]:
        """The next items before the first for which ``ends`` is true."""
        while True:
            item = self._held if self._held is not None else next(self._items, None)
            self._held = None
            if item is None:
                return
            if ends(item):
                self._held = item
                return
            yield item

    def close(self) -> None:
        """Close the iterator read (e.g. stop its decoder)."""
        close = getattr(self._items, "close", None)
        if close is not None:
            close()
