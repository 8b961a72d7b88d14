"""Pages of duty; each view module lists its own paths."""

app_name = "duty"

urlpatterns: list = []
