"""URL map: pages of each app, the API under /api/v1, language switching."""

from django.conf import settings
from django.urls import include, path

from workgate.api import api
from workgate.core.views import set_language

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", api.urls),
    path("registry/", include("workgate.registry.urls")),
    path("screening/", include("workgate.screening.urls")),
    path("health/", include("workgate.health.urls")),
    path("resumption/", include("workgate.resumption.urls")),
    path("supplies/", include("workgate.supplies.urls")),
    path("volunteers/", include("workgate.volunteers.urls")),
    path("duty/", include("workgate.duty.urls")),
    path("grid/", include("workgate.grid.urls")),
    path("", include("workgate.core.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
