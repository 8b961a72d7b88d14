"""Pages of daily health; each view module lists its own paths."""

from workgate.health.views import gate, incidents, personal, rounds

app_name = "health"

urlpatterns = [
    *gate.urlpatterns,
    *rounds.urlpatterns,
    *personal.urlpatterns,
    *incidents.urlpatterns,
]
