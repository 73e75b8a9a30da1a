"""The ``portal`` command: serve, worker, database, demo content, knowledge base, users, SLA."""

from __future__ import annotations

import click

from portal.settings import Settings, SettingsError


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
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", proxy_headers=False)


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations (safe to run repeatedly)."""
    from portal.db.migrate import upgrade

    upgrade(_settings().effective_database_url)
    click.echo("Database is up to date.")
