"""Admins manage staff accounts in the browser; every change lands in the audit log."""

from __future__ import annotations

import pytest
from helpers import error_summary, page_form, parse
from staff_support import (
    PASSWORD,
    audit_actions,
    is_sign_in_redirect,
    load_user,
    make_staff,
    session_cookie,
    sign_in,
    submit,
    use_session,
)


@pytest.fixture
def admin(client, services) -> int:
    user_id = make_staff(services, "ada@example.com", ["admin"], name="Ada Admin")
    sign_in(client, "ada@example.com")
    return user_id


def _rows(html: str) -> list[list[str]]:
    table = parse(html).find("table")
    return [[td.text for td in tr.find_all("td")] for tr in table.find_all("tr")[1:]]


def test_admin_adds_a_user_who_can_then_sign_in(client, services, admin) -> None:
    response = submit(
        client,
        "/staff/users/new",
        "/staff/users",
        email="Eva@Example.com",
        display_name="Eva Editor",
        roles=["editor", "agent"],
        password=PASSWORD,
    )
    assert response.status_code == 303
    new_id = int(response.headers["location"].split("/")[3].split("?")[0])
    page = client.get(response.headers["location"])
    assert "The account was created." in parse(page.text).find(class_="panel").text

    user = load_user(services, new_id)
    assert (user.email, user.display_name, user.roles) == (
        "eva@example.com",
        "Eva Editor",
        {"editor", "agent"},
    )
    assert ("user.create", "ada@example.com", str(new_id)) in audit_actions(services)

    listing = client.get("/staff/users")
    assert ["Eva Editor", "eva@example.com", "Agent, Editor", "Active", "Off", "never"] in _rows(
        listing.text
    )

    client.cookies.clear()
    assert sign_in(client, "eva@example.com").status_code == 303


def test_bad_input_is_explained_next_to_the_field_and_kept(client, services, admin) -> None:
    make_staff(services, "eva@example.com")
    cases = [
        ({"email": "eva@example.com"}, "email", "already exists"),
        ({"email": "not an address"}, "email", "name@example.com"),
        ({"roles": []}, "roles", "Choose at least one role."),
        ({"password": "short"}, "password", "at least 12 characters"),
    ]
    for change, field, message in cases:
        values = {
            "email": "new@example.com",
            "display_name": "New Person",
            "roles": ["agent"],
            "password": PASSWORD,
            **change,
        }
        response = submit(client, "/staff/users/new", "/staff/users", **values)
        assert response.status_code == 400, change
        assert message in parse(response.text).by_id(f"{field}-error").text
        assert any(message in m for m in error_summary(response.text))
        kept = page_form(response.text, "/staff/users")
        assert kept["email"] == values["email"]
        assert kept["display_name"] == "New Person"
        chosen = kept.get("roles", [])
        assert ([chosen] if isinstance(chosen, str) else chosen) == values["roles"]
        assert kept["password"] == ""  # a password is never written back into a page


def test_admin_changes_roles_and_name(client, services, admin) -> None:
    eva = make_staff(services, "eva@example.com", ["agent"])
    response = submit(
        client, f"/staff/users/{eva}", f"/staff/users/{eva}", display_name="Eva", roles="editor"
    )
    assert response.headers["location"] == f"/staff/users/{eva}?done=saved"
    user = load_user(services, eva)
    assert (user.display_name, user.roles) == ("Eva", {"editor"})
    entry = [a for a in audit_actions(services) if a[0] == "user.update"]
    assert entry == [("user.update", "ada@example.com", str(eva))]

    history = parse(client.get(f"/staff/users/{eva}").text).find(class_="timeline").text
    assert "user.update" in history


def test_roles_take_effect_at_the_next_request(client, services, admin) -> None:
    eva = make_staff(services, "eva@example.com", ["agent"])
    ada_token = session_cookie(client)
    use_session(client, None)
    sign_in(client, "eva@example.com")
    eva_token = session_cookie(client)
    assert client.get("/staff/audit", follow_redirects=False).status_code == 403

    use_session(client, ada_token)
    submit(client, f"/staff/users/{eva}", f"/staff/users/{eva}", roles=["agent", "admin"])
    use_session(client, eva_token)
    assert client.get("/staff/audit", follow_redirects=False).status_code == 200


def test_deactivation_signs_the_person_out_and_reactivation_lets_them_back(
    client, services, admin
) -> None:
    eva = make_staff(services, "eva@example.com", ["agent"])
    ada_token = session_cookie(client)
    use_session(client, None)
    sign_in(client, "eva@example.com")
    eva_token = session_cookie(client)

    use_session(client, ada_token)
    response = submit(client, f"/staff/users/{eva}", f"/staff/users/{eva}/deactivate")
    assert response.headers["location"] == f"/staff/users/{eva}?done=deactivated"
    assert not load_user(services, eva).active

    use_session(client, eva_token)
    assert is_sign_in_redirect(client.get("/staff/", follow_redirects=False))
    assert sign_in(client, "eva@example.com").status_code == 400

    use_session(client, ada_token)
    submit(client, f"/staff/users/{eva}", f"/staff/users/{eva}/reactivate")
    use_session(client, None)
    assert sign_in(client, "eva@example.com").status_code == 303
    actions = [a[0] for a in audit_actions(services)]
    assert "user.deactivate" in actions
    assert "user.reactivate" in actions


def test_the_last_admin_cannot_lock_everyone_out(client, services, admin) -> None:
    page = client.get(f"/staff/users/{admin}")
    assert parse(page.text).find("form", action=f"/staff/users/{admin}/deactivate") is None

    response = submit(client, f"/staff/users/{admin}", f"/staff/users/{admin}", roles="agent")
    assert response.status_code == 400
    assert "only active admin" in parse(response.text).by_id("roles-error").text
    assert load_user(services, admin).roles == {"admin"}

    token = client.get(f"/staff/users/{admin}")
    values = page_form(token.text, f"/staff/users/{admin}")
    refused = client.post(
        f"/staff/users/{admin}/deactivate",
        data={"_csrf_token": values["_csrf_token"]},
        follow_redirects=False,
    )
    assert refused.status_code == 400
    assert load_user(services, admin).active


def test_admin_resets_a_password_and_the_old_one_stops_working(client, services, admin) -> None:
    eva = make_staff(services, "eva@example.com", ["agent"])
    short = submit(client, f"/staff/users/{eva}", f"/staff/users/{eva}/password", password="abc")
    assert short.status_code == 400
    assert "at least 12 characters" in parse(short.text).by_id("password-error").text

    response = submit(
        client,
        f"/staff/users/{eva}",
        f"/staff/users/{eva}/password",
        password="a brand new passphrase",
    )
    assert response.headers["location"] == f"/staff/users/{eva}?done=password"
    assert ("user.password_reset", "ada@example.com", str(eva)) in audit_actions(services)
    use_session(client, None)
    assert sign_in(client, "eva@example.com").status_code == 400
    assert sign_in(client, "eva@example.com", "a brand new passphrase").status_code == 303


def test_admin_signs_someone_out_everywhere(client, services, admin) -> None:
    eva = make_staff(services, "eva@example.com", ["agent"])
    ada_token = session_cookie(client)
    use_session(client, None)
    sign_in(client, "eva@example.com")
    eva_token = session_cookie(client)

    use_session(client, ada_token)
    submit(client, f"/staff/users/{eva}", f"/staff/users/{eva}/sign-out")
    use_session(client, eva_token)
    assert is_sign_in_redirect(client.get("/staff/", follow_redirects=False))
    assert ("user.sign_out_everywhere", "ada@example.com", str(eva)) in audit_actions(services)


def test_staff_change_their_own_password(client, services) -> None:
    eva = make_staff(services, "eva@example.com", ["agent"])
    sign_in(client, "eva@example.com")
    other_device = session_cookie(client)
    use_session(client, None)
    sign_in(client, "eva@example.com")
    before = session_cookie(client)

    wrong = submit(
        client,
        "/staff/account",
        "/staff/account/password",
        current_password="not my password",
        new_password="another good passphrase",
        new_password_again="another good passphrase",
    )
    assert wrong.status_code == 400
    assert "not your current password" in parse(wrong.text).by_id("current_password-error").text

    mismatch = submit(
        client,
        "/staff/account",
        "/staff/account/password",
        current_password=PASSWORD,
        new_password="another good passphrase",
        new_password_again="another good passphrasf",
    )
    assert mismatch.status_code == 400
    assert parse(mismatch.text).by_id("new_password_again-error") is not None

    ok = submit(
        client,
        "/staff/account",
        "/staff/account/password",
        current_password=PASSWORD,
        new_password="another good passphrase",
        new_password_again="another good passphrase",
    )
    assert ok.headers["location"] == "/staff/account?done=password"
    assert session_cookie(client) != before  # this browser stays signed in, with a new session
    assert client.get("/staff/account", follow_redirects=False).status_code == 200
    use_session(client, other_device)
    assert is_sign_in_redirect(client.get("/staff/", follow_redirects=False))
    assert ("account.password_change", "eva@example.com", str(eva)) in audit_actions(services)


def test_the_audit_log_lists_changes_newest_first_and_filters(client, services, admin) -> None:
    eva = make_staff(services, "eva@example.com", ["agent"])
    submit(client, f"/staff/users/{eva}", f"/staff/users/{eva}", roles=["editor"])
    submit(client, f"/staff/users/{eva}", f"/staff/users/{eva}/deactivate")

    rows = _rows(client.get("/staff/audit").text)
    actions = [row[2].rsplit(" ", 1)[-1] for row in rows]
    assert actions == ["user.deactivate", "user.update", "user.create", "sign_in", "user.create"]
    assert rows[0][1] == "ada@example.com"
    assert rows[0][5] == "testclient"
    # Each action in words, with the code the filter takes beside it; lists read as words.
    assert rows[0][2] == "Account deactivated user.deactivate"
    assert rows[0][3] == f"Staff account {eva}"
    assert rows[1][2] == "Name or roles changed user.update"
    details = parse(client.get("/staff/audit").text).find("tbody").find_all("tr")[1]
    lines = details.find_all("td")[4].raw_text.splitlines()
    assert lines == [
        "before: display_name = —; roles = agent",
        "after: display_name = —; roles = editor",
    ]
    assert "before: display_name = —; roles = agent" in rows[1][4]
    assert "after: display_name = —; roles = editor" in rows[1][4]
    swedish = _rows(client.get("/staff/audit", headers={"accept-language": "sv"}).text)
    assert swedish[0][2] == "Kontot inaktiverades user.deactivate"
    assert swedish[0][3] == f"Personalkonto {eva}"
    history = parse(client.get(f"/staff/users/{eva}").text).find("ul", class_="timeline")
    assert (
        "Kontot skapades"
        in client.get(f"/staff/users/{eva}", headers={"accept-language": "sv"}).text
    )
    assert "Account deactivated" in history.text

    filtered = _rows(client.get("/staff/audit?action=user.").text)
    assert {row[2].rsplit(" ", 1)[-1] for row in filtered} == {
        "user.create",
        "user.update",
        "user.deactivate",
    }


def test_the_audit_log_pages_through_older_entries(client, services, admin) -> None:
    for n in range(55):
        make_staff(services, f"person{n}@example.com")
    first = client.get("/staff/audit")
    assert len(_rows(first.text)) == 50
    links = [a.get("href") for a in parse(first.text).find_all("a")]
    older = next(href for href in links if href and href.startswith("/staff/audit?before="))
    second = _rows(client.get(older).text)
    assert len(second) == 57 - 50  # 55 + Ada's creation + her sign-in
    assert second[-1][2] == "Account created user.create"


def _roles_panel(client):
    page = client.get("/staff/")
    assert page.status_code == 200
    return parse(page.text).find("section", class_="your-roles")


def test_an_admin_is_told_which_roles_they_hold_and_where_to_add_more(
    client, services, admin
) -> None:
    panel = _roles_panel(client)
    assert [li.find("strong").text for li in panel.find_all("li")] == ["Admin"]
    assert "case desk and the knowledge base are not open to you" in panel.text
    link = panel.find("a", href=f"/staff/users/{admin}")
    assert link is not None
    assert link.text == "Add roles on your user page"
    assert client.get("/staff/cases", follow_redirects=False).status_code == 403

    response = submit(
        client, link.get("href"), f"/staff/users/{admin}", roles=["admin", "agent", "editor"]
    )
    assert response.status_code == 303
    panel = _roles_panel(client)
    assert [li.find("strong").text for li in panel.find_all("li")] == ["Admin", "Editor", "Agent"]
    assert panel.find("a") is None
    assert "not open to you" not in panel.text
    page = parse(client.get("/staff/").text)
    assert page.find("a", href="/staff/cases") is not None
    assert page.find("a", href="/staff/kb") is not None
    assert client.get("/staff/cases", follow_redirects=False).status_code == 200


def test_staff_without_a_role_are_told_an_admin_can_add_it(client, services) -> None:
    make_staff(services, "olle@example.com", ["agent"], name="Olle Agent")
    sign_in(client, "olle@example.com")
    panel = _roles_panel(client)
    assert [li.find("strong").text for li in panel.find_all("li")] == ["Agent"]
    assert "the knowledge base is not open to you" in panel.text
    assert "An admin can add roles to your account." in panel.text
    assert panel.find("a") is None
