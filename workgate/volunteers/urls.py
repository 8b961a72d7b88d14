"""Pages of volunteers; each view module lists its own paths."""

app_name = "volunteers"

urlpatterns: list = []
