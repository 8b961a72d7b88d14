"""Forms of the screening pages: region risk, policy, risk lists, campaigns, callers, outcomes."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workgate.registry.forms import RegionField
from workgate.registry.models import TravelRecord
from workgate.screening.models import CallAttempt, Level

LEVEL_CHOICES = [("high", _("High")), ("medium", _("Medium")), ("low", _("Low"))]
AT_LEAST = [("", _("Any")), ("medium", _("Medium or high")), ("high", _("High"))]


class DateInput(forms.DateInput):
    input_type = "date"


class RegionRiskForm(forms.Form):
    region = RegionField(
        label=_("Region"),
        max_length=60,
        widget=forms.TextInput(attrs={"list": "region-names", "placeholder": _("e.g. 湖北省")}),
    )
    level = forms.ChoiceField(label=_("Risk level"), choices=LEVEL_CHOICES)
    effective_from = forms.DateField(label=_("In force from"), widget=DateInput, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class PolicyForm(forms.Form):
    window_days = forms.IntegerField(label=_("Travel window (days)"), min_value=1, max_value=60)
    quarantine_levels = forms.MultipleChoiceField(
        label=_("Levels that need quarantine on arrival"),
        choices=LEVEL_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    delay_levels = forms.MultipleChoiceField(
        label=_("Levels asked to delay return"),
        choices=LEVEL_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class RiskListForm(forms.Form):
    file = forms.FileField(label=_("Risk list (Excel or CSV)"))
    effective_from = forms.DateField(label=_("In force from"), widget=DateInput)
    default_level = forms.ChoiceField(
        label=_("Level for rows without one"),
        choices=[("", _("None: such rows are errors")), *LEVEL_CHOICES],
        required=False,
    )
    replaces = forms.BooleanField(
        label=_("This list replaces the current one (regions not on it go back to low)"),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["effective_from"].initial = timezone.localdate()


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    non_local = forms.BooleanField(label=_("Non-local employees only"), required=False)
    not_arrived = forms.BooleanField(label=_("Not yet back at work only"), required=False)
    provinces = forms.MultipleChoiceField(
        label=_("Household province in"), required=False, choices=[]
    )
    current_risk_at_least = forms.ChoiceField(
        label=_("Currently in a region of risk"), choices=AT_LEAST, required=False
    )
    travel_risk_at_least = forms.ChoiceField(
        label=_("Travel within the window touched a region of risk"),
        choices=AT_LEAST,
        required=False,
    )
    risk_at_least = forms.ChoiceField(
        label=_("Assessed risk of the person"), choices=AT_LEAST, required=False
    )
    not_reached_since = forms.DateField(
        label=_("Not reached by a call since"), widget=DateInput, required=False
    )
    enterprises = forms.MultipleChoiceField(label=_("Enterprises"), required=False, choices=[])
    retry_minutes = forms.IntegerField(
        label=_("Retry a no-answer after (minutes)"), min_value=1, max_value=1440, initial=30
    )
    max_attempts = forms.IntegerField(
        label=_("Attempts per person"), min_value=1, max_value=10, initial=3
    )

    def __init__(
        self,
        *args: Any,
        provinces: list[tuple[str, str]],
        enterprises: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provinces"].choices = provinces
        self.fields["enterprises"].choices = [(str(pk), name) for pk, name in enterprises]

    def target(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "non_local": data.get("non_local") or False,
            "not_arrived": data.get("not_arrived") or False,
            "provinces": data.get("provinces") or [],
            "current_risk_at_least": data.get("current_risk_at_least") or "",
            "travel_risk_at_least": data.get("travel_risk_at_least") or "",
            "risk_at_least": data.get("risk_at_least") or "",
            "not_reached_since": data["not_reached_since"].isoformat()
            if data.get("not_reached_since")
            else None,
            "enterprises": [int(e) for e in data.get("enterprises") or []],
        }


class CallersForm(forms.Form):
    users = forms.MultipleChoiceField(label=_("People"), choices=[])
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=50, initial=1)

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["users"].choices = [(str(pk), label) for pk, label in people]


class CallerForm(forms.Form):
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=50)
    active = forms.BooleanField(label=_("Active"), required=False)


class ReassignForm(forms.Form):
    to = forms.IntegerField()


class OutcomeForm(forms.Form):
    client_id = forms.UUIDField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label=_("What happened"), choices=CallAttempt.Outcome.choices, widget=forms.RadioSelect
    )
    region = RegionField(
        label=_("Where the person is now"),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"list": "region-names", "autocomplete": "off"}),
    )
    address = forms.CharField(label=_("Address there"), max_length=200, required=False)
    return_date = forms.DateField(label=_("Planned return date"), widget=DateInput, required=False)
    return_means = forms.ChoiceField(
        label=_("Coming back by"),
        choices=[("", "—"), *TravelRecord.Means.choices],
        required=False,
    )
    delay_agreed = forms.BooleanField(label=_("Agreed to delay return"), required=False)
    quarantine_needed = forms.BooleanField(label=_("Needs quarantine on arrival"), required=False)
    contact_with_case = forms.BooleanField(label=_("Had contact with a case"), required=False)
    notes = forms.CharField(
        label=_("Notes"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            # One id per form shown: a second tap or a resend carries the same id.
            self.fields["client_id"].initial = uuid.uuid4()


__all__ = ["Level"]
