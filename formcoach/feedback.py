"""Turning faults into cues a person can act on: one at a time, held, not nagging.

A coach reports every fault it sees on every frame. :class:`CueScheduler`
decides what is shown: a fault must hold for ``hold_s`` before its cue
appears (one noisy frame never triggers a cue), the most important one wins
(safety, then form, then advice, then praise), a shown cue stays up for
``show_s``, and the same cue is not repeated within ``repeat_s``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .results import SEVERITY_RANK, Cue


@dataclass
class CueScheduler:
    """Chooses the one cue to show on each frame.

    Args:
        hold_s: How long a fault must persist before it is shown.
        show_s: How long a cue stays on screen.
        repeat_s: Minimum time between two showings of the same cue.
    """

    hold_s: float = 0.3
    show_s: float = 2.5
    repeat_s: float = 6.0
    _first_seen: dict[str, float] = field(default_factory=dict)
    _last_shown: dict[str, float] = field(default_factory=dict)
    _current: Cue | None = None
    _current_until: float = -1.0

    def update(
        self, t_s: float, faults: list[Cue], events: list[Cue] = ()
    ) -> Cue | None:
        """The cue to show at time ``t_s``.

        Args:
            t_s: Frame time in seconds.
            faults: Faults seen on this frame (must persist ``hold_s``).
            events: One-off messages (a rep's verdict) shown at once, subject
                only to ``repeat_s`` and priority.

        Returns:
            The cue to display, or None.
        """
        codes = {c.code for c in faults}
        for code in list(self._first_seen):
            if code not in codes:
                del self._first_seen[code]
        ready = []
        for cue in faults:
            start = self._first_seen.setdefault(cue.code, t_s)
            if t_s - start >= self.hold_s:
                ready.append(cue)
        ready.extend(events)
        ready = [
            c
            for c in ready
            if t_s - self._last_shown.get(c.code, -1e9) >= self.repeat_s
        ]
        if ready:
            best = min(ready, key=lambda c: SEVERITY_RANK[c.severity])
            showing = self._current is not None and t_s < self._current_until
            if (
                not showing
                or SEVERITY_RANK[best.severity]
                < SEVERITY_RANK[
                    self._current.severity  # type: ignore[union-attr]
                ]
            ):
                self._current = best
                self._current_until = t_s + self.show_s
                self._last_shown[best.code] = t_s
        if self._current is not None and t_s >= self._current_until:
            self._current = None
        return self._current
