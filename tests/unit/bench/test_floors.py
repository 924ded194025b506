"""The pure pieces of the issue-22 floors and probes: goal ratios, payload sizing, and
reading a probe's timestamp line."""

from __future__ import annotations

import json

import pytest

from bench import floors, run, stored_session_start


def test_goal_ratio_is_ours_over_the_floor() -> None:
    assert floors.goal_ratio(33.0, 30.0) == pytest.approx(1.1)
    assert floors.goal_ratio(15.0, 30.0) == pytest.approx(0.5)


@pytest.mark.parametrize("floor", [0.0, -1.0])
def test_goal_ratio_refuses_a_broken_floor(floor: float) -> None:
    with pytest.raises(ValueError, match="must be positive"):
        floors.goal_ratio(1.0, floor)


@pytest.mark.parametrize(
    ("ratio", "goal", "met"), [(1.10, 1.10, True), (1.1001, 1.10, False), (0.7, 1.2, True)]
)
def test_meets_is_at_most_the_goal(ratio: float, goal: float, met: bool) -> None:
    assert floors.meets(ratio, goal) is met


def test_meets_fails_an_infinite_ratio() -> None:
    # What the benchmarks pass when a run did not work.
    assert not floors.meets(float("inf"), 1.3)


@pytest.mark.parametrize("size", [120, 200, 1853])
def test_floor_payload_is_padded_to_exactly_the_size(size: int) -> None:
    fields = {"refresh_token": "r" * 40, "sub": "abc"}
    payload = floors.floor_payload(fields, size)
    assert len(payload) == size
    decoded = json.loads(payload)
    assert decoded["refresh_token"] == "r" * 40 and decoded["sub"] == "abc"


def test_floor_payload_longer_than_the_size_is_left_alone() -> None:
    fields = {"refresh_token": "r" * 100}
    payload = floors.floor_payload(fields, 10)
    assert json.loads(payload) == fields


def test_floor_payload_too_short_for_a_pad_member_is_left_alone() -> None:
    fields = {"a": "b"}
    text = json.dumps(fields, separators=(",", ":"))
    assert floors.floor_payload(fields, len(text) + 3) == text


def test_probe_seconds_reads_the_labelled_line() -> None:
    out = "noise\nprofile-painted 105.250000\n"
    assert stored_session_start.probe_seconds(out, "profile-painted", 100.0) == pytest.approx(5.25)


@pytest.mark.parametrize(
    "out",
    ["", "profile-painted-failed the stored session ended\n", "profile-painted soon\n"],
)
def test_probe_seconds_is_none_without_a_timestamp(out: str) -> None:
    assert stored_session_start.probe_seconds(out, "profile-painted", 0.0) is None


def test_new_benchmarks_are_registered() -> None:
    assert {"gui_sign_in", "stored_session_start"} <= set(run.BENCHMARKS)
