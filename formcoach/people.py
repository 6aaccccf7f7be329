"""Who to coach when several people are in the picture.

The pose model follows one person. To coach the right one, a second,
several-person model looks at the whole picture every so often (a *scout*
run, :class:`~formcoach.pose.PoseEstimator` does it) and
:class:`PersonChooser` keeps a short track of everyone it sees:

* how much their legs move (hips, knees, ankles, heels and toes, in body
  heights per second): whoever exercises moves their legs, a bystander or a
  spectator hardly does;
* how long they have been in the picture: someone who walks through is seen
  for a moment only;
* where their feet are: on the same floor, whoever is nearer the camera has
  their feet lower in the picture, and someone up on a box or far behind has
  them much higher.

The first subject is the nearest person (feet lowest, then the tallest). The
choice then moves to someone else only on clear evidence: they have stayed a
while and move their legs clearly more, or they are clearly nearer (feet a
quarter of the picture lower) and not less active, or the subject has left.
While the evidence is not yet in (several people, no clear winner yet), the
scout looks more often, and the pose stage holds its frames: when the choice
then moves to the exerciser, the pose model starts over and poses the held
frames again, told whom to follow (:meth:`PersonChooser.prefer`), so the
first rep is not lost to the person who happened to be nearest. With several
people in the picture the pose model runs on a crop around the subject
(:func:`crop_window`), so it cannot drift to someone else; a crop also
enlarges a small person in a wide picture.

Everything here is plain numpy on landmark arrays: no model, no video.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .config_values import flag, integer, number, require
from .landmarks import Landmark

if TYPE_CHECKING:
    from .settings import Config

#: Points whose motion says "exercising": the legs and the hips.
LOWER_BODY = [
    Landmark.LEFT_HIP,
    Landmark.RIGHT_HIP,
    Landmark.LEFT_KNEE,
    Landmark.RIGHT_KNEE,
    Landmark.LEFT_ANKLE,
    Landmark.RIGHT_ANKLE,
    Landmark.LEFT_HEEL,
    Landmark.RIGHT_HEEL,
    Landmark.LEFT_FOOT_INDEX,
    Landmark.RIGHT_FOOT_INDEX,
]
_FEET = LOWER_BODY[4:]

#: Looks kept per person (several seconds at the undecided rate).
_SEEN_KEPT = 64
#: A preferred box and a person's box overlap this much to be the same person.
_SAME_PERSON_IOU = 0.3

#: Why the coached person was chosen (``PersonChoice.reason``).
REASONS = {
    "alone": "only one person was in the picture",
    "nearest": "the person nearest the camera (feet lowest in the picture)",
    "most_active": (
        "the person who stayed in the picture and moved their legs clearly most"
    ),
    "others_left": "the others left the picture",
}


@dataclass(frozen=True)
class PeopleSettings:
    """The ``[pose.people]`` table: choosing the person to coach.

    Attributes:
        enabled: Look for other people and choose whom to coach; off, the
            pose model follows whoever it finds first.
        scout_interval_s: Time between two looks at the whole picture.
        scout_interval_undecided_s: The same while several people are in the
            picture and the evidence is not in yet.
        scout_max_people: How many people one look may find.
        scout_min_frames: Once the choice is settled, a look at most every
            this many posed frames, however slow the frames come.
        scout_interval_max_s: Alone in the picture a while, each time
            between looks is twice the last, up to this. Between looks the
            pose model's own landmarks keep the subject's leg motion current.
        lost_s: A person not seen this long has left the picture.
        crop_hold_s: Keep the crop this long after a second person was seen.
        crop_scale: Crop side over the subject's landmark box (longer side).
        near_margin: Feet this much lower (fraction of the picture height)
            is clearly nearer the camera.
        active_ratio: Clearly more active: leg motion at least this many times
            the subject's ...
        active_margin: ... and at least this much more (body heights/s).
        min_stay_s: Someone new must be in the picture this long before they
            can take over for moving more.
        activity_tau_s: Time constant of the averaged leg motion.
        motion_baseline_s: Leg motion is measured over at least this long.
        undecided_max_s: Stop looking often after this long without a clear
            winner (the nearest person stays coached).
        replay_max_mb: Frames kept (pictures) while the choice is not
            settled, to pose them again if it changes; beyond this, the
            frames go on unchanged.
    """

    enabled: bool
    scout_interval_s: float
    scout_interval_undecided_s: float
    scout_max_people: int
    scout_min_frames: int
    scout_interval_max_s: float
    lost_s: float
    crop_hold_s: float
    crop_scale: float
    near_margin: float
    active_ratio: float
    active_margin: float
    min_stay_s: float
    activity_tau_s: float
    motion_baseline_s: float
    undecided_max_s: float
    replay_max_mb: float

    @classmethod
    def from_config(cls, config: Config) -> PeopleSettings:
        """Read ``[pose.people]``.

        Raises:
            InputError: A key is missing or has the wrong type.
        """
        require(config, "pose.people")  # a missing table is named as such
        key = "pose.people."
        return cls(
            enabled=flag(config, key + "enabled"),
            scout_interval_s=number(config, key + "scout_interval_s"),
            scout_interval_undecided_s=number(
                config, key + "scout_interval_undecided_s"
            ),
            scout_max_people=integer(config, key + "scout_max_people"),
            scout_min_frames=integer(config, key + "scout_min_frames"),
            scout_interval_max_s=number(config, key + "scout_interval_max_s"),
            lost_s=number(config, key + "lost_s"),
            crop_hold_s=number(config, key + "crop_hold_s"),
            crop_scale=number(config, key + "crop_scale"),
            near_margin=number(config, key + "near_margin"),
            active_ratio=number(config, key + "active_ratio"),
            active_margin=number(config, key + "active_margin"),
            min_stay_s=number(config, key + "min_stay_s"),
            activity_tau_s=number(config, key + "activity_tau_s"),
            motion_baseline_s=number(config, key + "motion_baseline_s"),
            undecided_max_s=number(config, key + "undecided_max_s"),
            replay_max_mb=number(config, key + "replay_max_mb"),
        )

    @classmethod
    def defaults(cls) -> PeopleSettings:
        """The values of ``formcoach/config/default.toml`` (for a bare estimator)."""
        from .settings import load_config

        return cls.from_config(load_config())


def landmark_box(xy: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """``(x0, y0, x1, y1)`` around the finite points of a ``(33, 2)`` array."""
    ok = np.isfinite(xy).all(axis=1)
    if not ok.any():
        return np.full(4, np.nan, np.float32)
    pts = xy[ok]
    return np.r_[pts.min(axis=0), pts.max(axis=0)].astype(np.float32)


def hip_centre(xy: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Midway between the hips of a ``(33, 2)`` array: where a person is."""
    return np.nanmean(xy[[Landmark.LEFT_HIP, Landmark.RIGHT_HIP]], axis=0)


def _iou(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def crop_window(
    box: npt.NDArray[np.float32], frame_wh: tuple[int, int], scale: float
) -> tuple[int, int, int, int]:
    """A square ``(x, y, w, h)`` around ``box``, clipped to the frame.

    The side is ``scale`` times the box's longer side: room for a step or a
    stretched arm between two frames, while others further away fall out.
    """
    w, h = frame_wh
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    side = scale * max(box[2] - box[0], box[3] - box[1], 1.0)
    x0 = int(max(0, np.floor(cx - side / 2)))
    y0 = int(max(0, np.floor(cy - side / 2)))
    x1 = int(min(w, np.ceil(cx + side / 2)))
    y1 = int(min(h, np.ceil(cy + side / 2)))
    return x0, y0, max(1, x1 - x0), max(1, y1 - y0)


def mask_others(
    crop: npt.NDArray[np.uint8],
    region: tuple[int, int, int, int],
    subject: npt.NDArray[np.float32],
    others: list[npt.NDArray[np.float32]],
) -> npt.NDArray[np.uint8]:
    """Grey out other people in a crop, never the subject's own box.

    Without this the pose model keeps following whoever it followed before the
    crop moved, if that person is still partly in the crop.

    Args:
        crop: ``(h, w, 3)`` the crop (modified in place and returned).
        region: ``(x, y, w, h)`` of the crop in the frame.
        subject: Pixel box of the subject in the frame.
        others: Pixel boxes of the others in the frame.
    """
    x0, y0, w, h = region
    keep = crop.copy() if others else crop
    for box in others:
        pad = 0.1 * (box[3] - box[1])
        a = max(0, int(box[0] - pad) - x0), max(0, int(box[1] - pad) - y0)
        b = min(w, int(box[2] + pad) - x0), min(h, int(box[3] + pad) - y0)
        if a[0] < b[0] and a[1] < b[1]:
            crop[a[1] : b[1], a[0] : b[0]] = 127
    if others:
        pad = 0.1 * (subject[3] - subject[1])
        a = max(0, int(subject[0] - pad) - x0), max(0, int(subject[1] - pad) - y0)
        b = (
            min(w, int(subject[2] + pad) + 1 - x0),
            min(h, int(subject[3] + pad) + 1 - y0),
        )
        crop[a[1] : b[1], a[0] : b[0]] = keep[a[1] : b[1], a[0] : b[0]]
    return crop


@dataclass
class _Track:
    """One person followed across scout runs."""

    track_id: int
    xy: npt.NDArray[np.float32]
    first_ms: float
    last_ms: float
    activity: float = 0.0  # averaged leg motion, body heights/s
    samples: int = 0
    height: float = 0.0
    # Where the legs were at the start of the current motion sample.
    ref_xy: npt.NDArray[np.float32] | None = None
    ref_ms: float = 0.0
    # (time, box) of each look at this person, the last few seconds.
    seen: deque[tuple[float, npt.NDArray[np.float32]]] = field(
        default_factory=lambda: deque(maxlen=_SEEN_KEPT)
    )

    @property
    def box(self) -> npt.NDArray[np.float32]:
        return landmark_box(self.xy)

    def feet_y(self) -> float:
        return float(np.nanmax(self.xy[_FEET, 1]))

    def seen_s(self) -> float:
        return (self.last_ms - self.first_ms) / 1000.0


@dataclass(frozen=True)
class PersonChoice:
    """Who was coached and why: the ``person`` entry of a report.

    Attributes:
        people_seen: Most people seen in the picture at once.
        reason: Key of :data:`REASONS` for the last choice.
        switches: How often the coached person changed after the first choice.
        box: ``(x0, y0, x1, y1)`` of the coached person, fractions of the
            frame, at the last look; None when no one was seen.
        scout_runs: How many times the whole picture was looked at.
    """

    people_seen: int = 0
    reason: str = "alone"
    switches: int = 0
    box: tuple[float, float, float, float] | None = None
    scout_runs: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The report's ``person`` entry (docs/report-schema.md)."""
        return {
            "people_seen": self.people_seen,
            "reason": self.reason,
            "why": REASONS[self.reason],
            "switches": self.switches,
            "box": None if self.box is None else [round(v, 3) for v in self.box],
            "scout_runs": self.scout_runs,
        }

    @staticmethod
    def merge(choices: list[PersonChoice]) -> PersonChoice:
        """One summary of consecutive runs of a clip (in order)."""
        if not choices:
            return PersonChoice()
        most = max(choices, key=lambda c: c.people_seen)
        # The reason that mattered: the last run that had to choose.
        chose = [c for c in choices if c.people_seen > 1] or choices
        return PersonChoice(
            people_seen=most.people_seen,
            reason=chose[-1].reason,
            switches=sum(c.switches for c in choices),
            box=choices[-1].box or most.box,
            scout_runs=sum(c.scout_runs for c in choices),
        )


@dataclass
class PersonChooser:
    """Follows everyone the scout sees and picks the person to coach.

    Feed it every scout run in time order with :meth:`observe`; ask
    :meth:`subject_box` for the crop and :meth:`summary` for the report.
    """

    settings: PeopleSettings
    _tracks: list[_Track] = field(default_factory=list)
    _subject: int | None = None
    _next_id: int = 0
    _reason: str = "alone"
    _switches: int = 0
    _people_seen: int = 0
    _runs: int = 0
    _last_several_ms: float = -1e18
    _several_since_ms: float | None = None
    _frame_wh: tuple[int, int] = (1, 1)
    #: The person to take first, by their box at the first look (a pose run
    #: started again after choosing someone else too late: :meth:`prefer`).
    _prefer: npt.NDArray[np.float32] | None = None

    def prefer(self, box: npt.NDArray[np.float32]) -> None:
        """Take the person at ``box`` (pixels) at the next first choice.

        A pose run that found the exerciser only after its first looks starts
        again from there, knowing whom to follow (``most_active``).
        """
        self._prefer = np.asarray(box, dtype=np.float32)

    def subject_box_since(self, since_ms: float) -> npt.NDArray[np.float32] | None:
        """The subject's box at the first look at or after ``since_ms``."""
        track = self._by_id(self._subject)
        if track is None:
            return None
        return next((box for t, box in track.seen if t >= since_ms), None)

    def observe(
        self,
        people: list[npt.NDArray[np.float32]],
        timestamp_ms: float,
        frame_wh: tuple[int, int],
    ) -> None:
        """Take in one scout run: each person's ``(33, 2)`` pixel landmarks."""
        self._runs += 1
        self._frame_wh = frame_wh
        people = _distinct(people)
        self._match(people, timestamp_ms)
        lost = self.settings.lost_s * 1000.0
        self._tracks = [t for t in self._tracks if timestamp_ms - t.last_ms <= lost]
        present = [t for t in self._tracks if t.last_ms == timestamp_ms]
        self._people_seen = max(self._people_seen, len(present))
        if len(present) > 1:
            self._last_several_ms = timestamp_ms
            if self._several_since_ms is None:
                self._several_since_ms = timestamp_ms
        else:
            self._several_since_ms = None
        self._choose(present)

    def _match(self, people: list[npt.NDArray[np.float32]], now_ms: float) -> None:
        free = list(self._tracks)
        for xy in people:
            box = landmark_box(xy)
            height = float(box[3] - box[1])
            centre = hip_centre(xy)
            best, best_d = None, 1.0  # at most a body height away
            for track in free:
                d = float(np.linalg.norm(centre - hip_centre(track.xy)))
                d /= max(height, 1.0)
                if d < best_d:
                    best, best_d = track, d
            if best is None:
                track = _Track(
                    self._next_id,
                    xy,
                    now_ms,
                    now_ms,
                    height=height,
                    ref_xy=xy,
                    ref_ms=now_ms,
                )
                track.seen.append((now_ms, box))
                self._tracks.append(track)
                self._next_id += 1
                continue
            free.remove(best)
            best.xy, best.last_ms, best.height = xy, now_ms, height
            best.seen.append((now_ms, box))
            self._sample_motion(best, xy, now_ms)

    def _sample_motion(
        self, track: _Track, xy: npt.NDArray[np.float32], now_ms: float
    ) -> None:
        """Fold the legs' motion since the last sample into ``track.activity``."""
        if track.ref_xy is None:
            track.ref_xy, track.ref_ms = xy, now_ms
        dt = (now_ms - track.ref_ms) / 1000.0
        if dt < self.settings.motion_baseline_s:
            return
        # Over a fixed baseline: the model's jitter over a short one would
        # look like fast motion.
        moved = np.linalg.norm(xy[LOWER_BODY] - track.ref_xy[LOWER_BODY], axis=1)
        track.ref_xy, track.ref_ms = xy, now_ms
        # Capped at a body height a second per point: a mismatched track
        # must not look like a burst of exercise.
        speed = float(np.nanmean(moved)) / max(track.height, 1.0) / dt
        speed = min(speed, 1.0 / min(dt, 1.0)) if np.isfinite(speed) else 0.0
        alpha = 1.0 - float(np.exp(-dt / self.settings.activity_tau_s))
        track.activity += (alpha if track.samples else 1.0) * (speed - track.activity)
        track.samples += 1

    def observe_subject(self, xy: npt.NDArray[np.float32], timestamp_ms: float) -> None:
        """Take in the subject's ``(33, 2)`` pixel landmarks between looks.

        When the looks are spread out (:meth:`alone`), the pose model's own
        landmarks keep the subject's leg motion current, so someone who
        joins is weighed against what the subject does now, not seconds ago.
        Landmarks more than a body height from the subject's last sample are
        someone else's (the model drifted) and are ignored.
        """
        track = self._by_id(self._subject)
        if track is None or track.ref_xy is None:
            return
        d = np.linalg.norm(hip_centre(xy) - hip_centre(track.ref_xy))
        if not d <= max(track.height, 1.0):
            return
        self._sample_motion(track, xy, timestamp_ms)

    def alone(self, look_ms: float) -> bool:
        """The subject, seen at the look at ``look_ms``, is alone and has stayed.

        Alone: no one else tracked or seen within ``crop_hold_s``, and in
        the picture at least ``min_stay_s``; then the looks may spread out.
        """
        track = self._by_id(self._subject)
        return (
            track is not None
            and track.last_ms == look_ms
            and len(self._tracks) == 1
            and not self.others_around(look_ms)
            and track.seen_s() >= self.settings.min_stay_s
        )

    def _by_id(self, track_id: int | None) -> _Track | None:
        return next((t for t in self._tracks if t.track_id == track_id), None)

    def _choose(self, present: list[_Track]) -> None:
        if not present:
            return
        s = self.settings
        h = float(self._frame_wh[1])
        current = self._by_id(self._subject)
        if (
            current is not None
            and len(present) > 1
            and self._reason == "alone"
            and current.seen_s() < s.min_stay_s
        ):
            # Alone only for a moment (the scout may miss someone on its
            # first looks): not yet an established subject, choose afresh.
            nearest = max(present, key=lambda t: (t.feet_y(), t.height))
            if nearest is not current:
                self._switches += 1
            self._subject, self._reason = nearest.track_id, "nearest"
            return
        if current is None and self._prefer is not None:
            prefer, self._prefer = self._prefer, None
            match = max(present, key=lambda t: _iou(t.box, prefer))
            if len(present) > 1 and _iou(match.box, prefer) >= _SAME_PERSON_IOU:
                self._subject, self._reason = match.track_id, "most_active"
                return
        if current is None:
            nearest = max(present, key=lambda t: (t.feet_y(), t.height))
            reason = "alone" if len(present) == 1 else "nearest"
            if self._subject is not None:
                self._switches += 1
                reason = "others_left" if len(present) == 1 else reason
            self._subject, self._reason = nearest.track_id, reason
            return
        if len(present) == 1 and current in present:
            if self._reason == "nearest":
                self._reason = "alone" if self._people_seen == 1 else self._reason
            return
        for other in present:
            if other is current:
                continue
            clearly_nearer = (
                other.feet_y() - current.feet_y() > s.near_margin * h
                and (
                    other.samples == 0
                    or current.samples == 0
                    or other.activity * s.active_ratio >= current.activity
                )
            )
            evidence = other.samples >= 1 and current.samples >= 1
            # Someone new must stay a while (a passer-by must not take over);
            # both in view from the start, there is no newcomer to wait for.
            stayed = (
                other.seen_s() >= s.min_stay_s or other.first_ms <= current.first_ms
            )
            clearly_more_active = (
                evidence
                and stayed
                and other.activity >= s.active_ratio * current.activity
                and other.activity - current.activity >= s.active_margin
            )
            if clearly_nearer or clearly_more_active:
                self._subject = other.track_id
                self._reason = "most_active" if clearly_more_active else "nearest"
                self._switches += 1
                return

    def undecided(self, now_ms: float) -> bool:
        """Several people in view and no clear leader yet: look more often.

        Decided once the subject moves clearly more than everyone else in
        view, or after ``undecided_max_s``.
        """
        if self._several_since_ms is None or self._reason == "most_active":
            return False
        if now_ms - self._several_since_ms >= self.settings.undecided_max_s * 1000:
            return False
        current = self._by_id(self._subject)
        if current is None or current.samples < 1:
            return True
        s = self.settings
        latest = max(t.last_ms for t in self._tracks)
        others = [t for t in self._tracks if t is not current and t.last_ms == latest]
        return not all(
            current.activity >= s.active_ratio * t.activity
            and current.activity - t.activity >= s.active_margin
            for t in others
        )

    def others_around(self, now_ms: float) -> bool:
        """Someone besides the subject was seen within ``crop_hold_s``."""
        return now_ms - self._last_several_ms <= self.settings.crop_hold_s * 1000

    def subject_box(
        self, seen_at_ms: float | None = None
    ) -> npt.NDArray[np.float32] | None:
        """Pixel box of the subject where last seen (None: no subject).

        With ``seen_at_ms``, only if the subject was seen at that scout run.
        """
        track = self._by_id(self._subject)
        if track is None or (seen_at_ms is not None and track.last_ms != seen_at_ms):
            return None
        return track.box

    def other_boxes(self) -> list[npt.NDArray[np.float32]]:
        """Pixel boxes of everyone but the subject, where last seen."""
        return [t.box for t in self._tracks if t.track_id != self._subject]

    def summary(self) -> PersonChoice:
        """Who is coached and why, so far."""
        box = self.subject_box()
        w, h = self._frame_wh
        return PersonChoice(
            people_seen=self._people_seen,
            reason=self._reason,
            switches=self._switches,
            box=None
            if box is None
            else (
                float(box[0] / w),
                float(box[1] / h),
                float(box[2] / w),
                float(box[3] / h),
            ),
            scout_runs=self._runs,
        )


def _distinct(people: list[npt.NDArray[np.float32]]) -> list[npt.NDArray[np.float32]]:
    """Drop repeats: the model sometimes returns one person twice."""
    kept: list[npt.NDArray[np.float32]] = []
    boxes: list[npt.NDArray[np.float32]] = []
    for xy in people:
        box = landmark_box(xy)
        if not np.isfinite(box).all():
            continue
        if any(_iou(box, other) > 0.5 for other in boxes):
            continue
        kept.append(xy)
        boxes.append(box)
    return kept
