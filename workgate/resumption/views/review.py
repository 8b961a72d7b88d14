"""Placeholder: filled in by its owner."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from workgate.core.access import Perm, require


@require(Perm.RESUMPTION_VIEW)
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse("")


urlpatterns = [path("applications/<int:pk>/", application_detail, name="application")]
