"""App config for core: tenancy, roles, authorisation, audit, masking, jobs and the page shell."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "workgate.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        import datetime as dt

        from workgate.core import signals  # noqa: F401  (connects the receivers)
        from workgate.core.channels import deliveries_send
        from workgate.core.schedule import register_periodic

        register_periodic("core.deliveries", dt.timedelta(minutes=1), deliveries_send)
