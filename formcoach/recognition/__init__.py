"""Whole-session analysis: which workout, when.

People film whole sessions, not one exercise per clip. This package names the
workout in each part of a recording (or of a live stream) from the pose
landmarks alone:

* :mod:`.features`: transparent per-window features (how the feet move
  relative to each other and the hip, hip height, knee and thigh angles,
  cadence, the ankles' path);
* :mod:`.classify`: a hand-written decision procedure over those features,
  its thresholds in ``[recognition]`` of the config;
* :mod:`.segment`: offline bouts with hysteresis (:func:`recognise`) and the
  live recogniser (:class:`LiveRecogniser`).

Example:
    >>> settings = RecognitionSettings.from_config(load_config())  # doctest: +SKIP
    >>> frames = smooth_offline(track.frames, config)  # doctest: +SKIP
    >>> for seg in recognise(frames, settings):  # doctest: +SKIP
    ...     print(seg.start_s, seg.end_s, seg.exercise, seg.confidence)
"""

from .classify import LABELS, REST, Decision, classify_window
from .features import SIGNALS, WindowFeatures, frame_signals, window_features
from .segment import (
    LiveLabel,
    LiveRecogniser,
    Segment,
    WindowLabel,
    label_windows,
    recognise,
    segments_from_windows,
)
from .settings import RecognitionSettings

__all__ = [
    "LABELS",
    "REST",
    "SIGNALS",
    "Decision",
    "LiveLabel",
    "LiveRecogniser",
    "RecognitionSettings",
    "Segment",
    "WindowFeatures",
    "WindowLabel",
    "classify_window",
    "frame_signals",
    "label_windows",
    "recognise",
    "segments_from_windows",
    "window_features",
]
