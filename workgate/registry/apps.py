"""App config for the registry: regions, sites, workshops, shifts and one file per employee."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "workgate.registry"
    label = "registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        from workgate.registry.regions import load_regions_after_migrate

        post_migrate.connect(load_regions_after_migrate, sender=self)

        from workgate.core.jobs import register_job_runner

        register_job_runner("roster_preview", "workgate.registry.importing.jobs.preview_run")
        register_job_runner("roster_import", "workgate.registry.importing.jobs.import_run")
        register_job_runner("employee_export", "workgate.registry.exporting.export_run")
