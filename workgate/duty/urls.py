"""Pages of duty; each view module lists its own paths."""

from workgate.duty.views import roster, swaps

app_name = "duty"

urlpatterns = [*roster.urlpatterns, *swaps.urlpatterns]
