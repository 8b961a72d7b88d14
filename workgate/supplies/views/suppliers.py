"""Pages of supplies: suppliers (placeholder until the pages land)."""

urlpatterns: list = []
