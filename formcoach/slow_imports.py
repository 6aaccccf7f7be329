"""MediaPipe's slow import made cheap, and imports that survive a stopped one.

``import mediapipe`` loads every task of the Tasks API, and with them
``matplotlib.pyplot`` (for its drawing helpers) and ``sounddevice`` (for its
audio tasks): about 0.5 s of the 1.0 s the import takes on the development
machine. FormCoach uses neither, so :func:`mediapipe` imports MediaPipe's
drawing helpers and those two lazily: they are loaded only if something uses
them (the PDF export's plots load pyplot themselves, as usual). Deferring
only pyplot still ran the ``matplotlib`` package's own import, 0.2 s of the
0.3 s left (session 24, ``docs/performance.md``). (SciPy's signal tools were
the other slow import, 0.7-1.6 s of CPU; FormCoach has its own now, in
:mod:`formcoach.dsp`.)

Other threads import while MediaPipe's import runs (a page rendering, a
decoder starting), and Python 3.11 can then stop an import with
``_DeadlockError`` where two threads enter one package from different modules
(CPython gh-83065). A package whose import fails that way leaves its finished
submodules in ``sys.modules``, bound to the dead package, so every later
import of it fails too (``matplotlib.cbook`` then asks the new
``matplotlib`` for a function it has not defined yet). :func:`import_fresh`
forgets those orphans and tries once more; the MediaPipe import here and the
PDF export's matplotlib go through it.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import logging
import sys
import threading
from collections.abc import Sequence
from types import ModuleType
from typing import Any

logger = logging.getLogger(__name__)

#: Imported by MediaPipe's package ``__init__`` but used only by its drawing
#: and audio helpers. Deferring the drawing helpers themselves keeps the
#: ``matplotlib`` package out too: a submodule's import (``matplotlib.pyplot``,
#: however lazy) runs its package's ``__init__`` at once.
DEFERRED = frozenset(
    {
        "mediapipe.tasks.python.vision.drawing_styles",
        "mediapipe.tasks.python.vision.drawing_utils",
        "matplotlib.pyplot",
        "sounddevice",
    }
)

_mediapipe_lock = threading.Lock()
_mediapipe: ModuleType | None = None


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
    global _mediapipe
    if _mediapipe is None:
        with _mediapipe_lock:
            if _mediapipe is None:
                finder = _Deferred()
                sys.meta_path.insert(0, finder)
                try:
                    _mediapipe = import_fresh("mediapipe")
                finally:
                    sys.meta_path.remove(finder)
    return _mediapipe


def _is_orphan(name: str) -> bool:
    """Whether a package above module ``name`` is missing from ``sys.modules``."""
    parts = name.split(".")
    return any(".".join(parts[:i]) not in sys.modules for i in range(1, len(parts)))


def forget_orphans() -> list[str]:
    """Forget the submodules whose package is no longer imported.

    Python imports a package before its submodules and removes a package
    whose import failed, so a submodule without its package is a leftover of
    a failed import. Importing the package again would reuse it, bound to the
    package object that failed.

    Returns:
        The names forgotten.
    """
    orphans = [name for name in list(sys.modules) if _is_orphan(name)]
    for name in orphans:
        sys.modules.pop(name, None)
    if orphans:
        logger.warning(
            "forgot %d modules left by a failed import: %s",
            len(orphans),
            ", ".join(sorted(orphans)[:8]),
        )
    return orphans


def import_fresh(name: str) -> ModuleType:
    """``importlib.import_module(name)``, tried twice over a failed import.

    Before each try the leftovers of failed imports are forgotten
    (:func:`forget_orphans`), so a failure in another thread, or a first try
    stopped by a concurrent import, does not fail this import too. A second
    failure is raised.
    """
    try:
        forget_orphans()
        return importlib.import_module(name)
    except Exception as exc:
        if isinstance(exc, ModuleNotFoundError) and exc.name == name:
            raise  # not installed: trying again would not help
        logger.warning("importing %s failed; trying once more (%s)", name, exc)
        logger.debug("the first try", exc_info=True)
    forget_orphans()
    return importlib.import_module(name)
