"""Pose models made ahead of time, for processes that analyse clip after clip.

Loading the model (reading the bundle, building MediaPipe's graph) takes
0.2-0.5 s: a tenth of a short clip's whole analysis. A model cannot be reused
for the next clip (in VIDEO mode its tracker keeps the last person's position
and needs ever-rising timestamps), so long-lived processes (the app, each
batch worker) call :func:`keep_ready`: one *fresh* model per setting is then
made in the background while a clip is analysed, and the next analysis takes
it instead of waiting. One-shot processes (``formcoach analyze``) load their
model when they need it, as before.
"""

from __future__ import annotations

import logging
import threading

from .pose import PoseEstimator, PoseOptions

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_ready: dict[PoseOptions, list[PoseEstimator]] = {}
_enabled = False


def keep_ready(enabled: bool = True) -> None:
    """Keep a fresh model ready in this process from now on (or stop)."""
    global _enabled
    with _lock:
        _enabled = enabled
        idle = [] if enabled else [m for ms in _ready.values() for m in ms]
        if not enabled:
            _ready.clear()
    for model in idle:
        model.close()


def warm(options: PoseOptions) -> None:
    """Start making a model for ``options`` now (when :func:`keep_ready` is on).

    The app calls it when its upload page opens, so the first analysis does
    not wait for the model either.
    """
    with _lock:
        if not _enabled or _ready.get(options):
            return
    threading.Thread(
        target=_make_spare, args=(options,), name="formcoach-model", daemon=True
    ).start()


def open_estimator(options: PoseOptions, *, mirrored: bool = False) -> PoseEstimator:
    """A fresh pose model: the one made ahead of time if there is one.

    The caller owns it and closes it (``with open_estimator(...) as model``).

    Raises:
        InputError: The model file is missing or not a pose landmarker bundle.
    """
    with _lock:
        spare = _ready.get(options)
        model = spare.pop() if spare else None
    if model is None:
        model = PoseEstimator(options, mirrored=mirrored)
    else:
        model.mirrored = mirrored
    warm(options)  # the next analysis's model, made meanwhile
    return model


def _make_spare(options: PoseOptions) -> None:
    with _lock:
        if not _enabled or _ready.get(options):
            return
    try:
        model = PoseEstimator(options)
    except Exception:  # the analysis that needs it will say what is wrong
        logger.debug("making a spare pose model failed", exc_info=True)
        return
    try:
        model.build()  # its graphs too, while nobody waits
    except Exception:
        logger.debug("building a spare pose model failed", exc_info=True)
        model.close()
        return
    with _lock:
        if _enabled and not _ready.get(options):
            _ready.setdefault(options, []).append(model)
            return
    model.close()
