"""Editors write articles in the back office: preview, publish (and readers find it), two editors
saving at once, revisions with diffs and restore, images, and translating side by side."""

from __future__ import annotations

import io

from helpers import error_summary, page_form, parse
from knowledge_support import eventually, result_links, slugs
from staff_support import audit_actions, make_staff, session_cookie, sign_in, use_session

from kb import articles
from kb.articles import TranslationContent
from kb.models import Revision, Translation

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64 + b"PE\x00\x00"


def _editor(client, services, email: str = "eva@example.com") -> str:
    make_staff(services, email, ["editor"])
    use_session(client, None)  # a second browser: the first person stays signed in
    assert sign_in(client, email).status_code == 303
    token = session_cookie(client)
    assert token
    return token


def _edit_form(client, url: str, action: str | None = None) -> dict:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return page_form(response.text, action or url.split("?")[0])


def _add(services, title: str, body: str = "Text.", lang: str = "en", key: str | None = None,
         status: str = "draft", category: str | None = None) -> int:  # fmt: skip
    with services.write() as session:
        content = TranslationContent(title=title, body_md=body, status=status, category=category)
        return articles.create_translation(
            session, lang=lang, content=content, author="seed", key=key
        ).id


def _load(services, key: str, lang: str = "en") -> Translation:
    with services.read() as session:
        found = articles.find_translation(session, key, lang)
        assert found is not None
        session.expunge(found)
        return found


def _found(client, q: str) -> list[str]:
    return slugs(result_links(client.get("/en/search", params={"q": q}).text))


def test_an_editor_writes_previews_and_publishes_and_readers_find_it(client, services) -> None:
    _editor(client, services)
    form = _edit_form(client, "/staff/kb/new?lang=en", "/staff/kb/new?lang=en")
    form.update(
        title="Descaling the espresso machine",
        summary="Keep the boiler clean.",
        body="## Every month\n\nRun citric acid through the boiler.\n\n<script>alert(1)</script>",
        tags="espresso, cleaning",
    )

    preview = client.post("/staff/kb/new?lang=en", data={**form, "action": "preview"})
    assert preview.status_code == 200
    page = parse(preview.text)
    shown = page.by_id("preview")
    assert shown is not None
    assert shown.find("h2", id="every-month") is not None
    assert shown.find("script") is None
    # Nothing typed is lost and nothing is saved by a preview.
    assert page.by_id("title").get("value") == "Descaling the espresso machine"
    assert _found(client, "citric") == []

    published = client.post(
        "/staff/kb/new?lang=en", data={**form, "action": "publish"}, follow_redirects=False
    )
    assert published.status_code == 303
    assert published.headers["location"].startswith(
        "/staff/kb/articles/descaling-the-espresso-machine/en"
    )
    done = client.get(published.headers["location"])
    assert "readers can find it now" in parse(done.text).find(role="status").text

    found = eventually(lambda: _found(client, "citric"), within=1.0, what="published article")
    assert found == ["descaling-the-espresso-machine"]
    assert ("kb.article.create", "eva@example.com") in [a[:2] for a in audit_actions(services)]


def test_the_live_preview_answers_htmx_with_just_the_rendered_text(client, services) -> None:
    _editor(client, services)
    token = _edit_form(client, "/staff/kb/new?lang=en", "/staff/kb/new?lang=en")["_csrf_token"]
    response = client.post(
        "/staff/kb/preview",
        data={"_csrf_token": token, "title": "T", "body": "**bold** <img src=x onerror=alert(1)>"},
        headers={"hx-request": "true"},
    )
    assert response.status_code == 200
    fragment = parse(response.text)
    assert fragment.find("html") is None
    assert fragment.find("strong").text == "bold"
    assert "onerror" not in fragment.find("img").attrs
    # The edit page wires the text box to it.
    body = parse(client.get("/staff/kb/new?lang=en").text).by_id("body")
    assert body.get("hx-post") == "/staff/kb/preview"
    assert body.get("hx-trigger") == "input changed delay:400ms"


def test_a_second_editor_saving_the_same_article_is_told_and_keeps_their_text(
    client, services
) -> None:
    _add(services, "Opening hours", "We are open 9-17.", key="hours")
    url = "/staff/kb/articles/hours/en"
    eva = _editor(client, services, "eva@example.com")
    olle = _editor(client, services, "olle@example.com")

    use_session(client, eva)
    evas_form = _edit_form(client, url)
    use_session(client, olle)
    olles_form = _edit_form(client, url)

    use_session(client, eva)
    evas_form["body"] = "We are open 8-18."
    assert client.post(url, data={**evas_form, "action": "save"}).status_code == 200

    use_session(client, olle)
    olles_form["body"] = "We are open 10-16, also on Saturdays."
    refused = client.post(url, data={**olles_form, "action": "save"}, follow_redirects=False)
    assert refused.status_code == 409
    assert any("Someone else saved this article" in m for m in error_summary(refused.text))
    page = parse(refused.text)
    assert page.by_id("body").raw_text.strip() == "We are open 10-16, also on Saturdays."
    diff = page.find("table", class_="diff")
    assert diff is not None
    assert "We are open 8-18." in diff.find("del").text
    assert "We are open 10-16, also on Saturdays." in diff.find("ins").text
    assert _load(services, "hours").body_md == "We are open 8-18."

    # Having seen the other version, saving again is a deliberate choice.
    again = page_form(refused.text, url)
    saved = client.post(url, data={**again, "action": "save"}, follow_redirects=False)
    assert saved.status_code == 303
    assert _load(services, "hours").body_md == "We are open 10-16, also on Saturdays."


def test_revisions_are_listed_compared_and_restored(client, services) -> None:
    _add(
        services,
        "Gift cards",
        "Valid for two years.\nAsk in store.",
        key="gift",
        status="published",
    )
    _editor(client, services)
    url = "/staff/kb/articles/gift/en"
    form = _edit_form(client, url)
    form["body"] = "Valid for three years.\nAsk in store."
    assert (
        client.post(url, data={**form, "action": "save"}, follow_redirects=False).status_code == 303
    )

    page = parse(client.get(url + "/revisions?old=1&new=2").text)
    rows = page.find("table", class_="diff").find_all("tr")
    changed = [r for r in rows if r.find("del") is not None]
    assert len(changed) == 1
    assert changed[0].find("del").text == "Removed: Valid for two years."
    assert changed[0].find("ins").text == "Added: Valid for three years."

    restore = client.post(
        url + "/revisions/1/restore",
        data={"_csrf_token": form["_csrf_token"]},
        follow_redirects=False,
    )
    assert restore.status_code == 303
    restored = _load(services, "gift")
    assert restored.body_md == "Valid for two years.\nAsk in store."
    assert restored.status == "published"
    with services.read() as session:
        newest = session.query(Revision).filter_by(translation_id=restored.id).count()
    assert newest == 3
    assert "kb.article.restore" in [a[0] for a in audit_actions(services)]


def test_status_buttons_unpublish_and_archive(client, services) -> None:
    _add(services, "Delivery times", "Two days.", key="delivery", status="published")
    _editor(client, services)
    url = "/staff/kb/articles/delivery/en"
    for action, status in (
        ("unpublish", "draft"),
        ("publish", "published"),
        ("archive", "archived"),
    ):
        form = _edit_form(client, url)
        response = client.post(url, data={**form, "action": action}, follow_redirects=False)
        assert response.status_code == 303, response.text
        assert _load(services, "delivery").status == status


def test_bad_input_is_explained_next_to_the_field_and_kept(client, services) -> None:
    _add(services, "Taken", key="taken")
    _editor(client, services)
    form = _edit_form(client, "/staff/kb/new?lang=en", "/staff/kb/new?lang=en")
    form.update(title="Another", slug="taken", body="My long text.")
    response = client.post("/staff/kb/new?lang=en", data={**form, "action": "save"})
    assert response.status_code == 400
    page = parse(response.text)
    assert "already uses this address" in page.by_id("slug-error").text
    assert page.by_id("body").raw_text.strip() == "My long text."

    form.update(title="", slug="")
    response = client.post("/staff/kb/new?lang=en", data={**form, "action": "save"})
    assert parse(response.text).by_id("title-error").text.endswith("Enter a title.")


def test_an_image_is_uploaded_into_the_article_and_a_disguised_program_is_refused(
    client, services
) -> None:
    _add(services, "Returns", "Pack the parcel.", key="returns")
    _editor(client, services)
    url = "/staff/kb/articles/returns/en"
    form = _edit_form(client, url)
    form["body"] = "Pack the parcel well."

    refused = client.post(
        url,
        data={**form, "action": "upload", "image_alt": "x"},
        files={"image": ("label.png", io.BytesIO(EXE), "image/png")},
    )
    assert refused.status_code == 400
    page = parse(refused.text)
    assert "label.png is not a picture we can show" in page.by_id("image-error").text
    assert page.by_id("body").raw_text.strip() == "Pack the parcel well."
    assert not list((services.settings.data_dir / "kb-images").glob("*.*"))

    accepted = client.post(
        url,
        data={**form, "action": "upload", "image_alt": "The return label"},
        files={"image": ("label.png", io.BytesIO(PNG), "image/png")},
    )
    assert accepted.status_code == 200
    body = parse(accepted.text).by_id("body").raw_text.strip()
    assert body.startswith("Pack the parcel well.\n\n![The return label](/kb-images/")
    image_url = body.rsplit("(", 1)[1].rstrip(")")

    served = client.get(image_url)
    assert served.status_code == 200
    assert served.content == PNG
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "max-age=31536000" in served.headers["cache-control"]
    assert client.get("/kb-images/../svar.sqlite3").status_code == 404
    assert client.get("/kb-images/nothing-here.png").status_code == 404


def test_a_translation_is_written_beside_its_source_and_flagged_when_the_source_changes(
    client, services
) -> None:
    with services.write() as session:
        articles.create_category(session, "payment", names={"en": "Payment"})
    _add(services, "Paying by invoice", "Pay within 30 days.", key="invoice", category="payment")
    _editor(client, services)
    url = "/staff/kb/articles/invoice/sv"
    page = parse(client.get(url + "?source=en").text)
    source = page.find("section", class_="source-side")
    assert source is not None
    assert source.get("lang") == "en"
    assert "Pay within 30 days." in source.text
    assert page.find(class_="flag") is None

    form = _edit_form(client, url + "?source=en", url)
    form.update(title="Betala med faktura", body="Betala inom 30 dagar.")
    created = client.post(url, data={**form, "action": "save"}, follow_redirects=False)
    assert created.status_code == 303
    assert _load(services, "invoice", "sv").body_md == "Betala inom 30 dagar."
    with services.read() as session:  # writing a translation leaves the article's category be
        assert articles.get_article(session, "invoice").category.key == "payment"

    def sv_row():
        rows = parse(client.get("/staff/kb?lang=sv").text).find("tbody").find_all("tr")
        return rows[0]

    assert sv_row().find(class_="flag") is None
    # Publishing the source changes no text: the translation is still current.
    en = _load(services, "invoice")
    with services.write() as session:
        articles.publish(session, en.id, author="seed")
    assert sv_row().find(class_="flag") is None

    en_form = _edit_form(client, "/staff/kb/articles/invoice/en")
    en_form["body"] = "Pay within 14 days."
    client.post("/staff/kb/articles/invoice/en", data={**en_form, "action": "save"})
    flag = sv_row().find(class_="flag")
    assert flag is not None
    assert "English text changed" in flag.text
    side = parse(client.get(url + "?source=en").text).find("section", class_="source-side")
    assert "English text changed" in side.find(class_="flag").text


def test_only_editors_work_on_articles(client, services) -> None:
    assert client.get("/staff/kb", follow_redirects=False).headers["location"] == (
        "/staff/login?next=/staff/kb"
    )
    make_staff(services, "olle@example.com", ["agent"])
    sign_in(client, "olle@example.com")
    assert client.get("/staff/kb").status_code == 403
    with services.read() as session:
        assert session.query(Translation).count() == 0


def test_a_camera_sized_photo_is_refused_beside_the_field_and_the_text_is_kept(
    client, services
) -> None:
    _add(services, "Returns", "Pack the parcel.", key="returns")
    _editor(client, services)
    url = "/staff/kb/articles/returns/en"
    form = _edit_form(client, url)
    form["body"] = "Pack the parcel well. " * 2000
    photo = PNG + b"\x00" * (12 * 1024 * 1024)  # larger than the old 7 MB request limit

    upload = client.post(
        url,
        data={**form, "action": "upload", "image_alt": "x"},
        files={"image": ("holiday.png", io.BytesIO(photo), "image/png")},
    )
    assert upload.status_code == 400
    page = parse(upload.text)
    assert "5 MB" in page.by_id("image-error").text
    assert page.by_id("body").raw_text.strip() == form["body"].strip()

    saved = client.post(
        url,
        data={**form, "action": "save"},
        files={"image": ("holiday.png", io.BytesIO(photo), "image/png")},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert _load(services, "returns").body_md == form["body"].strip()
    assert not list((services.settings.data_dir / "kb-images").glob("*.*"))
    # The editor is told the chosen image was not added, not left to find out later.
    notice = parse(client.get(saved.headers["location"]).text).find(role="status").text
    assert "Your changes were saved." in notice
    assert "The image you chose was not added" in notice


def test_a_form_beyond_the_request_limit_gets_a_clear_page_in_the_editors_language(
    client, services
) -> None:
    _add(services, "Returns", "Pack the parcel.", key="returns")
    _editor(client, services)
    url = "/staff/kb/articles/returns/en"
    form = _edit_form(client, url)
    form["body"] = "Lost?"
    huge = b"\x00" * (28 * 1024 * 1024)
    response = client.post(
        url,
        data={**form, "action": "save"},
        files={"image": ("film.png", io.BytesIO(huge), "image/png")},
        headers={"accept-language": "sv"},
        follow_redirects=False,
    )
    assert response.status_code == 413
    page = parse(response.text)
    assert page.find("h1").text == "Formuläret var för stort för att ta emot"
    assert "Tillbaka" in page.find("section").text
    assert _load(services, "returns").body_md == "Pack the parcel."
