"""The ``portal`` command: serve, worker, database, demo content, knowledge base, users, SLA."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

import click

from portal.settings import Settings, SettingsError

if TYPE_CHECKING:
    from portal.services import Services


def _settings() -> Settings:
    try:
        settings = Settings.from_env()
        settings.check()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    return settings


@click.group()
def main() -> None:
    """Svar customer self-service portal."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Run the web server (in dev, migrations are applied first)."""
    import uvicorn

    from portal.app import create_app
    from portal.db.migrate import upgrade

    settings = _settings()
    if not settings.is_prod:
        upgrade(settings.effective_database_url)
    from portal.services import Services

    services = Services.build(settings)
    app = create_app(settings, services)
    _print_addresses(services, host, port)
    # Proxy headers are read by the app itself, only from PORTAL_TRUSTED_PROXIES (any server).
    # "auto" serves with uvloop and httptools (installed with uvicorn[standard]) where they run.
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        proxy_headers=False,
        loop="auto",
        http="auto",
    )


def _print_addresses(services: Services, host: str, port: int) -> None:
    """Where to go once the server is up; in dev, also how to sign in to the back office."""
    base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    lines = [f"Svar portal:   {base}/", f"Back office:   {base}/staff/"]
    if services.settings.uses_dev_mail_sink and not services.settings.is_prod:
        lines.append(f"Mail sink:     {base}/dev/mail")
    lines += _demo_sign_in_lines(services)
    click.echo("\n".join(["", *lines, ""]))


def _demo_sign_in_lines(services: Services) -> list[str]:
    """How to sign in with the demo accounts still on their demo passwords (never in prod)."""
    from portal.demo.load import demo_sign_ins

    if services.settings.is_prod:
        return []
    return [
        f"Demo {role + ':':8} {email} / {password}"
        for role, email, password in demo_sign_ins(services)
    ]


@main.command()
def worker() -> None:
    """Deliver queued email until stopped (SIGINT/SIGTERM); run as many as you like."""
    import asyncio
    import logging

    from portal.mail.worker import run_worker
    from portal.services import Services

    settings = _settings()
    logging.basicConfig(level=settings.log_level)
    services = Services.build(settings)
    try:
        asyncio.run(run_worker(services))
    finally:
        services.close()


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations (safe to run repeatedly)."""
    from portal.db.migrate import upgrade

    settings = _settings()
    upgrade(settings.effective_database_url)
    _seed_sla(settings)
    click.echo("Database is up to date.")


def _seed_sla(settings: Settings) -> None:
    """Add the default response-time calendars and policies that are missing (never edits)."""
    from portal.services import Services
    from portal.sla.policies import ensure_defaults

    services = Services.build(settings)
    try:
        with services.write() as session:
            ensure_defaults(session)
    finally:
        services.close()


@main.group()
def kb() -> None:
    """Knowledge base: import, export, search index."""


def _kb_services() -> Services:
    from portal.db.migrate import upgrade
    from portal.services import Services

    settings = _settings()
    upgrade(settings.effective_database_url)
    return Services.build(settings)


@kb.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--author", default="import", show_default=True, help="Recorded on revisions.")
def kb_import(path: Path, author: str) -> None:
    """Import Markdown articles (YAML front matter) from PATH, recursively; safe to repeat."""
    from kb.porting import import_folder

    services = _kb_services()
    try:
        with services.write() as session:
            report = import_folder(session, path, author=author)
        if report.created or report.updated:  # a running server follows the new index
            from portal.knowledge.maintenance import rebuild_index

            indexed = rebuild_index(services)
    finally:
        services.close()
    for problem in report.skipped:
        click.echo(f"skipped {problem}")
    for problem in report.errors:
        click.echo(f"error {problem}", err=True)
    click.echo(report.summary())
    if report.created or report.updated:
        click.echo(f"Search index rebuilt: {indexed} published articles.")
    if report.errors:
        raise SystemExit(1)


@kb.command("reindex")
def kb_reindex() -> None:
    """Rebuild the search index from the database; searches keep working meanwhile."""
    from portal.knowledge.maintenance import rebuild_index

    services = _kb_services()
    try:
        indexed = rebuild_index(services)
    finally:
        services.close()
    click.echo(f"Search index rebuilt: {indexed} published articles.")


@kb.command("export")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
def kb_export(path: Path) -> None:
    """Write every article to PATH as <category>/<key>.<lang>.md, plus categories.yaml."""
    from kb.porting import export_folder

    services = _kb_services()
    try:
        with services.read() as session:
            written = export_folder(session, path)
    finally:
        services.close()
    click.echo(f"{len(written)} files written to {path}.")


@main.command()
def demo() -> None:
    """Load the demo help centre (and rebuild the search index); running it again changes
    nothing."""
    from portal.demo import load_demo

    services = _kb_services()
    try:
        report = load_demo(services)
        sign_ins = _demo_sign_in_lines(services)
    finally:
        services.close()
    _seed_sla(services.settings)
    for line in report.lines():
        click.echo(line)
    for line in sign_ins:  # the back office at /staff/ opens with these
        click.echo(line)
    for problem in report.articles.errors:
        click.echo(f"error {problem}", err=True)
    if report.articles.errors:
        raise SystemExit(1)


@main.group()
def sla() -> None:
    """Response-time promises."""


@sla.command("eta")
@click.option(
    "--category",
    required=True,
    type=click.Choice(["product", "service", "billing", "other"]),
    help="Complaint category.",
)
@click.option("--at", "at_text", default=None, help="Submission moment, ISO 8601 (default: now).")
@click.option("--lang", default="en", type=click.Choice(["en", "sv", "nb"]), show_default=True)
@click.option("--priority", default="normal", show_default=True, help="The case's priority.")
@click.option("--explain", is_flag=True, help="Add a third line: target, queue and throughput.")
def sla_eta(category: str, at_text: str | None, lang: str, priority: str, explain: bool) -> None:
    """Print the promise for a submission: ISO 8601 first, then the customer's sentence.

    The queue and throughput are read from the database; without one (or before
    ``portal db upgrade``) the policy target stands alone.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from portal.services import Services
    from portal.sla.policies import default_config, load_sla
    from portal.sla.promise import make_promise, target_promise
    from portal.sla.words import describe

    at: datetime | None = None
    if at_text is not None:
        try:
            at = datetime.fromisoformat(at_text)
        except ValueError as exc:
            raise click.BadParameter(
                f"{at_text!r} is not an ISO 8601 date-time", param_hint="--at"
            ) from exc
    services = Services.build(_settings())
    try:
        with services.read() as session:
            config = load_sla(session)
            at = _aware(at, config.calendar_for(lang).tz)
            promise = make_promise(
                session, category=category, lang=lang, at=at, priority=priority, config=config
            )
    except SQLAlchemyError:
        at = _aware(at, default_config().calendar_for(lang).tz)
        promise = target_promise(category, at, lang, priority=priority)
    finally:
        services.close()
    text = describe(promise, lang)
    click.echo(text.iso)
    click.echo(text.sentence)
    if explain:
        click.echo(promise.explain())


def _aware(at: datetime | None, tz: tzinfo) -> datetime:
    """Now when ``at`` is None; a bare local time is read in the language's calendar zone."""
    if at is None:
        return datetime.now(UTC)
    return at if at.tzinfo is not None else at.replace(tzinfo=tz)


@main.group()
def user() -> None:
    """Staff accounts for the back office."""


@user.command("create")
@click.option("--email", required=True, help="The person's email address; they sign in with it.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(["admin", "editor", "agent"], case_sensitive=False),
    help="admin, editor or agent; repeat for several (--role editor --role agent).",
)
@click.option("--name", "display_name", default="", help="Name shown to colleagues.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of prompting.",
)
def user_create(
    email: str, roles: tuple[str, ...], display_name: str, password_stdin: bool
) -> None:
    """Create a staff account; the password is asked for twice and never shown."""
    import sys

    from portal.services import Services
    from portal.staff.accounts import AccountError, check_email, check_password, create_user

    try:
        address = check_email(email)
    except AccountError as exc:
        raise click.BadParameter(str(exc), param_hint="--email") from exc
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        check_password(password, address)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    services = Services.build(_settings())
    try:
        with services.write() as session:
            created = create_user(session, address, password, roles, display_name)
            summary = f"{created.email} ({', '.join(sorted(created.roles))})"
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        services.close()
    click.echo(f"Created staff account {summary}. Sign in at /staff/login.")
