"""The rest of the editors' workspace: categories, synonyms, search insights — and the public
route that serves the images put into articles."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import File, Redirect

from kb import articles
from kb.errors import ArticleError
from kb.insights import PERIODS, search_insights
from kb.synonyms import format_synonym_text, parse_synonym_text
from portal.i18n import LANGUAGE_NAMES, LANGUAGES, N_, gettext, ngettext
from portal.services import Services
from portal.staff.audit import record_audit
from portal.staff.guards import current_staff, requires_role, staff_lang, staff_template
from portal.staff.kb_images import content_type, image_path
from portal.web.deps import client_ip

requires_editor = requires_role("editor")

DONE = {
    "categories": N_("The categories were saved."),
    "category": N_("The category was added."),
    "deleted": N_("The category was deleted."),
    "synonyms": N_("The synonyms were saved. Search uses them from now on."),
}
CATEGORY_ERRORS = {
    "required": N_("Enter a key for the new category: letters, digits and hyphens."),
    "exists": N_("A category with this key already exists."),
    "too_long": N_("A name is too long. Use at most 200 characters."),
}
# Where the articles of a deleted category go: another category's key, or none at all.
NO_CATEGORY = "none"
DELETE_ERRORS = {
    "choose": N_("Choose the category to delete."),
    "same": N_("Choose a category other than the one you delete."),
}


# -- categories ---------------------------------------------------------------------------------


async def _categories_page(
    request: Request[Any, Any, Any],
    services: Services,
    *,
    notice: str = "",
    errors: dict[str, str] | None = None,
    new: dict[str, str] | None = None,
    deleting: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response[Any]:
    def load() -> list[dict[str, Any]]:
        with services.read() as session:
            counts = articles.article_counts(session)
            return [
                {
                    "key": c.key,
                    "position": c.position,
                    "names": dict(c.names or {}),
                    "articles": counts.get(c.key, 0),
                }
                for c in articles.list_categories(session)
            ]

    context = {
        "categories": await services.run(load),
        "deleting": deleting or {},
        "no_category": NO_CATEGORY,
        "languages": LANGUAGE_NAMES,
        "notice": notice,
        "errors": errors or {},
        "new": new or {},
    }
    return staff_template(
        request, "staff/kb/categories.html", context, active="kb", status_code=status_code
    )


@get("/staff/kb/categories", guards=[requires_editor], include_in_schema=False)
async def category_list(
    request: Request[Any, Any, Any], services: NamedDependency[Services], done: FromQuery[str] = ""
) -> Response[Any]:
    notice = gettext(staff_lang(request), DONE[done]) if done in DONE else ""
    return await _categories_page(request, services, notice=notice)


@post("/staff/kb/categories", guards=[requires_editor], include_in_schema=False)
async def category_save(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    """Names per language and order of every category, in one form."""
    form = await request.form()
    staff, client = current_staff(request), client_ip(request)

    def unit() -> None:
        with services.write() as session:
            ordered: list[tuple[float, str]] = []
            for category in articles.list_categories(session):
                names = {
                    lang: str(form.get(f"name-{category.key}-{lang}") or "") for lang in LANGUAGES
                }
                names = {k: v for k, v in names.items() if v.strip()} or dict(category.names)
                before = dict(category.names or {})
                articles.update_category(session, category.key, names=names)
                raw = str(form.get(f"position-{category.key}") or "")
                try:
                    position = float(raw)
                except ValueError:
                    position = float(category.position)
                ordered.append((position, category.key))
                if before != category.names:
                    record_audit(
                        session, staff, "kb.category.update", category, {"key": category.key},
                        client=client,
                    )  # fmt: skip
            keys = [key for _, key in sorted(ordered)]
            if keys != [c.key for c in articles.list_categories(session)]:
                articles.reorder_categories(session, keys)
                record_audit(
                    session, staff, "kb.category.reorder", None, {"order": keys}, client=client
                )

    try:
        await services.run(unit)
    except ArticleError as exc:
        ui = staff_lang(request)
        errors = {
            "categories": gettext(
                ui,
                CATEGORY_ERRORS.get(next(iter(exc.errors.values())), CATEGORY_ERRORS["too_long"]),
            )
        }
        return await _categories_page(request, services, errors=errors, status_code=400)
    return Redirect("/staff/kb/categories?done=categories", status_code=303)


@post("/staff/kb/categories/new", guards=[requires_editor], include_in_schema=False)
async def category_create(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    form = await request.form()
    new = {"key": str(form.get("new-key") or "")}
    new.update({lang: str(form.get(f"new-name-{lang}") or "") for lang in LANGUAGES})
    staff, client = current_staff(request), client_ip(request)

    def unit() -> None:
        with services.write() as session:
            names = {lang: new[lang] for lang in LANGUAGES}
            category = articles.create_category(session, new["key"], names=names)
            record_audit(
                session, staff, "kb.category.create", category, {"key": category.key}, client=client
            )

    try:
        await services.run(unit)
    except ArticleError as exc:
        code = next(iter(exc.errors.values()))
        message = gettext(
            staff_lang(request), CATEGORY_ERRORS.get(code, CATEGORY_ERRORS["required"])
        )
        field = "new-key" if "key" in exc.errors else "new-name-en"
        return await _categories_page(
            request, services, errors={field: message}, new=new, status_code=400
        )
    return Redirect("/staff/kb/categories?done=category", status_code=303)


@post("/staff/kb/categories/delete", guards=[requires_editor], include_in_schema=False)
async def category_delete(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    """Delete a category. An empty one goes at once; one with articles needs a place for them
    (another category, or no category), so no article is ever filed away without a decision."""
    form = await request.form()
    chosen = {"key": str(form.get("delete-key") or ""), "move_to": str(form.get("move-to") or "")}
    staff, client = current_staff(request), client_ip(request)
    ui = staff_lang(request)

    def unit() -> dict[str, str] | None:
        with services.write() as session:
            category = articles.get_category(session, chosen["key"])
            if category is None:
                choose = DELETE_ERRORS["choose"]
                return {"delete-key": gettext(ui, choose)}
            count = articles.article_counts(session).get(category.key, 0)
            move_to: str | None = None
            if count:
                target = chosen["move_to"]
                if target == category.key:
                    same = DELETE_ERRORS["same"]
                    return {"move-to": gettext(ui, same)}
                if target != NO_CATEGORY and articles.get_category(session, target) is None:
                    message = ngettext(
                        ui,
                        "“%(key)s” holds %(num)s article. Choose where it goes: another "
                        "category, or no category.",
                        "“%(key)s” holds %(num)s articles. Choose where they go: another "
                        "category, or no category.",
                        count,
                        key=category.key,
                    )
                    return {"move-to": message}
                move_to = None if target == NO_CATEGORY else target
            record_audit(
                session, staff, "kb.category.delete", category,
                {"key": category.key, "names": dict(category.names or {}), "articles": count,
                 "moved_to": move_to},
                client=client,
            )  # fmt: skip
            articles.delete_category(session, category.key, move_to=move_to)
            return None

    errors = await services.run(unit)
    if errors:
        return await _categories_page(
            request, services, errors=errors, deleting=chosen, status_code=400
        )
    return Redirect("/staff/kb/categories?done=deleted", status_code=303)


# -- synonyms -----------------------------------------------------------------------------------


def _lang_or_404(lang: str) -> str:
    if lang not in LANGUAGES:
        raise NotFoundException()
    return lang


@get("/staff/kb/synonyms/{lang:str}", guards=[requires_editor], include_in_schema=False)
async def synonyms_edit(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    lang: FromPath[str],
    done: FromQuery[str] = "",
) -> Response[Any]:
    lang = _lang_or_404(lang)

    def load() -> str:
        with services.read() as session:
            return format_synonym_text(articles.get_synonyms(session, lang))

    notice = gettext(staff_lang(request), DONE[done]) if done in DONE else ""
    context = {
        "text": await services.run(load),
        "synonyms_lang": lang,
        "languages": LANGUAGE_NAMES,
        "notice": notice,
    }
    return staff_template(request, "staff/kb/synonyms.html", context, active="kb")


@post("/staff/kb/synonyms/{lang:str}", guards=[requires_editor], include_in_schema=False)
async def synonyms_save(
    request: Request[Any, Any, Any], services: NamedDependency[Services], lang: FromPath[str]
) -> Response[Any]:
    lang = _lang_or_404(lang)
    text = str((await request.form()).get("synonyms") or "")
    staff, client = current_staff(request), client_ip(request)

    def unit() -> None:
        with services.write() as session:
            before = articles.get_synonyms(session, lang)
            after = articles.set_synonyms(
                session, lang, parse_synonym_text(text), author=staff.email
            )
            if after != before:
                record_audit(
                    session, staff, "kb.synonyms.update", ("kb_synonyms", lang),
                    {"lang": lang, "groups": len(after)}, client=client,
                )  # fmt: skip

    await services.run(unit)
    return Redirect(f"/staff/kb/synonyms/{lang}?done=synonyms", status_code=303)


# -- search insights ----------------------------------------------------------------------------


@get("/staff/kb/insights", guards=[requires_editor], include_in_schema=False)
async def insights(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    lang: FromQuery[str] = "",
    days: FromQuery[int] = 30,
) -> Response[Any]:
    chosen = lang if lang in LANGUAGES else staff_lang(request)
    period = days if days in PERIODS else 30

    def load() -> Any:
        with services.read() as session:
            return search_insights(session, chosen, period, now=services.clock())

    context = {
        "insights": await services.run(load),
        "languages": LANGUAGE_NAMES,
        "periods": PERIODS,
    }
    return staff_template(request, "staff/kb/insights.html", context, active="kb")


# -- images, public -----------------------------------------------------------------------------


@get("/kb-images/{name:str}", include_in_schema=False)
async def kb_image(services: NamedDependency[Services], name: FromPath[str]) -> File:
    path = image_path(services.settings.data_dir, name)
    if path is None:
        raise NotFoundException()
    return File(
        path=path,
        media_type=content_type(name),
        content_disposition_type="inline",
        headers={
            "cache-control": "public, max-age=31536000, immutable",
            "x-content-type-options": "nosniff",
            "content-security-policy": "default-src 'none'; sandbox",
        },
    )


route_handlers = [
    category_list,
    category_save,
    category_create,
    category_delete,
    synonyms_edit,
    synonyms_save,
    insights,
    kb_image,
]
