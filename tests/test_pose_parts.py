"""A long video posed in parts by other workers, coached from the part files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from formcoach.errors import InputError
from formcoach.exercises import create_coach
from formcoach.pipeline import analyze_video, pose_rate_hz
from formcoach.pose_parts import PartPlan, PartsSource, pose_part
from formcoach.pose_pass import _runs
from formcoach.settings import load_config
from formcoach.stage_settings import PipelineSettings
from formcoach.stream import model_stride
from formcoach.video import VideoInfo

from .degrade import encode

REPO = Path(__file__).resolve().parents[1]
SPLIT_SQUAT = REPO / "videos" / "nowva_split_squat.mp4"


@pytest.mark.parametrize(
    ("n_frames", "part_frames", "max_parts", "expected"),
    [
        (50, 30, 4, [(0, None)]),
        (100, 30, 4, [(0, 33), (33, 67), (67, None)]),
        (1000, 30, 4, [(0, 250), (250, 500), (500, 750), (750, None)]),
        (1000, 30, 1, [(0, None)]),
    ],
)
def test_parts_are_equal_and_at_least_a_part_long(
    n_frames, part_frames, max_parts, expected
):
    assert list(PartPlan.spans_for(n_frames, part_frames, max_parts)) == expected


def test_a_video_coached_from_parts_gives_what_two_lanes_give(tmp_path):
    """Two parts, each posed only when the coaching waits for it: the report
    and every frame's row are those of `analyze` with two pose lanes cut at
    the same frame."""
    clip = encode(SPLIT_SQUAT, tmp_path / "first8s.mp4", "-t", "8", "-an")
    config = load_config(overrides=["analysis.workers=2"])
    settings = PipelineSettings.from_config(config)
    info = VideoInfo.from_path(clip)
    fps = info.fps
    warmup = round(settings.analysis.segment_warmup_s * fps)
    spans = PartPlan.spans_for(info.frame_count, round(2.0 * fps), 2, warmup)
    lanes = _runs(
        info.frame_count,
        2,
        round(settings.analysis.min_segment_s * fps),
        round(settings.analysis.max_run_s * fps),
        warmup,
    )
    assert list(spans) == lanes and len(spans) == 2
    # The parts are posed at the workout's pose rate, as the batch plans them.
    rate_hz = pose_rate_hz(config, create_coach("reverse-lunge", config))
    plan = PartPlan(spans, turn_deg=0, stride=model_stride(fps, rate_hz))
    folder = tmp_path / "parts"
    waited: list[int] = []

    def pose_when_awaited(k: int) -> None:
        waited.append(k)
        pose_part(clip, settings, plan, k, folder)

    from_parts = analyze_video(
        clip,
        "reverse-lunge",
        tmp_path / "from_parts",
        config,
        pose_source=PartsSource(plan, folder, pose_when_awaited),
    )
    alone = analyze_video(clip, "reverse-lunge", tmp_path / "alone", config)
    assert waited == [0, 1]
    assert len(list(folder.glob("part-0000-*.pkl"))) == -(-spans[1][0] // 256)
    for key in ("summary", "reps", "view", "pose_coverage", "person", "cuts"):
        assert from_parts[key] == alone[key], key
    rows = [(tmp_path / d / "frames.csv").read_text() for d in ("from_parts", "alone")]
    assert rows[0] == rows[1]
    written = VideoInfo.from_path(tmp_path / "from_parts" / "annotated.mp4")
    assert written.frame_count == info.frame_count
    assert json.loads((tmp_path / "from_parts" / "report.json").read_text()) == (
        from_parts
    )


def test_a_failed_part_fails_the_analysis_and_leaves_no_outputs(tmp_path):
    plan = PartPlan(((0, 100), (100, None)), turn_deg=0, stride=1)

    def failed(k: int) -> None:
        raise InputError(f"part {k + 1} could not be posed")

    with pytest.raises(InputError, match="part 1 could not be posed"):
        analyze_video(
            SPLIT_SQUAT,
            "reverse-lunge",
            tmp_path / "out",
            load_config(),
            pose_source=PartsSource(plan, tmp_path / "parts", failed),
        )
    assert not (tmp_path / "out").exists()
