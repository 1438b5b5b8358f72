"""Every figure renders to SVG that parses, names itself for screen readers, and animates."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from kneecoach.content.loader import load_catalogue
from kneecoach.figures.keyframes import load_figure
from kneecoach.figures.motion import MAX_HOLD_SHOWN, schedule
from kneecoach.figures.render import animated_svg, strip_svg
from kneecoach.figures.sheet import sheet_svg
from tests.figures.conftest import prescribable_ids

NS = "{http://www.w3.org/2000/svg}"


def check_accessible(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    title = root.find(f"{NS}title")
    assert title is not None and (title.text or "").strip()
    ids = {el.get("id") for el in root.iter() if el.get("id")}
    labels = (root.get("aria-labelledby") or "").split()
    assert labels and set(labels) <= ids
    assert root.find(f".//{NS}script") is None
    return root


@pytest.mark.parametrize("exercise_id", prescribable_ids())
def test_animated_figure_parses_has_a_title_and_moves(exercise_id: str) -> None:
    root = check_accessible(animated_svg(exercise_id))
    name = load_catalogue().get(exercise_id).name
    assert name in (root.find(f"{NS}title").text or "")  # type: ignore[union-attr]
    animations = list(root.iter(f"{NS}animate"))
    assert animations, "nothing moves"
    for anim in animations:
        times = [float(t) for t in (anim.get("keyTimes") or "").split(";")]
        assert times[0] == 0 and times[-1] == pytest.approx(1.0)
        assert times == sorted(times)
        assert len(times) == len((anim.get("values") or "").split(";"))


@pytest.mark.parametrize("exercise_id", prescribable_ids())
def test_strip_parses_and_shows_every_key_pose(exercise_id: str) -> None:
    root = check_accessible(strip_svg(exercise_id))
    captions = [t for t in root.iter(f"{NS}text")]
    assert len(captions) == len(load_figure(exercise_id).poses)
    assert not list(root.iter(f"{NS}animate"))


def test_limbs_are_filled_shapes_not_lines() -> None:
    root = ET.fromstring(strip_svg("bridge"))
    assert not list(root.iter(f"{NS}line"))
    filled = [p for p in root.iter(f"{NS}path") if p.get("fill") not in (None, "none")]
    assert len(filled) > 15


def test_the_working_leg_has_its_own_colour() -> None:
    svg = strip_svg("seated-straight-leg-raise")
    assert "#f28c28" in svg  # the working leg
    assert "#4a5a6e" in svg or "#38465a" in svg  # the other leg


def test_highlighted_muscles_are_drawn_on_request() -> None:
    assert "#e63946" in animated_svg("bridge", highlight=True)
    assert "#e63946" not in strip_svg("bridge", highlight=False)


def test_timing_follows_the_dose_tempo_and_hold() -> None:
    exercise = load_catalogue().get("bridge")
    assert exercise.dose is not None and exercise.dose.hold_seconds is not None
    samples = schedule(load_figure("bridge"), exercise.dose)
    times = [s.time for s in samples]
    assert times == sorted(times)
    held = min(exercise.dose.hold_seconds.min, MAX_HOLD_SHOWN)
    assert times[-1] >= exercise.dose.tempo_seconds + held
    # The hold: two samples at the end pose, the hold length apart.
    top = load_figure("bridge").poses[1].pose
    at_top = [s.time for s in samples if s.pose == top]
    assert len(at_top) >= 2 and at_top[-1] - at_top[0] == pytest.approx(held)


def test_contact_sheet_parses_and_names_every_exercise() -> None:
    svg = sheet_svg()
    check_accessible(svg)
    for exercise_id in prescribable_ids():
        assert f"({exercise_id})" in svg
