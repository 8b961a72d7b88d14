"""App config for supplies: the materials catalogue, stock ledgers, suppliers and their offers,
needs, the supermarket's allocation and the orders it issues."""

import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliesConfig(AppConfig):
    name = "workgate.supplies"
    label = "supplies"
    verbose_name = _("Supplies")

    def ready(self) -> None:
        from workgate.core.schedule import register_periodic
        from workgate.supplies import notifications, tasks

        notifications.register()
        register_periodic("supplies.gate_draw", dt.timedelta(minutes=10), tasks.gate_draw)
        register_periodic("supplies.shortages", dt.timedelta(hours=1), tasks.shortages_notify)
