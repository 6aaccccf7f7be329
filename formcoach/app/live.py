"""The live coaching engine behind the page: no Streamlit calls in here.

One :class:`LiveCoach` per browser session holds its own pose model
(:class:`~formcoach.live_session.LiveSession`). WebRTC calls :meth:`LiveCoach.callback`
on a worker thread for each camera frame; it coaches the frame, draws on it
and puts a :class:`LiveUpdate` into a queue of size one (the page only ever
needs the newest; an older one is dropped rather than letting latency build).
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import av
import cv2
import numpy as np

from ..catalog import SPECS, spec_for
from ..config_values import number
from ..live_session import LiveSession
from ..results import ExerciseResult
from ..settings import Config
from ..setup_check import check_setup

logger = logging.getLogger(__name__)


def ice_servers(config: Config) -> list[dict[str, Any]]:
    """ICE servers: ``FORMCOACH_ICE_SERVERS`` (JSON) or ``app.ice_servers``.

    Empty by default, so no third-party STUN/TURN server is contacted unless
    configured (streamlit-webrtc would otherwise add a public STUN server).
    """
    env = os.environ.get("FORMCOACH_ICE_SERVERS")
    if env:
        servers = json.loads(env)
        if not isinstance(servers, list):
            raise ValueError("FORMCOACH_ICE_SERVERS must be a JSON list")
        return servers
    return list(config.get("app.ice_servers"))


@dataclass
class LiveUpdate:
    """What the page shows about the newest processed frame."""

    t_s: float
    counter: str
    phase: str
    cue_code: str | None
    cue_message: str | None
    cue_severity: str | None
    setup_problems: tuple[str, ...]
    fps: float
    latency_ms: float
    reps: list[dict[str, Any]] = field(default_factory=list)
    #: The workout being coached now (Auto switches it).
    exercise: str = ""
    #: What the camera's view shows of the workout (the setup check's note).
    view_note: str = ""


#: Frames judged before the rate is: the first ones include the model's start.
RATE_SETTLE_FRAMES = 30


def slow_rate_note(fps: float, title: str, needed_fps: float) -> str:
    """What to tell a person whose machine processes too few frames a second."""
    return (
        f"Only {fps:.0f} frames a second are processed; {title} needs "
        f"{needed_fps:.0f} for its counts to hold. Close other programs or "
        "browser tabs, or coach one person at a time on this computer."
    )


def to_video_frame(image_rgb: np.ndarray) -> av.VideoFrame:
    """An RGB image as the yuv420p frame the WebRTC VP8 encoder takes.

    OpenCV's conversion gives the same BT.601 limited-range values as the
    encoder's own swscale conversion, ten times faster (0.15 vs 2 ms at 640x480).
    """
    height, width = image_rgb.shape[:2]
    if height % 2 or width % 2:  # I420 needs even sizes; let swscale cope
        return av.VideoFrame.from_ndarray(image_rgb, format="rgb24")
    i420 = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2YUV_I420)
    return av.VideoFrame.from_ndarray(i420, format="yuv420p")


class LiveCoach:
    """Per-session live coaching: model, coach, queue to the page."""

    def __init__(
        self,
        exercise: str,
        config: Config,
        *,
        mirror_display: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ):
        # A mirrored display shows the picture flipped; the model is told, so
        # the person's left stays their left.
        self.session = LiveSession(exercise, config, mirrored=mirror_display)
        self.mirror_display = mirror_display
        self._clock = clock  # seconds; frames are timed by arrival
        self.min_visibility = float(config.get("analysis.min_visibility"))
        self.light_limits = {
            "dark_luma": float(config.get("lighting.dark_luma")),
            "backlit_background_luma": float(
                config.get("lighting.backlit_background_luma")
            ),
            "backlit_ratio": float(config.get("lighting.backlit_ratio")),
        }
        self.updates: queue.Queue[LiveUpdate] = queue.Queue(maxsize=1)
        self._lock = threading.Lock()
        self._times: list[float] = []
        self._t0: float | None = None
        self.frames = 0
        self.cue_log: list[tuple[float, str]] = []
        #: Each workout's ``[live_min_fps]``, by name (Auto switches workout).
        self._min_fps = {
            name: number(config, f"live_min_fps.{spec.section.rsplit('.', 1)[-1]}")
            for name, spec in SPECS.items()
        }

    def callback(self, frame: av.VideoFrame) -> av.VideoFrame:
        """streamlit-webrtc's video frame callback (worker thread)."""
        started = time.perf_counter()
        image = frame.to_ndarray(format="rgb24")
        if self.mirror_display:
            image = cv2.flip(image, 1)  # 40x faster than a numpy reversed copy
        now = self._clock()
        if self._t0 is None:
            self._t0 = now
        timestamp_ms = (now - self._t0) * 1000.0
        with self._lock:
            annotated, feedback = self.session.process(image, timestamp_ms)
            pose = self.session.last_pose
            # Auto names the workout as it goes: its view notes follow.
            spec = spec_for(self.session.coach.coaching)
            advice = check_setup(
                pose, image, spec=spec, levelled=self.session.last_levelled,
                min_visibility=self.min_visibility, **self.light_limits,
            )  # fmt: skip
            reps = self.session.coach.live_rows()
            coaching = self.session.coach.coaching
        self.frames += 1
        self._times.append(now)
        del self._times[:-30]
        fps = (
            (len(self._times) - 1) / (self._times[-1] - self._times[0])
            if len(self._times) > 1 and self._times[-1] > self._times[0]
            else 0.0
        )
        problems = advice.problems
        needed = self._min_fps.get(coaching, 0.0)
        if self.frames >= RATE_SETTLE_FRAMES and 0 < fps < needed and spec:
            problems += (slow_rate_note(fps, spec.title, needed),)
        cue = feedback.cue
        if cue is not None and (not self.cue_log or self.cue_log[-1][1] != cue.code):
            self.cue_log.append((timestamp_ms / 1000.0, cue.code))
        update = LiveUpdate(
            t_s=timestamp_ms / 1000.0,
            counter=feedback.counter,
            phase=feedback.phase,
            cue_code=cue.code if cue else None,
            cue_message=cue.message if cue else None,
            cue_severity=cue.severity if cue else None,
            setup_problems=problems,
            fps=fps,
            latency_ms=(time.perf_counter() - started) * 1000.0,
            reps=reps,
            exercise=coaching,
            view_note=advice.view_note,
        )
        self._publish(update)
        return to_video_frame(annotated)

    def _publish(self, update: LiveUpdate) -> None:
        try:
            self.updates.put_nowait(update)
        except queue.Full:
            try:
                self.updates.get_nowait()  # drop the stale one
            except queue.Empty:
                pass
            try:
                self.updates.put_nowait(update)
            except queue.Full:
                pass

    def finish(self) -> ExerciseResult:
        """End the set (call after the stream stopped)."""
        with self._lock:
            return self.session.finish()

    def close(self) -> None:
        """Release the model."""
        with self._lock:
            self.session.close()
