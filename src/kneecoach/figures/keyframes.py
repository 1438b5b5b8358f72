"""Load and validate the keyframe files in `content/figures/<exercise-id>.yaml`.

A bad file fails loudly with a `ContentError` naming the file and the field:
an unknown key, an exercise id that is not in the catalogue, a joint angle
outside its cited range, a pose with no contact (a floating figure).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kneecoach.content.errors import ContentError
from kneecoach.content.loader import load_catalogue
from kneecoach.figures.anthropometry import joint_names, joint_range
from kneecoach.figures.camera import View
from kneecoach.figures.checks import height_above, surfaces
from kneecoach.figures.props import PROP_KINDS, PROP_PARAMS, PropSpec
from kneecoach.figures.skeleton import Body, Pose, Root, forward

FIGURE_DIR = Path(__file__).resolve().parents[1] / "content" / "figures"

Working = Literal["right", "left", "both", "none"]
Loop = Literal["there-and-back", "cycle"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Root(_Strict):
    x: float = 0.0
    y: float | None = None  # left out: the figure is lowered onto its contacts
    z: float = 0.0
    yaw: float = 0.0
    pitch: float = 0.0
    roll: float = 0.0


class _Joint(_Strict):
    flex: float | None = None
    abd: float | None = None
    rot: float | None = None
    bend: float | None = None
    twist: float | None = None


class _Pose(_Strict):
    label: Annotated[str, Field(min_length=1)]
    hold: bool = False
    root: _Root
    joints: dict[str, _Joint] = {}
    contacts: dict[str, str]


class _Prop(_Strict):
    kind: Literal[PROP_KINDS]  # type: ignore[valid-type]
    name: str | None = None
    params: dict[str, float | str] = {}


class _Figure(_Strict):
    exercise: str
    view: Literal["side", "front", "top", "three-quarter"]
    working: Working
    loop: Loop = "there-and-back"
    props: list[_Prop] = []
    poses: Annotated[list[_Pose], Field(min_length=2)]


@dataclass(frozen=True)
class KeyPose:
    """One key pose: its caption, whether the dose hold happens here, and its contacts."""

    label: str
    hold: bool
    pose: Pose
    contacts: tuple[tuple[str, str], ...]

    def body(self) -> Body:
        return forward(self.pose)


@dataclass(frozen=True)
class Figure:
    """Everything needed to draw and check one exercise's figure."""

    exercise_id: str
    view: View
    working: Working
    loop: Loop
    props: tuple[PropSpec, ...]
    poses: tuple[KeyPose, ...]


def _angles(path: Path, where: str, joints: Mapping[str, _Joint]) -> dict[tuple[str, str], float]:
    known = set(joint_names())
    angles: dict[tuple[str, str], float] = {}
    # A joint without a side ("knee") sets both sides; a sided key then overrides it.
    for key in sorted(joints, key=lambda k: k in known):
        sides = [key] if key in known else [f"{key}_l", f"{key}_r"]
        if not set(sides) <= known:
            raise ContentError(path, f"{where}.joints.{key}", "unknown joint")
        for dof, value in joints[key].model_dump(exclude_none=True).items():
            for joint in sides:
                limits = joint_range(joint, dof)
                if limits is None:
                    raise ContentError(
                        path,
                        f"{where}.joints.{key}.{dof}",
                        f"the {key} has no {dof!r} movement in the model",
                    )
                if not limits[0] <= value <= limits[1]:
                    raise ContentError(
                        path,
                        f"{where}.joints.{key}.{dof}",
                        f"{value} is outside the cited range "
                        f"{limits[0]:g} to {limits[1]:g} degrees",
                    )
                angles[(joint, dof)] = value
    return angles


def _settle(
    raw: _Root,
    angles: dict[tuple[str, str], float],
    contacts: tuple[tuple[str, str], ...],
    props: tuple[PropSpec, ...],
) -> Pose:
    pose = Pose(Root(raw.x, raw.y or 0.0, raw.z, raw.yaw, raw.pitch, raw.roll), angles)
    if raw.y is not None:
        return pose
    # Lower (or raise) the figure until its lowest contact just touches its surface.
    body = forward(pose)
    heights = [height_above(body, point, surface, props) for point, surface in contacts]
    resting = [h for h in heights if h is not None]
    if not resting:
        return pose
    drop = min(resting)
    root = Root(raw.x, -drop, raw.z, raw.yaw, raw.pitch, raw.roll)
    return Pose(root, angles)


def _pose(path: Path, index: int, raw: _Pose, props: tuple[PropSpec, ...]) -> KeyPose:
    where = f"poses.{index}"
    angles = _angles(path, where, raw.joints)
    if not raw.contacts:
        raise ContentError(
            path, f"{where}.contacts", "a pose needs at least one contact (no floating figures)"
        )
    points = forward(Pose()).spheres()
    known_surfaces = surfaces(props)
    for point, surface in raw.contacts.items():
        if point not in points:
            raise ContentError(path, f"{where}.contacts.{point}", "unknown body point")
        if surface not in known_surfaces:
            raise ContentError(
                path,
                f"{where}.contacts.{point}",
                f"unknown surface {surface!r}; use one of {', '.join(sorted(known_surfaces))}",
            )
    contacts = tuple(raw.contacts.items())
    return KeyPose(raw.label, raw.hold, _settle(raw.root, angles, contacts, props), contacts)


def _props(path: Path, raw: list[_Prop]) -> tuple[PropSpec, ...]:
    out = []
    for index, prop in enumerate(raw):
        allowed = PROP_PARAMS[prop.kind]
        for key in prop.params:
            if key not in allowed:
                raise ContentError(
                    path,
                    f"props.{index}.params.{key}",
                    f"a {prop.kind} takes only {', '.join(allowed)}",
                )
        out.append(PropSpec(prop.kind, prop.name or prop.kind, dict(prop.params)))
    return tuple(out)


def parse_figure(path: Path, raw: Any) -> Figure:
    """Validate one parsed keyframe document and build its `Figure`."""
    if not isinstance(raw, dict):
        raise ContentError(path, "(file)", "expected a mapping of fields")
    try:
        entry = _Figure.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(file)"
        raise ContentError(path, field, first["msg"]) from None
    catalogue = load_catalogue()
    if entry.exercise not in catalogue:
        raise ContentError(path, "exercise", f"unknown exercise id {entry.exercise!r}")
    if catalogue.get(entry.exercise).category == "avoid":
        raise ContentError(path, "exercise", "avoid items have no figure")
    if entry.exercise != path.stem:
        raise ContentError(path, "exercise", f"does not match the file name {path.stem!r}")
    props = _props(path, entry.props)
    poses = tuple(_pose(path, i, pose, props) for i, pose in enumerate(entry.poses))
    return Figure(entry.exercise, entry.view, entry.working, entry.loop, props, poses)


def load_file(path: Path) -> Figure:
    """Read and validate one keyframe file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ContentError(path, "(file)", f"cannot be read: {error}") from None
    except yaml.YAMLError as error:
        raise ContentError(path, "(file)", f"is not valid YAML: {error}") from None
    return parse_figure(path, raw)


@cache
def load_figure(exercise_id: str) -> Figure:
    """The shipped figure for one exercise, loaded and validated once per process."""
    path = FIGURE_DIR / f"{exercise_id}.yaml"
    if not path.is_file():
        raise ContentError(path, "(file)", f"no figure for exercise {exercise_id!r}")
    return load_file(path)


def figure_ids() -> list[str]:
    """The ids of every shipped keyframe file."""
    return sorted(path.stem for path in FIGURE_DIR.glob("*.yaml"))
