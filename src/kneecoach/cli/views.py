"""Readable terminal views (Rich) of the domain results."""

from __future__ import annotations

from collections.abc import Iterable

from rich.panel import Panel
from rich.table import Table

from kneecoach.cli.io import out
from kneecoach.domain.exercises import Catalogue, Exercise
from kneecoach.domain.planning import DISCLAIMER, STOP_RULES, Programme
from kneecoach.domain.screening import Triage
from kneecoach.domain.wording import describe_dose

URGENCY_STYLE = {
    "emergency": "bold white on red",
    "urgent": "bold red",
    "soon": "yellow",
    "none": "green",
}
URGENCY_TITLE = {
    "emergency": "Emergency: get help now",
    "urgent": "Urgent: be seen today",
    "soon": "See a professional within 1-2 weeks",
    "none": "No danger signs",
}


def exercise_list(entries: Iterable[Exercise]) -> None:
    table = Table(show_lines=False, expand=False)
    table.add_column("id", no_wrap=True)
    table.add_column("name")
    table.add_column("type")
    table.add_column("what it does")
    for ex in entries:
        table.add_row(ex.id, ex.name, ex.category, ex.purpose)
    out.print(table)
    out.print("Show one in full: kneecoach exercises show ID")


def exercise_detail(ex: Exercise, catalogue: Catalogue) -> None:
    out.print(f"[bold]{ex.name}[/bold]  ({ex.category}, id {ex.id})")
    out.print(ex.purpose + "\n")
    if ex.why_avoid:
        out.print(f"[bold]Why:[/bold] {ex.why_avoid}\n")
    for number, step in enumerate(ex.steps, start=1):
        out.print(f"  {number}. {step}")
    if ex.dose:
        d = ex.dose
        parts = [f"{d.sets.min}-{d.sets.max} sets"]
        if d.reps:
            parts.append(f"{d.reps.min}-{d.reps.max} reps")
        if d.hold_seconds:
            parts.append(f"hold {d.hold_seconds.min}-{d.hold_seconds.max} s")
        if d.minutes:
            parts.append(f"{d.minutes.min}-{d.minutes.max} minutes")
        if d.per_side:
            parts.append("each side")
        out.print(f"\n[bold]How much:[/bold] {', '.join(parts)}")
    if ex.feel:
        out.print("[bold]You should feel:[/bold] " + " ".join(ex.feel))
    if ex.avoid:
        out.print("[bold]Avoid:[/bold] " + " ".join(ex.avoid))
    needs = [" or ".join(n.any_of) + (" (optional)" if n.optional else "") for n in ex.equipment]
    if needs:
        out.print("[bold]You need:[/bold] " + "; ".join(needs))
    for label, ids in (("Harder:", ex.progressions), ("Easier:", ex.regressions)):
        if ids:
            out.print(f"[bold]{label}[/bold] " + ", ".join(catalogue.get(i).name for i in ids))
    for caution in ex.cautions:
        out.print(f"[yellow]Take care:[/yellow] {caution}")


def avoid_list(entries: Iterable[Exercise]) -> None:
    out.print("[bold]Leave these out for now[/bold]\n")
    for ex in entries:
        out.print(f"[bold]{ex.name}[/bold]")
        out.print(f"  {ex.why_avoid}")
        for step in ex.steps:
            out.print(f"  - {step}")
        out.print()


def triage(result: Triage) -> None:
    body = [result.advice]
    body += [f"\n{flag.rule}: {flag.message}" for flag in result.flags]
    out.print(
        Panel(
            "".join(body),
            title=URGENCY_TITLE[result.urgency],
            border_style=URGENCY_STYLE[result.urgency],
        )
    )


def programme(result: Programme, catalogue: Catalogue) -> None:
    out.print(f"[dim]{DISCLAIMER}[/dim]\n")
    for warning in result.warnings:
        out.print(f"[yellow]! {warning}[/yellow]")
    if result.refer:
        return
    if result.warnings:
        out.print()
    for session in result.sessions:
        kind = "strength day" if session.strength_day else "stretch and move day"
        table = Table(
            title=f"{session.weekday.capitalize()}: {kind}, about {session.estimated_minutes} min",
            title_justify="left",
            show_header=False,
        )
        table.add_column("part", style="dim", no_wrap=True)
        table.add_column("exercise")
        table.add_column("how much")
        for block in session.blocks:
            for index, item in enumerate(block.items):
                name = catalogue.get(item.exercise_id).name
                if item.note:
                    name += f"\n[dim]{item.note}[/dim]"
                table.add_row(block.phase if index == 0 else "", name, describe_dose(item.dose))
        out.print(table)
    out.print("\n[bold]Stop rules, every session:[/bold]")
    for rule in STOP_RULES:
        out.print(f"  - {rule}")
    out.print("\nWhy this plan:")
    for reason in result.reasons:
        label = reason.rule or "note"
        out.print(f"  [dim]{label}[/dim] {reason.message}")
