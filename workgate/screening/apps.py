"""App config for screening: region risk, employee risk, phone campaigns, return plans."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreeningConfig(AppConfig):
    name = "workgate.screening"
    label = "screening"
    verbose_name = _("Screening")
