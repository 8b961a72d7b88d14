"""Pages of work resumption; each view module lists its own paths."""

from workgate.resumption.views import enterprise, progress, review

app_name = "resumption"

urlpatterns = [
    *enterprise.urlpatterns,
    *review.urlpatterns,
    *progress.urlpatterns,
]
