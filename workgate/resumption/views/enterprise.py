"""Placeholder: filled in by its owner."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from workgate.core.access import Perm, require


@require(Perm.RESUMPTION_VIEW)
def enterprise_page(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse("")


urlpatterns = [path("enterprises/<int:pk>/", enterprise_page, name="enterprise")]
