"""The reverse-lunge rep state machine.

How a rep is found (side or oblique view):
    The two feet are followed as two tracks by continuity
    (:class:`~.tracking.FootTracks`). The horizontal distance between the feet
    (the *split*, in leg lengths) opens when a foot steps away and closes when
    it comes back; the hip drop (*depth*, in leg lengths below the standing
    hip height) says how low the person went. A rep is: feet together → split
    opens → hip drops at least ``min_depth`` → split closes and stays closed,
    and still (within ``close_settle_max``), for ``close_hold_s`` (or for one
    frame, when frames come further apart than that, as on a slow live
    stream). The foot that moved from where it stood is the stepping foot; it
    moving against the way the person faces makes a reverse lunge, with it a
    forward lunge.
    A split that never closes while the hip bobs several times is a split
    squat.

Limits:
    Rep timing, depth, knee angles, landing and lean need a side or oblique
    view with the whole body, feet included, in the picture; in a front view
    they are reported as not measurable rather than guessed. The person's
    anatomical side of the stepping leg is reported only when the model's
    labels agree on at least ``side_agreement_min`` of the bottom frames;
    otherwise it is "unknown".
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from ... import body, geometry, world
from ...catalog import reverse_lunge as lunge
from ...catalog.reverse_lunge import LungeRep, LungeSettings
from ...catalog.spec import ExerciseSpec
from ...feedback import CueScheduler
from ...filters import median_of
from ...landmarks import Landmark as L
from ...pose import PoseFrame
from ...results import Cue, ExerciseResult, FrameFeedback, fired, report_row, score
from ...settings import Config
from ...stage_settings import AnalysisSettings, ViewSettings
from ..base import ExerciseCoach
from .measures import (
    Bottom,
    ContactWatch,
    bottom_measures,
    rear_foot_landing,
    sagittal_view,
    with_3d,
)
from .summary import summarise
from .tracking import ANKLE, KNEE, TOE, FootTracks


@dataclass
class _Rep:
    """Working state of one rep."""

    start_s: float
    partial_start: bool
    stand_feet: np.ndarray | None  # (2, 2) track positions when standing
    #: (2, 2) track positions on the standing frame, in the last
    #: ``stand_window_s`` before the step, where the feet were closest together.
    together_feet: np.ndarray | None
    max_depth: float = 0.0
    bottom_s: float = math.nan
    bottom: Bottom | None = None
    bottom_labels: list[str] = field(default_factory=list)
    #: Per bottom frame: is the stepping foot's floor point higher in the
    #: picture than the other's (leg lengths, − = higher = farther away)?
    step_floor_rise: list[float] = field(default_factory=list)
    facings: list[float] = field(default_factory=list)
    contact: ContactWatch = field(default_factory=ContactWatch)
    hip_x: list[float] = field(default_factory=list)
    dips: int = 0
    dip_armed: bool = False
    dip_top: float = math.inf
    dip_bottom: float = -math.inf
    top_hip_y: float = math.inf
    low_hip_y: float = -math.inf
    start_hip_x: float = math.nan
    end_hip_x: float = math.nan
    hip_x_range: tuple[float, float] = (math.inf, -math.inf)
    #: Where split and depth are measured: "picture" or "3d" (world points).
    measured_in: str = "picture"
    unit: float = math.nan  # leg length in the units of hip levels
    floor_levels: np.ndarray | None = None  # each track's floor (picture y)

    def stepping_index(self, feet: np.ndarray) -> int:
        """Track index of the foot that moved from where it stood (-1 unknown).

        Where it stood is taken where the feet were closest together: the
        last standing frame is already a little into the step, and a noisy
        model can pull the other foot toward the stepping one there.
        """
        stood = self.together_feet
        if stood is None:
            return -1
        # np.linalg.norm and np.argmax on plain floats (the same sums, the
        # first of equal values); a NaN distance ranks first, as in argmax.
        stand = stood.tolist()
        moved = [
            min(geometry.distance_of_points(foot, point) for point in stand)
            for foot in feet.tolist()
        ]
        return _argmax_of_two(moved[0], moved[1])


class ReverseLungeCoach(ExerciseCoach):
    """Coach for reverse lunges (bodyweight or weighted)."""

    spec: ClassVar[ExerciseSpec] = lunge.SPEC
    name: ClassVar[str] = lunge.SPEC.name
    title: ClassVar[str] = lunge.SPEC.title
    checks: ClassVar[str] = lunge.SPEC.checks
    valid_views: ClassVar[tuple[str, ...]] = lunge.SPEC.valid_views
    section: ClassVar[str] = lunge.SECTION
    mends_legs: ClassVar[bool] = True
    rules = lunge.SPEC.rules
    rep_columns = lunge.SPEC.rep_columns
    plots = lunge.SPEC.plots

    def __init__(self, config: Config):
        super().__init__(config)
        self.s = LungeSettings.from_config(config, lunge.SECTION)
        view = ViewSettings.from_config(config)
        self.min_vis = AnalysisSettings.from_config(config).min_visibility
        self.side_max = view.side_max_width_ratio
        self.front_min = view.front_min_width_ratio
        self.cues = CueScheduler(
            hold_s=self.s.cue_hold_s,
            show_s=self.s.cue_show_s,
            repeat_s=self.s.cue_repeat_s,
        )
        self.feet = FootTracks()
        self.stand_hip_y: float | None = None
        self.state = "unknown"
        self.rep: _Rep | None = None
        self.closed_since: float | None = None
        #: Lowest and highest split since ``closed_since``.
        self._closed_split = (math.inf, -math.inf)
        self.reps: list[LungeRep] = []
        self._counter_text: tuple[int, str] = (-1, "")
        self.split_squat_dips = 0
        # Recent views only: the median stays cheap in a 20-minute live set.
        self.width_ratios: deque[float] = deque(maxlen=900)
        self._view_cache: str | None = None
        self._view_updates = 0
        self.last_t = 0.0
        self._last_stand_t = 0.0
        self._stand_hip_x = math.nan
        self._last_seen_t = -math.inf
        #: Whether a frame without the full-body pose came since it was last seen.
        self._unseen = False
        self._recent: deque[tuple[float, float]] = deque()
        self._last_hip: np.ndarray | None = None
        self._stand_feet: np.ndarray | None = None
        #: Standing frames of the last stand_window_s: (time, split, tracks).
        self._standing: deque[tuple[float, float, np.ndarray]] = deque()
        # Front views are measured on the world (3D) points, in the body's axes.
        self.measured_in = "picture"
        self._forwards: deque[np.ndarray] = deque(maxlen=90)
        self._forward = np.full(3, np.nan)
        self._world_legs: deque[float] = deque(maxlen=90)
        self._world_leg = math.nan
        self._world_updates = 0

    # -- the coach -------------------------------------------------------

    def update(self, frame: PoseFrame) -> FrameFeedback:
        """Advance the rep state machine by one frame."""
        s = self.s
        t = frame.timestamp_ms / 1000.0
        # Time since the frame before: a video's frame period, or up to half
        # a second on a slow machine's live stream.
        frame_gap = t - self.last_t
        self.last_t = t
        feedback = FrameFeedback(counter=self._counter())
        if frame.is_empty() or not body.is_full_body(frame, self.min_vis):
            self._unseen = True
            if t - self._last_seen_t > s.lost_reset_s:
                self._lose_track()
            feedback.phase = "no full-body pose"
            feedback.cue = self.cues.update(t, [])
            return feedback
        hip = geometry.midpoint(frame.xy[L.LEFT_HIP], frame.xy[L.RIGHT_HIP])
        jumped = (
            self._last_hip is not None
            and geometry.distance(hip, self._last_hip) > s.jump_max * self.feet.leg
        )
        # Time between two frames that both show the person is not time away:
        # a slow live stream brings a frame every half second.
        away_s = s.lost_reset_s if self._unseen else s.stall_reset_s
        if t - self._last_seen_t > away_s or jumped:
            self._lose_track()  # back after a gap, or another person: start afresh
        self._last_seen_t = t
        self._unseen = False
        self._last_hip = hip
        self.width_ratios.append(float(body.width_ratio(frame.xy)))
        tracks = self.feet.assign(frame)
        leg_px = self.feet.measure_leg(frame)
        feet_px = FootTracks.feet(tracks)
        facing = body.facing_sign(frame)
        plausible = self._watch_world(frame)
        if self.rep is None:
            self._choose_measure()
        if not plausible:
            # A broken estimate (feet above the hips in 3D, as when a person
            # fades in): skip the frame rather than read a rep into it.
            feedback.phase = "no full-body pose"
            feedback.cue = self.cues.update(t, [])
            return feedback
        if self.measured_in == "3d":
            points, plane_tracks = sagittal_view(frame, self.feet.labels, self._forward)
            plane_feet = FootTracks.feet(plane_tracks)
            leg = self._world_leg
            # Hip level: how far the hip is below the floor's level, so it
            # grows as the hip sinks, like a picture's y.
            hip_level = -float(world.floor_depth(frame.world_xyz.astype(float)))
            plane_facing = 1.0
        else:
            points, plane_tracks, plane_feet = frame.xy, tracks, feet_px
            leg, hip_level, plane_facing = leg_px, float(hip[1]), facing
        split = abs(plane_feet[0, 0] - plane_feet[1, 0]) / leg
        faults: list[Cue] = []
        events: list[Cue] = []

        self._recent.append((t, split))
        while self._recent and t - self._recent[0][0] > 3.0:
            self._recent.popleft()
        if self.rep is None:
            if split < s.split_close:
                self.state = "standing"
                self._stand_feet = feet_px.copy()
                self._standing.append((t, split, self._stand_feet))
                while t - self._standing[0][0] > s.stand_window_s:
                    self._standing.popleft()
                self._last_stand_t = t
                self._stand_hip_x = hip[0]
                self.stand_hip_y = (
                    hip_level
                    if self.stand_hip_y is None
                    else 0.8 * self.stand_hip_y + 0.2 * hip_level
                )
            elif split > s.split_open and (
                self._view() != "front" or self.measured_in == "3d"
            ):
                partial = self.state != "standing"
                self.rep = _Rep(
                    start_s=t if partial else self._step_start(),
                    partial_start=partial,
                    stand_feet=None if partial else self._stand_feet,
                    together_feet=None if partial else self._together_feet(),
                    measured_in=self.measured_in,
                    floor_levels=self.feet.floor_levels(),
                )
                self.closed_since = None
        if self.rep is not None:
            rep = self.rep
            rep.unit = leg
            rep.top_hip_y = min(rep.top_hip_y, hip_level)
            lowest = hip_level > rep.low_hip_y
            rep.low_hip_y = max(rep.low_hip_y, hip_level)
            if math.isnan(rep.start_hip_x):
                rep.start_hip_x = self._stand_hip_x if not rep.partial_start else hip[0]
            rep.hip_x_range = (
                min(rep.hip_x_range[0], hip[0]),
                max(rep.hip_x_range[1], hip[0]),
            )
            rep.end_hip_x = hip[0]
            ref = self.stand_hip_y if self.stand_hip_y is not None else rep.top_hip_y
            depth = (hip_level - ref) / leg
            self._track_dips(rep, hip_level, leg)
            rep.max_depth = max(rep.max_depth, depth)
            stepping = rep.stepping_index(feet_px)
            if lowest:  # the bottom is where the hip is lowest
                rep.bottom_s = t
                world_plane = self.measured_in == "3d"
                rep.bottom = with_3d(
                    bottom_measures(
                        points, plane_tracks, plane_feet, leg, plane_facing, depth,
                        stepping, None if world_plane else rep.stand_feet,
                    ),
                    frame, self.feet.labels, self._forward, stepping,
                    frontal_checks=self._view() in ("front", "oblique"),
                )  # fmt: skip
            if rep.max_depth > 0 and depth >= 0.8 * rep.max_depth:
                rep.bottom_labels.append(
                    self.feet.labels[stepping] if stepping >= 0 else "unknown"
                )
                rep.hip_x.append(hip[0] / leg_px)
                if stepping >= 0:
                    # Toe tips rest on the floor at the bottom; the farther
                    # foot's shows higher in the picture.
                    rep.step_floor_rise.append(
                        float(tracks[stepping, TOE, 1] - tracks[1 - stepping, TOE, 1])
                        / leg_px
                    )
                    rep.facings.append(facing)
            rep.contact.update(
                plane_tracks, stepping, leg, t,
                floor_y=float(rep.floor_levels[stepping])
                if rep.measured_in == "picture"
                and rep.floor_levels is not None
                and stepping >= 0
                else None,
            )  # fmt: skip
            faults += self._live_faults(depth, rep)
            if split < s.split_close:
                # The hold starts again while the split still moves: a foot
                # swinging forward passes beside the other before it lands.
                low, high = self._closed_split
                low, high = min(low, split), max(high, split)
                if self.closed_since is None or high - low > s.close_settle_max:
                    self.closed_since, low, high = t, split, split
                self._closed_split = (low, high)
                # Frames further apart than the hold cannot show it: on a slow
                # live stream the feet may be together in one frame only.
                if (
                    t - self.closed_since >= s.close_hold_s
                    or frame_gap >= s.close_hold_s
                ):
                    events += self._close_rep(end_s=t, complete=True)
            else:
                self.closed_since = None
            feedback.phase = self._phase(rep, depth)
        else:
            feedback.phase = "standing" if self.state == "standing" else ""
        feedback.counter = self._counter()
        feedback.view = self._view()
        feedback.angles = self._angle_labels(hip, tracks, feet_px, facing)
        feedback.cue = self.cues.update(t, faults, events)
        if feedback.cue is not None:
            feedback.events.append(f"cue:{feedback.cue.code}")
        return feedback

    def _step_start(self) -> float:
        """When the foot started to move: the last recent frame at standing split.

        Looking back from the moment the split opened, the step began where the
        split was last within 0.05 leg lengths of its standing value.
        """
        if not self._recent:
            return self._last_stand_t
        floor = min(split for _, split in self._recent) + 0.05
        for t, split in reversed(self._recent):
            if split <= floor:
                return t
        return self._last_stand_t

    def _view(self) -> str:
        """Camera view from the recent frames (refreshed every 15 frames)."""
        if not self.width_ratios:
            return "unknown"
        self._view_updates += 1
        if self._view_updates % 15 == 1 or self._view_cache is None:
            ratio = float(np.nanmedian(self.width_ratios))
            self._view_cache = body.classify_view(ratio, self.side_max, self.front_min)
        return self._view_cache

    def _watch_world(self, frame: PoseFrame) -> bool:
        """Keep the body's forward axis and world leg length up to date.

        Returns:
            Whether the frame's 3D pose is plausible: the floor at least
            ``0.35`` leg lengths below the hips (the deepest lunge on the shared
            clips leaves 0.5). True when the pose has no 3D points.
        """
        w = frame.world_xyz.astype(np.float64)
        leg = float(world.leg_length(w))
        if not leg > 0.05:
            return True  # a pose source without 3D points: nothing to check
        if not float(world.floor_depth(w)) > 0.35 * leg:
            return False
        axis = world.forward_axis(w)
        if np.isfinite(axis).all():
            self._forwards.append(axis)
        if math.isfinite(leg):
            self._world_legs.append(leg)
        self._world_updates += 1
        if self._world_updates % 15 == 1 or math.isnan(self._world_leg):
            if self._forwards:
                self._forward = world.mean_direction(np.stack(self._forwards))
            if self._world_legs:
                self._world_leg = median_of(self._world_legs)
        return True

    def _choose_measure(self) -> None:
        """Between reps: the picture in side views, the 3D points from the front.

        From the front a step back barely shows in the picture; in the world
        points it is a step along the body's own forward axis.
        """
        wanted = (
            "3d"
            if self._view() == "front" and np.isfinite(self._forward).all()
            else "picture"
        )
        if wanted != self.measured_in:
            self.measured_in = wanted
            self.stand_hip_y = None  # hip levels are in other units now

    def _lose_track(self) -> None:
        """The person was out of sight too long: forget positions, end any rep."""
        if self.rep is not None:
            self._close_rep(end_s=None, complete=False)
        self.feet.reset()
        self.stand_hip_y = None
        self._stand_feet = None
        self._standing.clear()
        self.state = "unknown"

    def _together_feet(self) -> np.ndarray | None:
        """Track positions where the feet stood closest together lately."""
        if not self._standing:
            return None
        return min(self._standing, key=lambda entry: entry[1])[2]

    def _phase(self, rep: _Rep, depth: float) -> str:
        if rep.max_depth < self.s.min_depth:
            return "stepping back"
        if depth >= 0.85 * rep.max_depth:
            return "bottom"
        return "driving up"

    def _track_dips(self, rep: _Rep, hip_y: float, leg: float) -> None:
        """Count hip down-up cycles inside one open split (split squats).

        Peak-trough counting with hysteresis: a dip is a drop of ``min_depth``
        below the latest high point followed by a rise of half that, so a set
        whose top position varies from rep to rep is still counted right.
        """
        drop = self.s.min_depth * leg
        if not rep.dip_armed:
            rep.dip_top = min(rep.dip_top, hip_y)
            if hip_y - rep.dip_top > drop:
                rep.dip_armed, rep.dip_bottom = True, hip_y
        else:
            rep.dip_bottom = max(rep.dip_bottom, hip_y)
            if rep.dip_bottom - hip_y > 0.5 * drop:
                rep.dips += 1
                rep.dip_armed, rep.dip_top = False, hip_y

    def _live_faults(self, depth: float, rep: _Rep) -> list[Cue]:
        """Faults shown while they happen: near the bottom, from its measures."""
        if (
            rep.bottom is None
            or rep.max_depth < self.s.min_depth
            or depth < 0.7 * rep.max_depth
        ):
            return []
        return fired(lunge.LIVE_RULES, rep.bottom, self.s)

    # -- closing a rep -----------------------------------------------------

    def _close_rep(self, end_s: float | None, complete: bool) -> list[Cue]:
        """Judge the rep that just ended; returns the cue to show for it."""
        s = self.s
        rep = self.rep
        self.rep = None
        self.closed_since = None
        # The next step starts after this rep ended (see _step_start).
        self._recent.clear()
        assert rep is not None
        self.state = "standing" if complete else self.state
        b = rep.bottom
        dips = rep.dips + (1 if rep.dip_armed else 0)
        duration = (end_s if end_s is not None else self.last_t) - rep.start_s
        leg = max(self.feet.leg, 1e-6)
        # Lunges and split squats happen on the spot; walking carries the hip on.
        travelled = abs(rep.end_hip_x - rep.start_hip_x) / leg
        spread = (rep.hip_x_range[1] - rep.hip_x_range[0]) / leg
        if (complete and travelled > s.max_hip_travel) or spread > 2 * s.max_hip_travel:
            return []
        if complete and not rep.partial_start and duration < s.min_rep_s:
            return []  # too quick for a lunge: a stumble or a tracking jump
        if rep.partial_start:
            # No standing height before the rep: measure from where it rose to.
            rep.max_depth = (rep.low_hip_y - rep.top_hip_y) / rep.unit
        if rep.max_depth < s.min_depth:
            return []  # a step without a lunge (or a split squat): not a rep
        if dips >= s.split_squat_min_dips or duration > s.max_rep_s:
            # lunge.SPLIT_SQUAT_RULE
            self.split_squat_dips += max(dips, 1)
            return [lunge.SPLIT_SQUAT]
        if b is None:
            return []
        direction = (
            "forward" if b.step_dir > 0 else "reverse" if b.step_dir < 0 else "unknown"
        )
        if rep.partial_start:
            direction = "unknown"  # no standing position to measure the step from
        leg_side, leg_evidence = self._stepping_leg(rep)
        record = LungeRep(
            index=len(self.reps) + 1,
            start_s=rep.start_s,
            bottom_s=rep.bottom_s,
            end_s=end_s,
            stepping_leg=leg_side,
            leg_evidence=leg_evidence,
            direction=direction,
            complete=complete and not rep.partial_start and direction != "forward",
            front_knee_angle_deg=b.front_knee_angle_deg,
            back_knee_angle_deg=b.back_knee_angle_deg,
            back_knee_to_floor=b.back_knee_to_floor,
            depth=rep.max_depth,
            torso_lean_deg=b.torso_lean_deg,
            head_neck_deg=b.head_neck_deg,
            knee_past_toes_foot_lengths=b.knee_past_toes_foot_lengths,
            rear_foot_landing=rear_foot_landing(rep.contact, b.rear_heel_raise, s),
            rear_heel_raise=b.rear_heel_raise,
            front_heel_raise=b.front_heel_raise,
            step_length_leg_lengths=b.step_length_leg_lengths,
            # A rep under way when the video starts has no known start.
            descent_s=math.nan if rep.partial_start else rep.bottom_s - rep.start_s,
            hip_sway_leg_lengths=self._sway(rep),
            # A step back and across (forward lunges are not curtsies).
            variant="curtsy"
            if b.crossed > s.curtsy_cross_min and direction != "forward"
            else "standard",
            measured_in=rep.measured_in,
            front_knee_angle_3d_deg=b.front_knee_angle_3d_deg,
            back_knee_angle_3d_deg=b.back_knee_angle_3d_deg,
            knee_valgus_deg=b.knee_valgus_deg,
            pelvic_tilt_deg=b.pelvic_tilt_deg,
        )
        if math.isfinite(record.knee_past_toes_foot_lengths):
            record.knee_past_toes = lunge.KNEE_PAST_TOES_RULE.fires(record, s)
        if lunge.STEP_BACK_RULE.fires(record, s):
            cues = [lunge.STEP_BACK]
        else:
            cues = fired(lunge.REP_RULES, record, s)
        record.cues = [c.brief() for c in cues]
        record.score = score(cues) if direction != "forward" else 0
        self.reps.append(record)
        if direction == "forward":
            return [lunge.STEP_BACK] if end_s is not None else []
        if lunge.GOOD_REP_RULE.fires(record, s):
            return [lunge.GOOD_REP]
        return cues[:1]

    def _stepping_leg(self, rep: _Rep) -> tuple[str, str]:
        """Which leg stepped, and from what evidence.

        In a side view the model swaps the legs' labels, so the picture
        decides first: the foot whose toe rests higher in the picture at the
        bottom is the one farther from the camera, and a person facing
        image-right shows the camera their right side. Where the feet are too
        close in depth for that (``near_far_min``) the leg is "unknown". A
        front view (3D) uses the model's labels, which hold there, when the
        bottom frames agree (``side_agreement_min``).

        Returns:
            ``(side, evidence)``: side ``left``/``right``/``unknown``, evidence
            ``depth order``, ``labels`` or ``none``.
        """
        if rep.measured_in == "picture":
            rise = float(np.median(rep.step_floor_rise or [math.nan]))
            facings = [f for f in rep.facings if math.isfinite(f)]
            facing = float(np.sign(np.sum(facings))) if facings else 0.0
            if abs(rise) >= self.s.near_far_min and facing != 0:
                near = "right" if facing > 0 else "left"
                far = "left" if near == "right" else "right"
                return (far if rise < 0 else near), "depth order"
            return "unknown", "none"
        labels = [x for x in rep.bottom_labels if x != "unknown"]
        if labels:
            top = max(set(labels), key=labels.count)
            if labels.count(top) / len(labels) >= self.s.side_agreement_min:
                return top, "labels"
        return "unknown", "none"

    @staticmethod
    def _sway(rep: _Rep) -> float:
        """Hip wobble at the bottom around its steady drift (leg lengths)."""
        if len(rep.hip_x) < 5:
            return math.nan
        x = np.asarray(rep.hip_x)
        trend = np.polyval(np.polyfit(np.arange(len(x)), x, 1), np.arange(len(x)))
        return float(np.std(x - trend))

    def _counter(self) -> str:
        # Reps are only ever appended: the text changes with their number.
        if self._counter_text[0] != len(self.reps):
            self._counter_text = (len(self.reps), self._count_text())
        return self._counter_text[1]

    def _count_text(self) -> str:
        done = [r for r in self.reps if r.complete]
        left = sum(r.stepping_leg == "left" for r in done)
        right = sum(r.stepping_leg == "right" for r in done)
        text = f"Reps {len(done)}"
        if left or right:
            text += f"  (L {left} / R {right})"
        return text

    def _angle_labels(
        self, hip: np.ndarray, tracks: np.ndarray, feet: np.ndarray, facing: float
    ) -> dict[str, tuple[int, float]]:
        f = facing if math.isfinite(facing) else 1.0
        front = _argmax_of_two(float(feet[0, 0]) * f, float(feet[1, 0]) * f)
        out = {}
        for name, i in (("front knee", front), ("back knee", 1 - front)):
            label = self.feet.labels[i]
            knee_index = L.LEFT_KNEE if label == "left" else L.RIGHT_KNEE
            out[name] = (
                int(knee_index),
                float(geometry.joint_angle_deg(hip, tracks[i, KNEE], tracks[i, ANKLE])),
            )
        return out

    # -- the set -----------------------------------------------------------

    def live_rows(self) -> list[dict[str, Any]]:
        """The reps so far as report rows (the live page's table)."""
        return [report_row(r) for r in self.reps]

    def finish(self) -> ExerciseResult:
        """Close an open rep as partial and summarise the set."""
        if self.rep is not None:
            self._close_rep(end_s=None, complete=False)
        view = body.classify_view(
            float(np.nanmedian(self.width_ratios)) if self.width_ratios else math.nan,
            self.side_max,
            self.front_min,
        )
        return summarise(self.reps, self.split_squat_dips, view, self.s)


def _argmax_of_two(a: float, b: float) -> int:
    """``np.argmax([a, b])`` on plain floats: the first NaN, else the first max."""
    if math.isnan(a):
        return 0
    if math.isnan(b) or b > a:
        return 1
    return 0
