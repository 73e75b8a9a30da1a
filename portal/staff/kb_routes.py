"""The editors' workspace: the article list, writing and translating an article with a live
preview, images, status changes, and revisions with diffs and restore."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict, UploadFile
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from kb import articles
from kb.diffs import diff_snapshots
from kb.editorial import ORDERS, ArticleFilter, list_articles
from kb.errors import ArticleError, StaleEdit
from kb.markdown import render
from kb.models import STATUSES
from portal.i18n import LANGUAGE_NAMES, LANGUAGES, N_, gettext
from portal.services import Services
from portal.staff.guards import current_staff, requires_role, staff_lang, staff_template
from portal.staff.kb_editing import (
    ACTIONS,
    ArticleForm,
    error_messages,
    restore,
    save_article,
    source_side,
    with_image,
)
from portal.staff.kb_images import MAX_IMAGE_BYTES, ImageProblem, store_image
from portal.web.deps import client_ip
from portal.web.forms import form_text

requires_editor = requires_role("editor")
# What an edit form may send at once. Far more than the text and one allowed image need, so that
# a photo straight from a camera still arrives and is refused beside the image field with the
# editor's text kept; only beyond this does ``too_large`` answer (nothing of the form can be read).
EDIT_BODY_LIMIT = 5 * MAX_IMAGE_BYTES + 2 * 1024 * 1024

DONE = {
    "create": N_("The article was saved as a draft."),
    "save": N_("Your changes were saved."),
    "publish": N_("The article is published: readers can find it now."),
    "unpublish": N_("The article is unpublished: readers no longer see it."),
    "archive": N_("The article is archived."),
    "restore": N_("The revision was restored as the newest version."),
}
# Saving (or publishing) with a file still chosen: only "Upload and insert" adds an image.
IMAGE_NOT_ADDED = N_(
    "The image you chose was not added: saving keeps only the text. Choose it again and press "
    "“Upload and insert” to put it into the article."
)
STALE = N_(
    "Someone else saved this article while you were editing it. Your text is below, not saved. "
    "Compare it with their version, then save again to replace theirs."
)


def _read_form(form: FormMultiDict) -> ArticleForm:
    version = form_text(form, "version")
    return ArticleForm(
        title=form_text(form, "title"),
        slug=form_text(form, "slug"),
        summary=form_text(form, "summary"),
        category=form_text(form, "category"),
        tags=form_text(form, "tags"),
        body=form_text(form, "body"),
        key=form_text(form, "key"),
        version=int(version) if version.isdigit() else None,
    )


def too_large(request: Request[Any, Any, Any], _exc: Exception) -> Response[Any]:
    """413 on the article forms: say what happened and how to keep the text, in the editor's
    language (the request was refused before any of it was read, so the server has nothing)."""
    limit = EDIT_BODY_LIMIT // (1024 * 1024)
    context = {"limit": limit, "image_limit": MAX_IMAGE_BYTES // (1024 * 1024)}
    return staff_template(request, "staff/kb/too_large.html", context, active="kb", status_code=413)


EDIT_LIMITS: dict[str, Any] = {
    "request_max_body_size": EDIT_BODY_LIMIT,
    "exception_handlers": {413: too_large},
}


def _lang_or_404(lang: str) -> str:
    if lang not in LANGUAGES:
        raise NotFoundException()
    return lang


# -- the list -----------------------------------------------------------------------------------


@get("/staff/kb", guards=[requires_editor], include_in_schema=False)
async def article_list(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    lang: FromQuery[str] = "",
    category: FromQuery[str] = "",
    status: FromQuery[str] = "",
    missing: FromQuery[str] = "",
    stale: FromQuery[str] = "",
    order: FromQuery[str] = "title",
    page: FromQuery[int] = 1,
) -> Response[Any]:
    wanted = ArticleFilter(
        lang=lang if lang in LANGUAGES else None,
        category=category.strip()[:120] or None,
        status=status if status in STATUSES else None,
        missing=missing if missing in LANGUAGES else None,
        stale=stale == "1",
        order=order if order in ORDERS else "title",
        page=page,
    )

    def load() -> tuple[Any, list[tuple[str, str]]]:
        with services.read() as session:
            listing = list_articles(session, wanted)
            ui = staff_lang(request)
            cats = [(c.key, c.name(ui)) for c in articles.list_categories(session)]
            return listing, cats

    listing, categories = await services.run(load)
    query = {
        "lang": wanted.lang or "",
        "category": wanted.category or "",
        "status": wanted.status or "",
        "missing": wanted.missing or "",
        "stale": "1" if wanted.stale else "",
        "order": wanted.order,
    }
    base = {k: v for k, v in query.items() if v and not (k == "order" and v == "title")}
    pages = [
        (n, "/staff/kb?" + urlencode({**base, "page": n})) for n in range(1, listing.pages + 1)
    ]
    context = {
        "listing": listing,
        "filters": query,
        "categories": categories,
        "languages": LANGUAGE_NAMES,
        "statuses": STATUSES,
        "page_links": pages,
    }
    return staff_template(request, "staff/kb/list.html", context, active="kb")


# -- writing ------------------------------------------------------------------------------------


async def _edit_page(
    request: Request[Any, Any, Any],
    services: Services,
    *,
    key: str,
    lang: str,
    form: ArticleForm | None = None,
    errors: dict[str, str] | None = None,
    notice: str = "",
    conflict: list[Any] | None = None,
    preview: bool = False,
    source_lang: str | None = None,
    status_code: int = 200,
) -> Response[Any]:
    ui = staff_lang(request)

    def load() -> dict[str, Any]:
        with services.read() as session:
            translation = articles.find_translation(session, key, lang) if key else None
            article = articles.get_article(session, key) if key else None
            if translation is not None:
                current = ArticleForm.of(translation)
            elif article is not None:  # a new language: the category is the article's
                category = article.category.key if article.category else ""
                current = ArticleForm(key=key, category=category)
            else:
                current = None
            return {
                "exists": translation is not None,
                "status": translation.status if translation else "draft",
                "article_exists": article is not None,
                "translations": sorted(t.lang for t in article.translations) if article else [],
                "current": current,
                "source": source_side(session, key, lang, source_lang) if key else None,
                "categories": [(c.key, c.name(ui)) for c in articles.list_categories(session)],
            }

    data = await services.run(load)
    if key and not data["article_exists"]:
        raise NotFoundException()
    shown = form or data["current"] or ArticleForm(key=key)
    context = {
        **data,
        "key": key,
        "article_lang": lang,
        "values": shown,
        "errors": errors or {},
        "notice": notice,
        "conflict": conflict,
        "preview_html": render(shown.body).html if preview or conflict is not None else None,
        "languages": LANGUAGE_NAMES,
        "action_url": f"/staff/kb/articles/{key}/{lang}" if key else f"/staff/kb/new?lang={lang}",
        "source_lang": source_lang or "",
    }
    return staff_template(
        request, "staff/kb/edit.html", context, active="kb", status_code=status_code
    )


@get("/staff/kb/new", guards=[requires_editor], include_in_schema=False)
async def article_new(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    lang: FromQuery[str] = "en",
) -> Response[Any]:
    return await _edit_page(request, services, key="", lang=_lang_or_404(lang))


@get("/staff/kb/articles/{key:str}/{lang:str}", guards=[requires_editor], include_in_schema=False)
async def article_edit(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    key: FromPath[str],
    lang: FromPath[str],
    source: FromQuery[str] = "",
    done: FromQuery[str] = "",
    image: FromQuery[str] = "",
) -> Response[Any]:
    ui = staff_lang(request)
    notice = gettext(ui, DONE[done]) if done in DONE else ""
    if notice and image == "not-added":
        notice = f"{notice} {gettext(ui, IMAGE_NOT_ADDED)}"
    return await _edit_page(
        request,
        services,
        key=key,
        lang=_lang_or_404(lang),
        notice=notice,
        source_lang=source if source in LANGUAGES else None,
    )


async def _submit(
    request: Request[Any, Any, Any], services: Services, key: str, lang: str
) -> Response[Any]:
    raw = await request.form()
    form = _read_form(raw)
    action = form_text(raw, "action")
    source = form_text(raw, "source")
    source_lang = source if source in LANGUAGES else None
    ui = staff_lang(request)
    page = {"key": key, "lang": lang, "source_lang": source_lang}

    if action == "preview":
        return await _edit_page(request, services, form=form, preview=True, **page)
    if action == "upload":
        upload = raw.get("image")
        if not isinstance(upload, UploadFile) or not upload.filename:
            errors = {"image": gettext(ui, "Choose an image to upload.")}
            return await _edit_page(
                request, services, form=form, errors=errors, status_code=400, **page
            )
        data_dir = services.settings.data_dir
        stored = await services.run(
            store_image, data_dir, upload.filename, upload.file, form_text(raw, "image_alt")
        )
        if isinstance(stored, ImageProblem):
            errors = {"image": gettext(ui, stored.message, **stored.params)}
            return await _edit_page(
                request, services, form=form, errors=errors, status_code=400, **page
            )
        notice = gettext(ui, "The image was added at the end of the text. Save to keep it.")
        return await _edit_page(
            request, services, form=with_image(form, stored.markdown), notice=notice, **page
        )
    if action not in ACTIONS:
        action = "save"

    staff = current_staff(request)
    client = client_ip(request)

    def unit() -> tuple[str, str, str]:
        with services.write() as session:
            saved = save_article(
                session, staff, key=key, lang=lang, form=form, action=action, client=client
            )
            return (
                saved.article.key,
                saved.lang,
                "create" if not key and action == "save" else action,
            )

    try:
        new_key, new_lang, done = await services.run(unit)
    except ArticleError as exc:
        errors = error_messages(ui, exc.errors)
        return await _edit_page(
            request, services, form=form, errors=errors, status_code=400, **page
        )
    except StaleEdit:

        def newer() -> ArticleForm | None:
            with services.read() as session:
                found = articles.find_translation(session, key, lang)
                return ArticleForm.of(found) if found else None

        current = await services.run(newer)
        conflict = diff_snapshots(current.snapshot(), form.snapshot()) if current else []
        kept = replace(form, version=current.version if current else form.version)
        return await _edit_page(
            request,
            services,
            form=kept,
            notice="",
            errors={"version": gettext(ui, STALE)},
            conflict=conflict,
            status_code=409,
            **page,
        )
    target = f"/staff/kb/articles/{new_key}/{new_lang}?done={done}"
    chosen = raw.get("image")
    if isinstance(chosen, UploadFile) and chosen.filename:
        target += "&image=not-added"
    if source_lang:
        target += f"&source={source_lang}"
    return Redirect(target, status_code=303)


@post(
    "/staff/kb/new",
    guards=[requires_editor],
    include_in_schema=False,
    **EDIT_LIMITS,
)
async def article_create(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    lang: FromQuery[str] = "en",
) -> Response[Any]:
    return await _submit(request, services, "", _lang_or_404(lang))


@post(
    "/staff/kb/articles/{key:str}/{lang:str}",
    guards=[requires_editor],
    include_in_schema=False,
    **EDIT_LIMITS,
)
async def article_save(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    key: FromPath[str],
    lang: FromPath[str],
) -> Response[Any]:
    def known() -> bool:
        with services.read() as session:
            return articles.get_article(session, key) is not None

    if not await services.run(known):
        raise NotFoundException()
    return await _submit(request, services, key, _lang_or_404(lang))


@post(
    "/staff/kb/preview",
    guards=[requires_editor],
    include_in_schema=False,
    request_max_body_size=EDIT_BODY_LIMIT,
)
async def article_preview(request: Request[Any, Any, Any]) -> Response[Any]:
    """The live preview (htmx): the body as readers will see it."""
    form = _read_form(await request.form())
    context = {"preview_html": render(form.body).html, "values": form}
    response = staff_template(request, "staff/kb/_preview.html", context, active="kb")
    response.headers["vary"] = "HX-Request"
    return response


# -- revisions ----------------------------------------------------------------------------------


def _translation_or_404(session: Any, key: str, lang: str) -> Any:
    translation = articles.find_translation(session, key, lang)
    if translation is None:
        raise NotFoundException()
    return translation


@get(
    "/staff/kb/articles/{key:str}/{lang:str}/revisions",
    guards=[requires_editor],
    include_in_schema=False,
)
async def revision_list(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    key: FromPath[str],
    lang: FromPath[str],
    old: FromQuery[int | None] = None,
    new: FromQuery[int | None] = None,
) -> Response[Any]:
    def load() -> dict[str, Any]:
        with services.read() as session:
            translation = _translation_or_404(session, key, lang)
            revisions = articles.list_revisions(session, translation.id)
            numbers = {r.number: r for r in revisions}
            newest = revisions[0].number if revisions else 1
            right = new if new in numbers else newest
            left = old if old in numbers else max(1, right - 1)
            diff = None
            if left in numbers and right in numbers and left != right:
                diff = diff_snapshots(numbers[left].content, numbers[right].content)
            return {
                "title": translation.title,
                "revisions": [
                    {
                        "number": r.number,
                        "author": r.author,
                        "created_at": r.created_at,
                        "status": (r.content or {}).get("status", ""),
                        "restored_from": r.restored_from,
                    }
                    for r in revisions
                ],
                "old": left,
                "new": right,
                "diff": diff,
                "newest": newest,
            }

    context = await services.run(load)
    context.update(key=key, article_lang=lang, languages=LANGUAGE_NAMES)
    return staff_template(request, "staff/kb/revisions.html", context, active="kb")


@post(
    "/staff/kb/articles/{key:str}/{lang:str}/revisions/{number:int}/restore",
    guards=[requires_editor],
    include_in_schema=False,
)
async def revision_restore(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    key: FromPath[str],
    lang: FromPath[str],
    number: FromPath[int],
) -> Response[Any]:
    staff = current_staff(request)
    client = client_ip(request)

    def unit() -> None:
        with services.write() as session:
            translation = _translation_or_404(session, key, lang)
            if articles.get_revision(session, translation.id, number) is None:
                raise NotFoundException()
            restore(session, staff, translation, number, client)

    await services.run(unit)
    return Redirect(f"/staff/kb/articles/{key}/{lang}?done=restore", status_code=303)


route_handlers = [
    article_list,
    article_new,
    article_create,
    article_edit,
    article_save,
    article_preview,
    revision_list,
    revision_restore,
]
