"""Pages of supplies: stock (placeholder until the pages land)."""

urlpatterns: list = []
