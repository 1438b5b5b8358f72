"""Readable terminal views (Rich) of the domain results."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.panel import Panel
from rich.table import Table

from kneecoach.cli.io import out
from kneecoach.domain.exercises import Catalogue, Exercise
from kneecoach.domain.planning import DISCLAIMER, STOP_RULES, Prescription, Programme
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


# --- tracking views ------------------------------------------------------------------

ACTION_STYLE = {"progress": "green", "repeat": "dim", "regress": "yellow", "pause": "red"}


def escalations(items: list[dict[str, Any]]) -> None:
    for esc in items:
        urgency = str(esc["urgency"])
        style = URGENCY_STYLE.get(urgency, "yellow") if urgency != "none" else "cyan"
        out.print(Panel(str(esc["message"]), title=str(esc["rule"]), border_style=style))


def started(result: dict[str, Any], catalogue: Catalogue) -> None:
    if not result.get("saved"):
        out.print("Nothing was saved: get checked first, then run `kneecoach start` again.")
        return
    out.print(f"\n[green]Saved. Your programme starts on {result['start_date']}.[/green]")
    out.print(
        "Each morning: `kneecoach checkin --morning --pain N`. Each session: "
        "`kneecoach session`. See today: `kneecoach today`."
    )


def today(result: dict[str, Any], catalogue: Catalogue) -> None:
    escalations(result.get("escalations", []))
    status = result["status"]
    day = f"{str(result['weekday']).capitalize()} {result['date']}"
    if status == "not-started":
        out.print(f"{result.get('message', 'Not started yet.')} Run `kneecoach start`.")
        return
    if status == "stopped":
        out.print(f"[bold red]Programme stopped.[/bold red] {result.get('message', '')}")
        if result.get("needs_clearance"):
            out.print("When a professional has cleared you: `kneecoach clear --by WHO`.")
        return
    if status == "rest":
        out.print(f"{day}: a rest day. A short walk is fine if it feels good.")
        return
    table = Table(
        title=f"{day}: about {result.get('estimated_minutes')} min",
        title_justify="left",
        show_header=False,
    )
    table.add_column("part", style="dim", no_wrap=True)
    table.add_column("exercise")
    table.add_column("how much")
    last_phase = None
    for item in result["items"]:
        name = catalogue.get(item["exercise_id"]).name
        decision = item.get("decision")
        if decision and item["phase"] != "cool-down":
            style = ACTION_STYLE.get(decision["action"], "")
            name += f"\n[{style}]{decision['reason']}[/{style}]"
        dose = describe_dose(Prescription.from_dict(item["dose"]))
        table.add_row(item["phase"] if item["phase"] != last_phase else "", name, dose)
        last_phase = item["phase"]
    out.print(table)
    for paused in result.get("paused", []):
        out.print(f"[red]Paused:[/red] {paused['exercise_id']}: {paused['reason']}")
    out.print("Start it with `kneecoach session`.")


def session_saved(result: dict[str, Any]) -> None:
    if result["created"]:
        out.print(f"[green]Session of {result['date']} saved.[/green]")
    else:
        out.print(f"This session ({result['client_id']}) was already saved; nothing added.")
    for decision in result.get("decisions", []):
        out.print(f"  {decision['reason']}")
    out.print(
        "Pain raised by a session should settle by the next morning. "
        "Tomorrow, record your morning score: `kneecoach checkin --morning --pain N`."
    )


def checked_in(result: dict[str, Any]) -> None:
    out.print(f"Pain {result['pain']}/10 saved for {result['date']}.")
    escalations(result.get("escalations", []))
    if result.get("screening_due"):
        out.print(
            "It is a week since you last answered the safety questions. Please answer them "
            "again: `kneecoach checkin --pain N --answers FILE`."
        )


def cleared(result: dict[str, Any]) -> None:
    out.print(f"Clearance by {result['cleared_by']} saved.")
    if result["status"] == "active":
        out.print("[green]Your programme is active again.[/green]")
    elif result.get("needs_screening"):
        out.print(
            "Answer the safety questions again to restart: "
            "`kneecoach checkin --pain N --answers FILE`."
        )


def history(result: dict[str, Any]) -> None:
    table = Table(title="Sessions", title_justify="left")
    for column in ("date", "pain before", "pain after", "exercises"):
        table.add_column(column)
    for s in result["sessions"]:
        table.add_row(
            s["date"], str(s["pain_before"]), str(s["pain_after"]), str(len(s["entries"]))
        )
    out.print(table)
    out.print(f"{len(result['checkins'])} check-ins, {len(result['psfs'])} activity scores.")


def _bar(value: float, width: int = 30) -> str:
    filled = round(value / 10 * width)
    return "█" * filled + "·" * (width - filled)


def progress(result: dict[str, Any]) -> None:
    baseline = result["baseline"]
    out.print(f"[bold]Pain trend[/bold] (pain score 0-10; at the start: {baseline}/10)")
    for week in result["weekly_means"]:
        out.print(f"  week of {week['week_start']}  {_bar(week['mean'])} {week['mean']:g}")
    adherence = result["adherence"]
    out.print(f"\nSessions done: {adherence['done']} of {adherence['planned']} planned.")
    if result["escalations"]:
        out.print("\n[bold]See a professional[/bold]")
        for esc in result["escalations"]:
            out.print(f"  {esc['date']}  {esc['message']}")
    decisions = [d for d in result["decisions"] if d["action"] != "repeat"]
    if decisions:
        out.print("\n[bold]Changes to your programme[/bold]")
        for d in decisions:
            style = ACTION_STYLE.get(d["action"], "")
            out.print(f"  {d['date']}  [{style}]{d['reason']}[/{style}]")
    out.print(f"\n[dim]{result['disclaimer']}[/dim]")
