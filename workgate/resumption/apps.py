"""App config for resumption: the four in place, applications and their same-day review,
batches, the back-to-work dashboard and the daily report upward."""

import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResumptionConfig(AppConfig):
    name = "workgate.resumption"
    label = "resumption"
    verbose_name = _("Work resumption")

    def ready(self) -> None:
        from workgate.core.schedule import register_periodic
        from workgate.resumption import notifications, tasks

        notifications.register()
        register_periodic(
            "resumption.resumptions_detect", dt.timedelta(minutes=5), tasks.resumptions_detect
        )
        register_periodic(
            "resumption.overdue_notify", dt.timedelta(minutes=10), tasks.overdue_notify
        )
