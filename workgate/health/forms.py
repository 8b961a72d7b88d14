"""Forms of the daily-health pages: the community's health settings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from workgate.health.models import HealthSettings


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class HealthSettingsForm(forms.ModelForm):
    """Fever threshold, round times, upload limits, incident step limits, retention."""

    GROUPS = (
        ("fever", _("Fever"), ("fever_threshold",)),
        ("rounds", _("Three rounds a day"), ("round_1", "round_2", "round_3")),
        ("late", _("Checks sent late or early"), ("late_limit_hours", "future_tolerance_minutes")),
        (
            "incident",
            _("Time limits of a fever incident"),
            ("recheck_minutes", "isolate_minutes", "clinic_hours", "close_hours"),
        ),
        ("storage", _("Storage"), ("retention_days",)),
    )

    class Meta:
        model = HealthSettings
        fields = (
            "fever_threshold",
            "round_1",
            "round_2",
            "round_3",
            "late_limit_hours",
            "future_tolerance_minutes",
            "recheck_minutes",
            "isolate_minutes",
            "clinic_hours",
            "close_hours",
            "retention_days",
        )
        widgets = {
            "round_1": TimeInput(),
            "round_2": TimeInput(),
            "round_3": TimeInput(),
            "fever_threshold": forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
        }
        help_texts = {
            "fever_threshold": _("A reading at or above this is a fever: 37.0 to 38.5 °C."),
            "late_limit_hours": _("A device that was offline may upload checks this late."),
            "future_tolerance_minutes": _("Checks timed further ahead than this are refused."),
            "retention_days": _("Older checks are deleted: at least 14 days."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.fields:
            if name != "fever_threshold" and not name.startswith("round_"):
                self.fields[name].widget.attrs.setdefault("inputmode", "numeric")

    def groups(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        return [(key, str(title), [self[n] for n in names]) for key, title, names in self.GROUPS]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        r1, r2, r3 = data.get("round_1"), data.get("round_2"), data.get("round_3")
        if r1 and r2 and r3:
            message = _("The rounds must be in order through the day: round 1, then 2, then 3.")
            if not r1 < r2:
                self.add_error("round_2", message)
            elif not r2 < r3:
                self.add_error("round_3", message)
        return data
