"""App config for duty rosters: posts, shifts, assignments, swaps and reminders."""

import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutyConfig(AppConfig):
    name = "workgate.duty"
    label = "duty"
    verbose_name = _("Duty rosters")

    def ready(self) -> None:
        from workgate.core.schedule import register_periodic
        from workgate.duty import notifications, tasks

        notifications.register()
        register_periodic("duty.reminders", dt.timedelta(minutes=5), tasks.reminders)
