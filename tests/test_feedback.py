from __future__ import annotations

from formcoach.feedback import CueScheduler
from formcoach.results import Cue

LEAN = Cue("x.lean", "Chest up", "form")
HEEL = Cue("x.heel", "Land on the ball", "safety")
GOOD = Cue("x.good", "Good rep!", "good")


def run(scheduler, seconds, faults, events=(), fps=30):
    shown = []
    for k in range(round(seconds * fps)):
        t = k / fps
        cue = scheduler.update(t, faults(t), list(events) if k == 0 else [])
        shown.append(cue.code if cue else None)
    return shown


def test_a_fault_must_hold_before_it_shows():
    s = CueScheduler(hold_s=0.3, show_s=2.0, repeat_s=5.0)
    # A one-frame glitch every 0.2 s never holds for 0.3 s.
    shown = run(s, 2.0, lambda t: [LEAN] if round(t * 30) % 6 == 0 else [])
    assert set(shown) == {None}


def test_held_fault_shows_once_then_not_repeated_within_repeat_time():
    s = CueScheduler(hold_s=0.3, show_s=1.0, repeat_s=4.0)
    shown = run(s, 6.0, lambda t: [LEAN])
    first = shown.index("x.lean")
    assert 0.3 <= first / 30 <= 0.35
    # Shown for show_s, hidden until repeat_s after it first showed.
    assert shown[first : first + 30] == ["x.lean"] * 30
    assert set(shown[first + 31 : first + 4 * 30 - 1]) == {None}
    assert shown[first + 4 * 30] == "x.lean"


def test_safety_wins_over_form_and_praise():
    s = CueScheduler(hold_s=0.0, show_s=1.0, repeat_s=10.0)
    assert s.update(0.0, [LEAN, HEEL], [GOOD]).code == "x.heel"


def test_a_more_urgent_cue_replaces_the_current_one():
    s = CueScheduler(hold_s=0.0, show_s=2.0, repeat_s=10.0)
    assert s.update(0.0, [LEAN]).code == "x.lean"
    assert s.update(0.5, [LEAN, HEEL]).code == "x.heel"
