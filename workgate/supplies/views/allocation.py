"""Pages of supplies: allocation (placeholder until the pages land)."""

urlpatterns: list = []
