"""Pages of supplies; each view module lists its own paths."""

from workgate.supplies.views import allocation, catalogue, orders, stock, suppliers

app_name = "supplies"

urlpatterns = [
    *stock.urlpatterns,
    *suppliers.urlpatterns,
    *allocation.urlpatterns,
    *orders.urlpatterns,
    *catalogue.urlpatterns,
]
