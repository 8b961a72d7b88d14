"""Forms of the registry pages. They parse what people type; services decide what is valid."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from workgate.core.models import Enterprise
from workgate.registry.models import Employee, Region, RosterImport, Shift, TravelRecord, Workshop


class EnterpriseForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    industry = forms.CharField(label=_("Industry"), max_length=100, required=False)
    size = forms.ChoiceField(label=_("Size"), choices=Enterprise.Size.choices)
    contact_name = forms.CharField(label=_("Contact officer"), max_length=50, required=False)
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )


class RegionField(forms.CharField):
    """A place typed as text ("湖北省 武汉市", "武汉"), resolved to a Region."""

    def clean(self, value: Any) -> Region | None:  # type: ignore[override]
        text = super().clean(value)
        if not text:
            return None
        from workgate.registry.region_names import region_code_from_text

        region = Region.objects.filter(full_name=text).first()
        if region is None and (code := region_code_from_text(text)):
            region = Region.objects.filter(code=code).first()
        if region is None:
            raise forms.ValidationError(
                _("No region is called “%(text)s”. Type a province and city, e.g. 湖北省 武汉市."),
                params={"text": text},
            )
        return region


class EmployeeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(
        label=_("Resident ID number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    current_region = RegionField(
        label=_("Current whereabouts (region)"),
        required=False,
        widget=forms.TextInput(attrs={"list": "region-names"}),
    )
    current_address = forms.CharField(label=_("Current address"), max_length=200, required=False)
    arrival_date = forms.DateField(
        label=_("Arrival date (planned or actual)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    arrived = forms.BooleanField(label=_("Has arrived"), required=False)
    workshop = forms.ModelChoiceField(
        label=_("Workshop"), queryset=Workshop.objects.none(), required=False
    )
    shift = forms.ModelChoiceField(label=_("Shift"), queryset=Shift.objects.none(), required=False)
    dorm_room = forms.CharField(label=_("Dorm room"), max_length=50, required=False)
    job_status = forms.ChoiceField(label=_("Job status"), choices=Employee.JobStatus.choices)

    def __init__(self, *args: Any, enterprise: Enterprise, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["workshop"].queryset = Workshop.objects.filter(enterprise=enterprise)  # type: ignore[attr-defined]
        self.fields["shift"].queryset = Shift.objects.filter(enterprise=enterprise)  # type: ignore[attr-defined]

    @classmethod
    def initial_from(cls, employee: Employee) -> dict[str, Any]:
        return {
            "name": employee.name,
            "id_number": employee.id_number,
            "mobile": employee.mobile,
            "current_region": employee.current_region.full_name if employee.current_region else "",
            "current_address": employee.current_address,
            "arrival_date": employee.arrival_date,
            "arrived": employee.arrived,
            "workshop": employee.workshop_id,
            "shift": employee.shift_id,
            "dorm_room": employee.dorm_room,
            "job_status": employee.job_status,
        }


class TravelForm(forms.Form):
    region = RegionField(label=_("Region"), widget=forms.TextInput(attrs={"list": "region-names"}))
    date_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    means = forms.ChoiceField(label=_("Means"), choices=TravelRecord.Means.choices)


class PartForm(forms.Form):
    """Add a site, workshop or shift."""

    kind = forms.ChoiceField(
        choices=[("site", _("Site")), ("workshop", _("Workshop")), ("shift", _("Shift"))],
        widget=forms.HiddenInput,
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    starts = forms.TimeField(
        label=_("Starts"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    ends = forms.TimeField(
        label=_("Ends"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file (xlsx, xls or csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv,.txt"}),
    )


class PolicyForm(forms.Form):
    policy = forms.ChoiceField(
        label=_("If some rows are wrong"),
        choices=RosterImport.Policy.choices,
        widget=forms.RadioSelect,
        initial=RosterImport.Policy.VALID_ROWS,
    )
