from __future__ import annotations

import datetime as dt

import pytest

from formcoach.cli import main
from formcoach.errors import InputError
from formcoach.history import History
from formcoach.plan import load_plan, week_status

START = dt.date(2026, 11, 2)  # a Monday


#: Measured work that meets one unit of every item of the default plan.
ENOUGH = {"rep_count": 12, "step_count": 700, "duration_s": 16 * 60.0}


def session(history, exercise, day, score=90, cues=(), **summary):
    report = {
        "schema_version": 1,
        "exercise": exercise,
        "preset": "standard",
        "summary": {
            "score": score,
            "top_cues": [{"code": c} for c in cues],
            **(summary or ENOUGH),
        },
    }
    history.save(report, created_at=f"{day.isoformat()}T10:00:00+00:00")


def test_default_plan_matches_the_source_material():
    plan = load_plan()
    assert [w.week for w in plan.weeks] == [1, 2, 3, 4]
    week1 = {i.exercise: i for i in plan.weeks[0].items}
    assert week1["backward-walk"].per_week == 3
    assert week1["backward-walk"].details["minutes"] == [5, 10]
    assert week1["reverse-lunge"].details == {"sets": 2, "reps_per_leg": 10}
    week3 = {i.exercise: i for i in plan.weeks[2].items}
    assert week3["retro-run"].details == {"sets": 4, "metres": 100}
    assert week3["reverse-lunge"].details["variant"] == "weighted"
    assert week3["backward-shuffle"].details == {"sets": 3, "seconds": 30}
    assert {i.exercise for i in plan.weeks[3].items} == {
        "backward-walk",
        "band-walk",
        "reverse-row",
    }


def test_done_sessions_come_from_history(tmp_path):
    history = History(tmp_path / "h.sqlite")
    session(history, "backward-walk", START)
    session(history, "backward-walk", START + dt.timedelta(days=2))
    session(history, "backward-walk", START - dt.timedelta(days=1))  # before the plan
    status = week_status(
        load_plan(), START, history, today=START + dt.timedelta(days=3)
    )
    done = {s.item.exercise: s.done for s in status.items}
    assert done == {"backward-walk": 2, "reverse-lunge": 0}
    assert status.next_session().exercise == "reverse-lunge"  # 2 left vs 1 left


def test_hold_back_on_weighted_lunges_while_cues_persist(tmp_path):
    history = History(tmp_path / "h.sqlite")
    for d in (8, 10):
        session(
            history,
            "reverse-lunge",
            START + dt.timedelta(days=d),
            score=70,
            cues=["lunge.heel_landing"],
        )
    status = week_status(
        load_plan(), START, history, today=START + dt.timedelta(days=15)
    )
    assert status.week.week == 3
    assert any(
        "hold off on adding load" in h and "lunge.heel_landing" in h
        for h in status.hints
    )


def test_after_the_plan_and_custom_plans(tmp_path):
    history = History(tmp_path / "h.sqlite")
    done = week_status(load_plan(), START, history, today=START + dt.timedelta(days=40))
    assert done.finished
    custom = tmp_path / "plan.toml"
    custom.write_text(
        'name = "mine"\n[[weeks]]\nweek = 1\n[[weeks.sessions]]\n'
        'exercise = "retro-run"\nwhat = "Retro 10 min"\nper_week = 4\n'
    )
    plan = load_plan(custom)
    assert plan.name == "mine" and plan.weeks[0].items[0].per_week == 4
    custom.write_text(
        '[[weeks]]\nweek = 1\n[[weeks.sessions]]\nexercise = "moonwalk"\n'
    )
    with pytest.raises(InputError, match="unknown exercise 'moonwalk'"):
        load_plan(custom)


def test_cli_plan(tmp_path, capsys):
    db = str(tmp_path / "h.sqlite")
    session(History(db), "reverse-lunge", START + dt.timedelta(days=1))
    assert (
        main(
            ["plan", "--start", START.isoformat(), "--today", "2026-11-04", "--db", db]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "Week 1" in out and "Reverse lunges, 2 x 10 each leg: 1/2" in out
    assert main(["plan", "--start", "03/11/2026"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


@pytest.mark.parametrize(
    "exercise, summary, counts",
    [
        ("reverse-lunge", {"rep_count": 0}, False),  # a front-view clip, no reps
        ("reverse-lunge", {"rep_count": 9}, False),  # under one set of 10
        ("reverse-lunge", {"rep_count": 10}, True),
        ("backward-walk", {"step_count": 150, "duration_s": 120.0}, False),  # 2 min
        ("backward-walk", {"step_count": 400, "duration_s": 300.0}, True),  # 5 min
        ("backward-walk", {"step_count": 0, "duration_s": 600.0}, False),  # no steps
    ],
)
def test_a_session_counts_only_when_the_work_was_measured(
    tmp_path, exercise, summary, counts
):
    history = History(tmp_path / "h.sqlite")
    session(history, exercise, START, **summary)
    status = week_status(load_plan(), START, history, today=START)
    done = {s.item.exercise: s.done for s in status.items}
    assert done[exercise] == (1 if counts else 0)


def test_no_progression_hint_from_sessions_without_reps(tmp_path):
    """A 0-rep lunge video once earned "form looks solid; ready to progress"."""
    history = History(tmp_path / "h.sqlite")
    for d in (8, 10):
        session(history, "reverse-lunge", START + dt.timedelta(days=d), rep_count=0)
    status = week_status(
        load_plan(), START, history, today=START + dt.timedelta(days=15)
    )
    assert not any("ready to progress" in h for h in status.hints)
    assert any("no earlier reverse-lunge session measured" in h for h in status.hints)
