"""App config for screening: region risk, employee risk, phone campaigns, return plans."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreeningConfig(AppConfig):
    name = "workgate.screening"
    label = "screening"
    verbose_name = _("Screening")

    def ready(self) -> None:
        from workgate.core.jobs import register_job_runner
        from workgate.screening import timeline

        timeline.register()
        register_job_runner("screening_reassess", "workgate.screening.assessment.reassess_run")
        register_job_runner(
            "screening_campaign_build", "workgate.screening.services.campaign_build_run"
        )
