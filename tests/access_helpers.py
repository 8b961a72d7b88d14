"""`assert_refused`: given a URL and the roles allowed there, every weaker role and every other
tenant must be refused. Each new page and endpoint gets one call of it."""

from __future__ import annotations

from collections.abc import Iterable

from tests.conftest import PERSONAS, World
from workgate.core.models import Role

OUTSIDERS = ("outsider_staff", "outsider_leader", "outsider_officer")


def assert_refused(
    world: World,
    url: str,
    allowed: Iterable[Role],
    *,
    method: str = "get",
    data: dict | None = None,
    allowed_personas: Iterable[str] | None = None,
    marker: str | None = None,
) -> None:
    """Anonymous → sign-in page (401 on the API); roles not in `allowed` → 403 (or 404);
    another community → 403/404 for a URL naming an object, and for a list URL its allowed
    roles see none of this tenant's data (`marker`, by default enterprise A's name)."""
    allowed = set(allowed)
    marker = marker if marker is not None else world.enterprise_a.name
    anonymous = getattr(world.client(None), method)(url, data or {})
    if url.startswith("/api/"):
        assert anonymous.status_code == 401, (url, "anonymous", anonymous.status_code)
    else:
        assert anonymous.status_code == 302, (url, "anonymous", anonymous.status_code)
        assert "/login/" in anonymous["Location"], (url, anonymous["Location"])

    insiders = [p for p in PERSONAS if p not in OUTSIDERS]
    permitted = (
        set(allowed_personas)
        if allowed_personas is not None
        else {p for p in insiders if PERSONAS[p] in allowed}
    )
    for persona in insiders:
        response = getattr(world.client(persona), method)(url, data or {})
        if persona in permitted:
            assert response.status_code < 400, (url, persona, response.status_code)
        else:
            assert response.status_code in (403, 404), (url, persona, response.status_code)

    names_object = any(p.isdigit() or len(p) == 36 for p in url.split("?")[0].strip("/").split("/"))
    for persona in OUTSIDERS:
        response = getattr(world.client(persona), method)(url, data or {})
        if names_object or PERSONAS[persona] not in allowed:
            assert response.status_code in (403, 404), (url, persona, response.status_code)
        else:
            assert response.status_code < 400, (url, persona, response.status_code)
            assert marker not in response.content.decode(), (url, persona, "sees another tenant")
