"""`kneecoach serve --clinic`'s options: what it refuses before it starts (exit 2)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from kneecoach.cli.main import app as cli


@pytest.mark.parametrize(
    ("arguments", "option"),
    [
        (["--host", "0.0.0.0"], "--host"),  # personal mode: loopback only
        (["--public-host", "clinic.example.org"], "--public-host"),  # only with --clinic
        (["--clinic", "--host", "0.0.0.0"], "--public-host"),  # every address: name ours
        (["--clinic", "--public-host", "https://clinic.example.org/"], "--public-host"),
    ],
)
def test_serve_refuses_what_it_cannot_serve_safely(arguments, option, tmp_path):
    done = CliRunner().invoke(cli, ["serve", *arguments, "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    assert done.exit_code == 2, done.output
    assert option in done.output


def test_public_hosts_are_the_named_ones_and_a_host_beyond_loopback():
    from kneecoach.cli.tracking import _public_hosts

    assert _public_hosts("127.0.0.1", [], clinic=True) == []
    assert _public_hosts("127.0.0.1", ["Clinic.Example.org"], clinic=True) == ["clinic.example.org"]
    assert _public_hosts("10.0.0.5", [], clinic=True) == ["10.0.0.5"]
    assert _public_hosts("0.0.0.0", ["clinic.example.org"], clinic=True) == ["clinic.example.org"]
