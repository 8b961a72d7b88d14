"""Pages of volunteers; each view module lists its own paths."""

from workgate.volunteers.views import callouts, teams, volunteers

app_name = "volunteers"

urlpatterns = [
    *volunteers.urlpatterns,
    *teams.urlpatterns,
    *callouts.urlpatterns,
]
