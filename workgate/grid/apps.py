"""App config for grids (网格): groups of employees and the member responsible for each."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridConfig(AppConfig):
    name = "workgate.grid"
    label = "grid"
    verbose_name = _("Grids")
