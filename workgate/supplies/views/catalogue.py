"""Pages of supplies: catalogue (placeholder until the pages land)."""

urlpatterns: list = []
