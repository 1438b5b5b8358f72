"""`kneecoach exercises show ID --svg FILE --strip FILE`."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from typer.testing import CliRunner

from kneecoach.cli.main import app

runner = CliRunner()


def test_writes_the_animated_figure_and_the_strip(tmp_path: Path) -> None:
    svg, strip = tmp_path / "bridge.svg", tmp_path / "bridge-strip.svg"
    result = runner.invoke(
        app, ["exercises", "show", "bridge", "--svg", str(svg), "--strip", str(strip)]
    )
    assert result.exit_code == 0, result.output
    assert "animate" in svg.read_text()
    ET.fromstring(strip.read_text())


def test_json_output_is_unchanged_with_a_figure(tmp_path: Path) -> None:
    svg = tmp_path / "f.svg"
    result = runner.invoke(app, ["exercises", "show", "step-up", "--json", "--svg", str(svg)])
    assert result.exit_code == 0
    assert svg.is_file()


def test_a_bad_path_exits_2_naming_the_option(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "f.svg"
    result = runner.invoke(app, ["exercises", "show", "bridge", "--strip", str(missing)])
    assert result.exit_code == 2
    assert "--strip" in result.output


def test_an_avoid_item_has_no_figure(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["exercises", "show", "avoid-high-impact", "--svg", str(tmp_path / "f.svg")]
    )
    assert result.exit_code == 2 and "--svg" in result.output
