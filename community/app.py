"""FastAPI application factory: routers, error mapping, templates and static files."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Optional

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from .api import accounts as api_accounts
from .api import activities as api_activities
from .api import devices as api_devices
from .api import households as api_households
from .api import notices as api_notices
from .api import reminders as api_reminders
from .api import sync as api_sync
from .api.schemas import explain_validation
from .clock import Clock, SystemClock
from .config import Settings
from .db import Database
from .errors import CommunityError, NotAuthenticated
from .middleware import BodyLimit, DeviceGuard
from .security import Throttle, ThrottleRules
from .web import api_docs as web_api_docs
from .web import family as web_family
from .web import pages as web_pages
from .web import staff as web_staff
from .web import staff_attendance as web_staff_attendance
from .web import staff_help as web_staff_help
from .web import staff_homes as web_staff_homes
from .web import staff_household as web_staff_household
from .web import staff_polls as web_staff_polls
from .web import staff_series as web_staff_series
from .web import volunteer as web_volunteer
from .web import young as web_young
from .web.render import render_error

_LOGGER = logging.getLogger(__name__)
_STATIC = Path(__file__).resolve().parent / "static"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def _error(
    request: Request,
    status: int,
    code: str,
    message: str,
    extra: Optional[Any] = None,
    detail: str = "",
) -> Response:
    """The JSON error body for the API (message, then the detail in brackets), else the error page.

    message: plain Chinese; detail: the reason for programs (API only; pages show the message alone)
    """
    if _is_api(request):
        body: dict = {"error": {"code": code, "message": f"{message} ({detail})" if detail else message}}
        if extra is not None:
            body["error"]["fields"] = extra
        return JSONResponse(body, status_code=status)
    if status == 401:
        return RedirectResponse("/login", status_code=303)
    # The page keeps the header with the user's name and 退出, which needs a database read.
    return await run_in_threadpool(render_error, request, status, message)


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(CommunityError)
    async def _community(request: Request, exc: CommunityError) -> Response:
        if isinstance(exc, NotAuthenticated) and _is_api(request):
            return JSONResponse(
                {"error": {"code": exc.code, "message": exc.explained}},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        fields = [{"loc": [exc.field], "msg": exc.detail}] if exc.field else None
        return await _error(request, exc.status, exc.code, exc.message, fields, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        fields = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))} for e in exc.errors()
        ]
        first = fields[0] if fields else {"loc": [], "msg": "invalid request"}
        detail = f"{'.'.join(first['loc'])}: {first['msg']}"
        errors = exc.errors()
        message = explain_validation(errors[0]) if errors else "请求的内容不对"
        if not _is_api(request):
            message = f"网页地址不对（{message}），请从菜单重新打开"
        return await _error(request, 422, "invalid", message, fields, detail)

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> Response:
        _LOGGER.info("integrity conflict: %s", exc.orig)
        message = "和已有的内容冲突了，请刷新页面再试"
        return await _error(request, 409, "conflict", message, detail="duplicate or concurrent change")

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> Response:
        # e.g. PostgreSQL refuses NUL bytes in text ("a\x00b" as an id or a user name).
        _LOGGER.info("data refused by the database: %s", exc.orig)
        return await _error(
            request, 422, "invalid", "输入含有无效字符或超出范围", detail="value refused by the database"
        )

    @app.exception_handler(OperationalError)
    async def _busy(request: Request, exc: OperationalError) -> Response:
        _LOGGER.warning("database busy: %s", exc.orig)
        return await _error(request, 503, "busy", "服务器繁忙，请稍后再试")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http")
        message = {404: "找不到这个页面", 405: "这个地址不能这样打开"}.get(exc.status_code, "请求出错了")
        return await _error(request, exc.status_code, code, message, detail=str(exc.detail))


def create_app(
    settings: Settings, clock: Optional[Clock] = None, database: Optional[Database] = None
) -> FastAPI:
    """Build the app.

    settings: server settings
    clock: wall clock (tests pass a fake one)
    database: an open Database (default: from settings; the schema must be migrated)
    """
    app = FastAPI(
        title="越巢社区服务器 API",
        version="1",
        docs_url=None,  # /api/docs is web/api_docs.py: Swagger UI's CDN files are blocked by our CSP
        openapi_url="/api/v1/openapi.json",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.clock = clock or SystemClock()
    app.state.database = database or Database.from_settings(settings)
    app.state.throttle = Throttle(ThrottleRules.from_settings(settings))
    for module in (
        api_accounts,
        api_households,
        api_activities,
        api_reminders,
        api_notices,
        api_devices,
        api_sync,
        web_pages,
        web_family,
        web_staff,
        web_staff_homes,
        web_staff_series,
        web_staff_attendance,
        web_staff_household,
        web_staff_help,
        web_staff_polls,
        web_young,
        web_volunteer,
        web_api_docs,
    ):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=_STATIC), name="static")
    _install_handlers(app)
    app.add_middleware(DeviceGuard)  # inside BodyLimit, which adds the security headers
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    return app


def app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory` (settings come from the environment)."""
    return create_app(Settings.load())
