"""Pages of supplies: orders (placeholder until the pages land)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from workgate.core.access import Perm, require


@require(Perm.ORDER_VIEW)
def orders(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")


urlpatterns = [path("orders/", orders, name="orders")]
