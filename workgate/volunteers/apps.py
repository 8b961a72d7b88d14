"""App config for volunteers: the volunteer body, teams and their groups, and call-outs."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "workgate.volunteers"
    label = "volunteers"
    verbose_name = _("Volunteers")

    def ready(self) -> None:
        from workgate.volunteers import notifications

        notifications.register()
