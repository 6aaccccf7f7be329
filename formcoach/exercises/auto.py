"""Live "Auto": name the workout as it comes, coach it, switch when it changes.

A live user moves from backward walking to reverse lunges without touching
the page. :class:`AutoCoach` feeds every frame to the live recogniser
(:class:`~formcoach.recognition.LiveRecogniser`, whose hysteresis keeps a pause
to drink water from being a new exercise) and to the coach of the workout it
currently names; when the name changes, that coach's set is closed and a new
coach starts. Each bout becomes a ``segments`` entry, as in an offline
whole-session report.
"""

from __future__ import annotations

from collections import deque
from typing import Any, ClassVar

from ..pose import PoseFrame
from ..recognition import REST, LiveRecogniser, RecognitionSettings
from ..results import ExerciseResult, FrameFeedback, InputWarning, session_summary
from ..settings import Config
from .base import ExerciseCoach

#: Shown while nothing is recognised yet (or between workouts).
LOOKING = "Looking for a workout"


class AutoCoach(ExerciseCoach):
    """A live coach that recognises the workout and hands frames to its coach."""

    name: ClassVar[str] = "auto"
    title: ClassVar[str] = "Auto"
    checks: ClassVar[str] = "which workout, when; each coached by its own coach"
    section: ClassVar[str] = "recognition"

    def __init__(self, config: Config, create: Any):
        """``create(name, config)`` makes a workout's coach (the registry's)."""
        super().__init__(config)
        self._create = create
        settings = RecognitionSettings.from_config(config)
        self.recogniser = LiveRecogniser(settings)
        # A workout is named only after a window plus the switch delay: the
        # frames of that wait are replayed into its coach, so the first reps
        # count too.
        self._lag_s = settings.window_s + settings.live_switch_s
        self._recent: deque[PoseFrame] = deque()
        self.current: ExerciseCoach | None = None
        self.current_label = REST
        self._started_s = 0.0
        self._last_s = 0.0
        self._confidence = 0.0
        self.segments: list[dict[str, Any]] = []
        self._warnings: list[InputWarning] = []

    def update(self, frame: PoseFrame) -> FrameFeedback:
        """Recognise, switch coaches when the workout changes, coach the frame."""
        t = frame.timestamp_ms / 1000.0
        self._last_s = t
        label, self._confidence, changed = self.recogniser.update(frame)
        self._recent.append(frame)
        while t - self._recent[0].timestamp_ms / 1000.0 > self._lag_s:
            self._recent.popleft()
        if changed and label != self.current_label:
            # The new workout began when the wait for its name did, but not
            # before the previous bout ended.
            start = max(t - self._lag_s, self._started_s)
            self._close(start)
            self.current_label, self._started_s = label, start
            self.current = None if label == REST else self._create(label, self.config)
            if self.current is not None:
                for past in self._recent:
                    if start <= past.timestamp_ms / 1000.0 < t:
                        self.current.update(past)
        if self.current is None:
            return FrameFeedback(phase=LOOKING)
        feedback = self.current.update(frame)
        title = self.current.title
        feedback.phase = f"{title}: {feedback.phase}" if feedback.phase else title
        return feedback

    def _close(self, end_s: float) -> None:
        """End the current bout and keep its result."""
        entry: dict[str, Any] = {
            "start_s": round(self._started_s, 3),
            "end_s": round(end_s, 3),
            "exercise": self.current_label,
            "confidence": round(self._confidence, 3),
        }
        if self.current is not None:
            result = self.current.finish()
            self._warnings += [w.within(self.current.title) for w in result.warnings]
            entry.update(
                title=self.current.title,
                **result.as_report(),
            )
        if end_s > self._started_s:
            self.segments.append(entry)

    @property
    def coaching(self) -> str:
        """The workout named now ("rest/other" while none)."""
        return self.current_label

    def live_rows(self) -> list[dict[str, Any]]:
        """The current workout's reps or steps so far."""
        return self.current.live_rows() if self.current is not None else []

    def finish(self) -> ExerciseResult:
        """Close the last bout; the set's summary lists the bouts."""
        self._close(self._last_s)
        self.current = None
        summary = {**session_summary(self.segments), "segments": self.segments}
        return ExerciseResult(summary=summary, warnings=list(self._warnings))
