"""Body proportions and joint ranges: the published numbers behind every figure.

Lengths are fractions of standing height H (the model is drawn with H = 1).
Source: W. T. Drillis and R. Contini (1966), "Body segment parameters", as
tabulated by D. A. Winter, *Biomechanics and Motor Control of Human Movement*,
anthropometry chapter (segment lengths as a fraction of height). The numbers
are repeated in FIGURES.md.

Joint ranges: American Academy of Orthopaedic Surgeons, *Joint Motion: Method
of Measuring and Recording* (1965), and the later AAOS tables (Greene and
Heckman, *The Clinical Measurement of Joint Motion*, 1994), adult averages.
"""

from __future__ import annotations

from typing import Final

# --- Landmark heights when standing (Winter, after Drillis and Contini) ---
HIP_HEIGHT: Final = 0.530  # greater trochanter, used as the hip joint centre
SHOULDER_HEIGHT: Final = 0.818  # acromion
CHIN_HEIGHT: Final = 0.870
ANKLE_HEIGHT: Final = 0.039

# --- Segment lengths ---
UPPER_ARM: Final = 0.186
FOREARM: Final = 0.146
HAND: Final = 0.108
THIGH: Final = 0.245
SHANK: Final = 0.246
FOOT_LENGTH: Final = 0.152
SHOULDER_WIDTH: Final = 0.259
HIP_WIDTH: Final = 0.191
HEAD: Final = 0.130  # chin to top of head

# --- Derived placements (our own layout of the published lengths) ---
TRUNK: Final = SHOULDER_HEIGHT - HIP_HEIGHT  # hip joint line to acromion line
# Flexion of the trunk is shared between a lumbar and a thoracic joint so a
# rounded or arched back shows as a curve (cat-cow), not a hinge.
WAIST_UP: Final = 0.09
CHEST_UP: Final = 0.10
NECK_UP: Final = TRUNK - WAIST_UP - CHEST_UP
# Flesh thicknesses (drawing radii) are our own choice, sized so the outline
# matches the published widths: joint centres sit one limb radius inside them.
THIGH_R: Final = (0.050, 0.034)
SHANK_R: Final = (0.033, 0.022)
UPPER_ARM_R: Final = (0.028, 0.022)
FOREARM_R: Final = (0.022, 0.017)
HAND_R: Final = (0.017, 0.013)
NECK_R: Final = 0.028
HEAD_R: Final = HEAD / 2
TORSO_R: Final = 0.055  # half the chest depth seen from the side
HIP_Z: Final = HIP_WIDTH / 2 - 0.040
SHOULDER_Z: Final = SHOULDER_WIDTH / 2 - 0.025
HEAD_UP: Final = CHIN_HEIGHT - SHOULDER_HEIGHT + HEAD_R
# The foot: a heel ball and a toe ball whose outline spans FOOT_LENGTH and
# whose underside sits at floor level when the ankle is at ANKLE_HEIGHT.
HEEL_R: Final = 0.020
TOE_R: Final = 0.013
HEEL_AT: Final = (-0.020, HEEL_R - ANKLE_HEIGHT)
TOE_AT: Final = (FOOT_LENGTH - 0.020 - HEEL_R - TOE_R, TOE_R - ANKLE_HEIGHT)
HAND_DRAWN: Final = 0.080  # the palm and fingers, drawn in line with the forearm

# --- Joint ranges of motion in degrees (AAOS), as (lowest, highest) ---
# Sign: flexion, abduction, external rotation and dorsiflexion are positive;
# extension, adduction, internal rotation and plantarflexion negative.
JOINT_RANGES: Final[dict[tuple[str, str], tuple[float, float]]] = {
    ("hip", "flex"): (-30, 120),
    ("hip", "abd"): (-30, 45),
    ("hip", "rot"): (-45, 45),
    # Extension is 0: no figure ever shows a knee bent backwards.
    ("knee", "flex"): (0, 135),
    ("ankle", "flex"): (-50, 20),
    ("shoulder", "flex"): (-60, 180),
    ("shoulder", "abd"): (0, 180),
    ("elbow", "flex"): (0, 150),
    # Wrist flexion 80 / extension 70 (same AAOS table; not listed in FIGURES.md):
    # it lets a hand lie flat on the floor on all fours.
    ("wrist", "flex"): (-70, 80),
    ("trunk", "flex"): (-25, 80),
    # Lateral flexion 35 and rotation 45: the same AAOS thoracolumbar table;
    # these two are not listed in FIGURES.md (see docs/figures.md).
    ("trunk", "bend"): (-35, 35),
    ("trunk", "twist"): (-45, 45),
    ("neck", "flex"): (-45, 45),
}

SIDED: Final = ("hip", "knee", "ankle", "shoulder", "elbow", "wrist")
UNSIDED: Final = ("trunk", "neck")


def joint_names() -> list[str]:
    """Every joint key a keyframe may use: `trunk`, `neck`, `hip_l`, `hip_r`, ..."""
    names = list(UNSIDED)
    for joint in SIDED:
        names += [f"{joint}_l", f"{joint}_r"]
    return names


def joint_range(joint: str, dof: str) -> tuple[float, float] | None:
    """The cited range for one degree of freedom (`hip_r`, `abd`), or None if unknown."""
    base = joint[:-2] if joint.endswith(("_l", "_r")) else joint
    return JOINT_RANGES.get((base, dof))
