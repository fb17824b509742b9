"""What a run prints per stage."""

from __future__ import annotations

from pipeline.run import stage_reporter


def test_each_stage_shows_its_own_duration_not_the_running_total() -> None:
    ticks = iter([100.0, 101.0, 103.5, 103.6])  # made, then after stages 1, 2, 3
    lines: list[str] = []
    stage = stage_reporter(lines.append, clock=lambda: next(ticks))
    stage(1, "ingest", "a")
    stage(2, "preprocess", "b")
    stage(3, "train", "c")
    assert [line.rsplit("(", 1)[1] for line in lines] == ["1.0s)", "2.5s)", "0.1s)"]
    assert lines[0] == "[1/6] ingest     a  (1.0s)"
