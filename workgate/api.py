"""The API root: /api/v1, its authentication (session or bearer token) and its one error format."""

from __future__ import annotations

import time
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from workgate.core.access import Actor
from workgate.core.models import Role
from workgate.core.services import ServiceError, token_authenticate


class SessionActorAuth(SessionAuth):
    """A signed-in browser: the acting membership (CSRF is checked by ninja)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Actor | None:
        if request.user.is_authenticated:
            return getattr(request, "actor", None) or None
        return None


# A device posting a check every few hundred milliseconds would otherwise pay a token query on
# each request. Tokens are remembered per process for a few seconds, so revoking one takes
# effect within TOKEN_CACHE_SECONDS (docs/decisions/0007-api-tokens.md).
TOKEN_CACHE_SECONDS = 10.0
_token_cache: dict[str, tuple[float, Actor]] = {}


def token_cache_clear() -> None:
    _token_cache.clear()


class TokenAuth(HttpBearer):
    """A device or integration: `Authorization: Bearer wg_…`."""

    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        now = time.monotonic()
        hit = _token_cache.get(token)
        if hit is not None and now - hit[0] < TOKEN_CACHE_SECONDS:
            return hit[1]
        api_token = token_authenticate(token)
        if api_token is None:
            _token_cache.pop(token, None)
            return None
        actor = Actor(
            community_id=api_token.community_id,
            enterprise_id=api_token.enterprise_id,
            role=Role(api_token.role),
            token=api_token,
        )
        if len(_token_cache) > 10_000:
            _token_cache.clear()
        _token_cache[token] = (now, actor)
        return actor


api = NinjaAPI(
    title="Workgate API",
    version="1",
    urls_namespace="api",
    auth=[TokenAuth(), SessionActorAuth()],
    docs_url="/docs",
)


def error_response(
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    fields: dict[str, Any] | None = None,
) -> HttpResponse:
    return api.create_response(
        request,
        {"error": {"code": code, "message": message, "fields": fields or {}}},
        status=status,
    )


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, str] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload")]
        fields[".".join(loc) or "_"] = err.get("msg", "")
    return error_response(request, 422, "invalid", _("Some fields are not valid."), fields)


@api.exception_handler(ServiceError)
def on_service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    fields = {exc.field: exc.message} if exc.field else {}
    return error_response(request, 400, exc.code, exc.message, fields)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(request, 401, "unauthenticated", _("Sign in or send a valid API token."))


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_response(request, 403, "forbidden", _("Your role may not do this."))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "not_found", _("Not found."))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(request, exc.status_code, "error", str(exc))


def _register_routers() -> None:
    from workgate.core.api import router as core_router
    from workgate.core.channel_api import router as channel_router
    from workgate.duty.api import router as duty_router
    from workgate.grid.api import router as grid_router
    from workgate.health.api import router as health_router
    from workgate.registry.api import router as registry_router
    from workgate.resumption.api import router as resumption_router
    from workgate.resumption.progress_api import router as progress_router
    from workgate.screening.api import router as screening_router
    from workgate.supplies.api import router as supplies_router
    from workgate.volunteers.api import router as volunteers_router

    api.add_router("", core_router)
    api.add_router("", registry_router)
    api.add_router("", screening_router)
    api.add_router("", health_router)
    api.add_router("", resumption_router)
    api.add_router("", progress_router)
    api.add_router("", supplies_router)
    api.add_router("", volunteers_router)
    api.add_router("", duty_router)
    api.add_router("", grid_router)
    api.add_router("", channel_router)


_register_routers()
