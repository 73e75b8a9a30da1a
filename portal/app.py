"""``create_app(settings)``: the one place where the portal is wired together."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader
from litestar.di import Provide
from litestar.exceptions import HTTPException, NotFoundException
from litestar.middleware import DefineMiddleware
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.template.config import TemplateConfig
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from portal.cases.conversation_routes import conversation_route_handlers
from portal.cases.routes import case_route_handlers
from portal.db.checkpoint import checkpointing
from portal.knowledge.routes import knowledge_route_handlers, provide_knowledge
from portal.knowledge.site import KnowledgeSite
from portal.mail import routes as mail_routes
from portal.services import Services
from portal.settings import Settings
from portal.staff import admin_routes as staff_admin_routes
from portal.staff import case_action_routes as staff_case_actions
from portal.staff import case_routes as staff_case_routes
from portal.staff import insights_routes as staff_insights
from portal.staff import kb_routes as staff_kb_routes
from portal.staff import kb_setup_routes as staff_kb_setup_routes
from portal.staff import reply_template_routes as staff_reply_templates
from portal.staff import routes as staff_routes
from portal.staff import sla_routes as staff_sla_routes
from portal.staff.guards import STAFF_EXCEPTION_HANDLERS, staff_headers_hook
from portal.web import errors, routes
from portal.web.compression import CompressBodies
from portal.web.deps import provide_services
from portal.web.security import security_headers_hook
from portal.web.templating import STATIC_DIR, make_environment


def create_app(settings: Settings | None = None, services: Services | None = None) -> Litestar:
    """Build the ASGI application; ``services`` may be passed in by tests that share a database."""
    settings = settings or Settings.from_env()
    settings.check()
    logging.basicConfig(level=settings.log_level)
    services = services or Services.build(settings)
    # The help centre and its search index in <data_dir>/index, opened (or repaired) at start-up.
    knowledge = KnowledgeSite.build(services)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        app.state.services = services
        app.state.knowledge = knowledge
        with checkpointing(services.engine):
            async with _background_work(services), knowledge.running():
                _freeze_start_up()
                yield

    route_handlers = [
        routes.root,
        routes.health,
        routes.ready,
        *knowledge_route_handlers(settings),
        *case_route_handlers(settings),
        *conversation_route_handlers(settings),
        *mail_routes.route_handlers,
        *staff_routes.route_handlers,
        *staff_admin_routes.route_handlers,
        *staff_kb_routes.route_handlers,
        *staff_kb_setup_routes.route_handlers,
        *staff_case_routes.route_handlers,
        *staff_case_actions.route_handlers,
        *staff_reply_templates.route_handlers,
        *staff_insights.route_handlers,
        *staff_sla_routes.route_handlers,
        create_static_files_router(
            path="/static",
            directories=[STATIC_DIR],
            send_as_attachment=False,
            # URLs carry a content hash (static_url), so browsers may keep files for a year.
            cache_control=CacheControlHeader(max_age=31_536_000, public=True),
            include_in_schema=False,
        ),
    ]

    return Litestar(
        route_handlers=route_handlers,
        stores=_stores(settings),
        dependencies={
            "services": Provide(provide_services, sync_to_thread=False),
            "knowledge": Provide(provide_knowledge, sync_to_thread=False),
        },
        template_config=TemplateConfig(
            engine=JinjaTemplateEngine.from_environment(make_environment()),
        ),
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="svar_csrf",
            cookie_secure=settings.is_prod,
            cookie_samesite="lax",
            header_name="x-csrftoken",
            exclude=["/static", "/health", "/ready"],
        ),
        compression_config=CompressionConfig(
            backend="gzip",
            minimum_size=512,
            gzip_compress_level=6,
            middleware_class=CompressBodies,
        ),
        plugins=[HTMXPlugin()],
        middleware=_proxy_middleware(settings),
        exception_handlers={
            NotFoundException: errors.not_found,
            HTTPException: errors.http_error,
            Exception: errors.server_error,
            **STAFF_EXCEPTION_HANDLERS,
        },
        before_send=[security_headers_hook(hsts=settings.is_prod), staff_headers_hook()],
        lifespan=[lifespan],
        debug=False,
        state=None,
    )


@cache
def _freeze_start_up() -> None:
    """What start-up built lives as long as the process: keep it out of the collector's full
    passes, which otherwise walk every module, template and mapper again. Once per process.
    """
    gc.freeze()


def _proxy_middleware(settings: Settings) -> list[DefineMiddleware]:
    """Behind trusted proxies, the client is the rightmost ``X-Forwarded-For`` hop not a proxy.

    Outermost, so rate limits, the sign-in throttle and the audit trail all see that client.
    """
    if not settings.trusted_proxy_list:
        return []
    return [DefineMiddleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_list)]


def _stores(settings: Settings) -> dict[str, Store]:
    """Rate-limit counters in memory, or in Redis when several instances must share them."""
    if not settings.redis_url:
        return {"rate_limit": MemoryStore()}
    from litestar.stores.redis import RedisStore

    return {"rate_limit": RedisStore.with_client(settings.redis_url, namespace="svar-rate-limit")}


@asynccontextmanager
async def _background_work(services: Services) -> AsyncIterator[None]:
    """Start the in-process outbox worker and housekeeping unless ``portal worker`` does them."""
    if not services.settings.outbox_in_process:
        yield
        return
    from portal.housekeeping import Housekeeping
    from portal.mail.worker import OutboxWorker
    from portal.sla.schedule import PromiseKeeper

    worker, housekeeping = OutboxWorker(services), Housekeeping(services)
    keeper = PromiseKeeper(services)
    await worker.start()
    await housekeeping.start()
    await keeper.start()
    try:
        yield
    finally:
        await keeper.stop()
        await housekeeping.stop()
        await worker.stop()
