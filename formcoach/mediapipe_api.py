"""MediaPipe, imported once, without the extras FormCoach never uses.

``import mediapipe`` loads every task of the Tasks API, and with them
``matplotlib.pyplot`` (for its drawing helpers) and ``sounddevice`` (for its
audio tasks): about 0.5 s of the 1.0 s the import takes on the development
machine, paid by every ``formcoach analyze`` and every batch worker before
its first frame. Those two modules are imported lazily here: they are loaded
only if something uses them (PDF export, say, loads pyplot itself as usual).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
import threading
from collections.abc import Sequence
from types import ModuleType
from typing import Any

#: Imported by MediaPipe's package ``__init__`` but used only by its drawing
#: and audio helpers.
DEFERRED = frozenset({"matplotlib.pyplot", "sounddevice"})

_lock = threading.Lock()
_module: ModuleType | None = None


class _Deferred(importlib.abc.MetaPathFinder):
    """Finds the :data:`DEFERRED` modules as usual, with a lazy loader."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in DEFERRED:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None  # the usual finders decide
        spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


def mediapipe() -> ModuleType:
    """The ``mediapipe`` package (imported on the first call, thread-safe)."""
    global _module
    if _module is None:
        with _lock:
            if _module is None:
                finder = _Deferred()
                sys.meta_path.insert(0, finder)
                try:
                    import mediapipe as mp
                finally:
                    sys.meta_path.remove(finder)
                _module = mp
    return _module
