"""``portal user create``: the first admin comes from the command line, with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from staff_support import PASSWORD, audit_actions, make_staff, sign_in
from support import TEST_SECRET

from portal.cli import main
from portal.services import Services
from portal.staff import accounts

STDIN = ("--password-stdin",)


@pytest.fixture
def run(tmp_path: Path, database_url: str):  # type: ignore[no-untyped-def]
    env = {
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_DATA_DIR": str(tmp_path / "var"),
        "PORTAL_SECRET_KEY": TEST_SECRET,
    }

    def invoke(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(main, ["user", "create", *args], input=input, env=env)

    return invoke


def _user(services: Services, email: str):  # type: ignore[no-untyped-def]
    with services.read() as session:
        return accounts.user_by_email(session, email)


def test_create_an_admin_with_the_password_from_stdin(run, services, client) -> None:
    result = run(
        "--email", "Ada@Example.com", "--role", "admin", "--name", "Ada", "--password-stdin",
        input=PASSWORD + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Created staff account ada@example.com (admin)" in result.output
    assert PASSWORD not in result.output

    user = _user(services, "ada@example.com")
    assert user.roles == {"admin"}
    assert user.display_name == "Ada"
    assert user.password_hash.startswith("$argon2id$")
    assert audit_actions(services) == [("user.create", "", str(user.id))]
    assert sign_in(client, "ada@example.com").headers["location"] == "/staff/"


def test_several_roles_and_a_prompted_password(run, services) -> None:
    result = run(
        "--email", "eva@example.com", "--role", "editor", "--role", "agent",
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Repeat for confirmation" in result.output
    assert PASSWORD not in result.output  # hidden input is never echoed
    assert _user(services, "eva@example.com").roles == {"editor", "agent"}


def test_a_mistyped_confirmation_is_asked_again(run, services) -> None:
    result = run(
        "--email", "eva@example.com", "--role", "agent",
        input=f"{PASSWORD}\ntypo typo typo\n{PASSWORD}\n{PASSWORD}\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert _user(services, "eva@example.com") is not None


def test_a_duplicate_email_is_refused_whatever_its_case(run, services) -> None:
    make_staff(services, "eva@example.com")
    result = run("--email", "EVA@example.com", "--role", "agent", *STDIN, input=PASSWORD)
    assert result.exit_code == 1
    assert "A staff account with this email address already exists." in result.output


def test_a_short_password_is_refused(run, services) -> None:
    result = run("--email", "eva@example.com", "--role", "agent", *STDIN, input="short1")
    assert result.exit_code == 1
    assert "at least 12 characters" in result.output
    assert _user(services, "eva@example.com") is None


def test_an_unknown_role_is_refused(run, services) -> None:
    result = run("--email", "eva@example.com", "--role", "boss", "--password-stdin", input=PASSWORD)
    assert result.exit_code == 2
    assert "'boss' is not one of 'admin', 'editor', 'agent'" in result.output
    assert _user(services, "eva@example.com") is None


def test_a_role_is_required(run) -> None:
    result = run("--email", "eva@example.com", "--password-stdin", input=PASSWORD)
    assert result.exit_code == 2
    assert "--role" in result.output


def test_a_malformed_email_is_refused_before_asking_for_a_password(run) -> None:
    result = run("--email", "not-an-address", "--role", "agent")
    assert result.exit_code == 2
    assert "Enter an email address in the form name@example.com." in result.output
    assert "Password" not in result.output
