"""Interactive questions for the terminal (screening and profile)."""

from __future__ import annotations

from rich.prompt import Confirm, IntPrompt, Prompt

from kneecoach.cli.io import err
from kneecoach.domain.exercises import ACCESS, EQUIPMENT
from kneecoach.domain.planning import MINUTES_RANGE
from kneecoach.domain.screening import QUESTIONS


def _int(question: str, low: int, high: int, default: int | None = None) -> int:
    while True:
        if default is None:
            value = IntPrompt.ask(question, console=err)
        else:
            value = IntPrompt.ask(question, console=err, default=default)
        if low <= value <= high:
            return value
        err.print(f"Please give a number from {low} to {high}.")


def ask_screening() -> dict[str, object]:
    """Ask every screening question. Ottawa questions only follow a recent injury."""
    err.print("[bold]First, a few safety questions.[/bold] Answer y (yes) or n (no).\n")
    answers: dict[str, object] = {}
    for question in QUESTIONS:
        if question.only_if and answers.get(question.only_if) is not True:
            answers[question.key] = False  # only relevant after a recent injury (RF-3)
            continue
        if question.kind == "yes-no":
            answers[question.key] = Confirm.ask(question.text, console=err)
        elif question.kind == "years":
            answers[question.key] = _int(question.text, 0, 120)
        else:
            answers[question.key] = _int(question.text, 0, 5200)
    return answers


def _pick(title: str, options: tuple[str, ...]) -> list[str]:
    err.print(f"\n{title}")
    for number, option in enumerate(options, start=1):
        err.print(f"  {number}. {option}")
    while True:
        reply = Prompt.ask(
            "Type the numbers, separated by spaces (or press Enter for none)",
            console=err,
            default="",
            show_default=False,
        )
        parts = reply.replace(",", " ").split()
        if all(part.isdigit() and 1 <= int(part) <= len(options) for part in parts):
            return sorted({options[int(part) - 1] for part in parts}, key=options.index)
        err.print(f"Please type numbers from 1 to {len(options)}.")


def ask_profile() -> dict[str, object]:
    """Ask what the planner needs: pain, side, equipment, time and days."""
    err.print("\n[bold]Now about you and your week.[/bold]")
    pain = _int("Your knee pain right now, as a pain score 0-10 (0 = none, 10 = worst)", 0, 10)
    side = Prompt.ask(
        "Which knee hurts?", choices=["left", "right", "both"], console=err, default="both"
    )
    equipment = _pick("What do you have at home?", EQUIPMENT)
    access = _pick("What can you get to?", ACCESS)
    minutes = _int("How many minutes per session?", *MINUTES_RANGE, default=30)
    days = _int("How many days a week?", 1, 7, default=3)
    mcl = Confirm.ask(
        "Has a doctor or physio told you that you injured the MCL (inner knee ligament)?",
        console=err,
        default=False,
    )
    return {
        "pain_now": pain,
        "side": side,
        "equipment": equipment,
        "access": access,
        "minutes_per_session": minutes,
        "days_per_week": days,
        "conditions": ["mcl-injury"] if mcl else [],
    }


def ask_psfs() -> dict[str, object] | None:
    """PSFS: up to 3 everyday activities the knee makes hard, each scored 0-10."""
    err.print(
        "\n[bold]Three everyday things your knee makes hard[/bold] (for example stairs, "
        "kneeling, walking the dog). Press Enter to skip."
    )
    activities = []
    for number in range(1, 4):
        name = Prompt.ask(f"Activity {number}", console=err, default="", show_default=False)
        if not name.strip():
            break
        score = _int("How well can you do it now? 0 = cannot, 10 = as before", 0, 10)
        activities.append({"name": name.strip(), "score": score})
    return {"activities": activities} if activities else None
