"""App config for health: gate checks, rounds, declarations, pass codes, fever incidents."""

import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthConfig(AppConfig):
    name = "workgate.health"
    label = "health"
    verbose_name = _("Daily health")

    def ready(self) -> None:
        from workgate.core.schedule import register_periodic
        from workgate.health import notifications, tasks, timeline

        timeline.register()
        notifications.register()
        register_periodic(
            "health.incidents_escalate", dt.timedelta(minutes=1), tasks.incidents_escalate
        )
        register_periodic(
            "health.checks_storage_maintain", dt.timedelta(hours=1), tasks.checks_storage_maintain
        )
