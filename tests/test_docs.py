"""The README stays honest: every setting and every command is documented there."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from portal.cli import main
from portal.settings import documented_settings

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("variable", [name for name, _default, _help in documented_settings()])
def test_every_setting_is_in_the_readme_table(variable: str) -> None:
    assert f"| `{variable}` |" in README


def _commands(group: click.Group, prefix: str = "portal") -> list[str]:
    found = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            found.extend(_commands(command, path))
        else:
            found.append(path)
    return found


@pytest.mark.parametrize("command", _commands(main))
def test_every_command_is_in_the_readme(command: str) -> None:
    assert f"`{command}" in README


def test_readme_names_the_two_setup_commands() -> None:
    assert "make run" in README
    assert "make test" in README
