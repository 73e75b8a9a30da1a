"""``portal demo`` gives the back office three demo accounts in dev, and ``portal serve`` tells
the developer how to sign in; production never gets accounts with published passwords."""

from __future__ import annotations

from dataclasses import replace

from portal.cli import _print_addresses
from portal.demo.load import DEMO_STAFF, demo_sign_ins, load_demo_staff
from portal.services import Services
from portal.staff.accounts import authenticate


def test_demo_creates_an_admin_an_editor_and_an_agent_once(services: Services) -> None:
    first = load_demo_staff(services)
    assert first
    assert all(email in first[0] for email, *_ in DEMO_STAFF)
    assert load_demo_staff(services) == []
    with services.read() as session:
        for email, password, roles, _name in DEMO_STAFF:
            user = authenticate(session, email, password)
            assert user is not None
            assert set(user.roles) == set(roles)


def test_serve_prints_addresses_and_demo_sign_ins(services: Services, capsys) -> None:
    load_demo_staff(services)
    _print_addresses(services, "127.0.0.1", 8000)
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8000/staff/" in out
    assert "http://127.0.0.1:8000/dev/mail" in out
    for email, password, *_ in DEMO_STAFF:
        assert f"{email} / {password}" in out


def test_production_gets_no_demo_accounts(services: Services) -> None:
    prod = replace(services.settings, env="prod", smtp_url="smtp://mail.example.com:587")
    prod_services = Services(settings=prod, engine=services.engine, sessions=services.sessions)
    assert "not created" in load_demo_staff(prod_services)[0]
    assert demo_sign_ins(services) == []
