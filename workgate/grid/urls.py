"""Pages of grid; each view module lists its own paths."""

from workgate.grid.views import manage, mine

app_name = "grid"

urlpatterns = [*mine.urlpatterns, *manage.urlpatterns]
