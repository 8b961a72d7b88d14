"""The employee's own pages, phone-first: today's health declaration and the personal pass."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from workgate.core.access import Actor, Perm, actor_of, require
from workgate.core.services import ServiceError
from workgate.health import queries, services
from workgate.health.file_panel import open_incident
from workgate.health.models import Declaration
from workgate.health.passes import code_groups, qr_svg
from workgate.health.rules import settings_for
from workgate.registry import queries as registry_queries
from workgate.registry.forms import RegionField
from workgate.registry.models import Employee

YES, NO = "yes", "no"


class DeclarationForm(forms.Form):
    temperature = forms.CharField(
        label=gettext_lazy("Temperature (°C)"),
        max_length=10,
        error_messages={"required": gettext_lazy("Enter your temperature, e.g. 36.5.")},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    symptoms = forms.MultipleChoiceField(
        label=gettext_lazy("Symptoms today (tick none if you have none)"),
        choices=Declaration.Symptom.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    whereabouts = forms.ChoiceField(
        label=gettext_lazy("Where are you?"),
        choices=Declaration.Whereabouts.choices,
        error_messages={"required": gettext_lazy("Say where you are.")},
        widget=forms.RadioSelect,
    )
    region = RegionField(
        label=gettext_lazy("City or county you are in"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"list": "region-names", "autocomplete": "off"}),
    )
    address = forms.CharField(
        label=gettext_lazy("Address (optional)"), max_length=200, required=False
    )
    contact_with_case = forms.ChoiceField(
        label=gettext_lazy("Contact with a confirmed or suspected case in the last 14 days?"),
        choices=[(YES, gettext_lazy("Yes")), (NO, gettext_lazy("No"))],
        error_messages={
            "required": gettext_lazy("Answer whether you had contact with a case: yes or no.")
        },
        widget=forms.RadioSelect,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("whereabouts") == Declaration.Whereabouts.TRAVELLING:
            if not data.get("region") and "region" not in self.errors:
                self.add_error("region", _("Say which city or county you are in."))
        else:
            # Only a traveller says where; a place left over from an earlier answer is dropped.
            self.errors.pop("region", None)
            data["region"], data["address"] = None, ""
        return data

    @classmethod
    def initial_from(cls, declaration: Declaration) -> dict[str, Any]:
        return {
            "temperature": str(declaration.temperature),
            "symptoms": list(declaration.symptoms),
            "whereabouts": declaration.whereabouts,
            "region": declaration.region.full_name if declaration.region else "",
            "address": declaration.address,
            "contact_with_case": YES if declaration.contact_with_case else NO,
        }


def _own_employee(actor: Actor) -> Employee | None:
    return registry_queries.own_file(actor=actor)


def _no_file(request: HttpRequest) -> HttpResponse:
    return render(request, "health/declare_no_file.html", status=200)


def _declare_context(employee: Employee, form: DeclarationForm) -> dict[str, Any]:
    return {
        "employee": employee,
        "form": form,
        "today_declaration": queries.declaration_today(employee),
        "prefectures": registry_queries.prefectures(),
        "today": _today(employee),
    }


def _today(employee: Employee) -> dt.date:
    _hs, tz = settings_for(employee.community_id)
    return timezone.now().astimezone(tz).date()


@require(Perm.DECLARE)
def declare(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    employee = _own_employee(actor)
    if employee is None:
        return _no_file(request)
    if request.method == "POST":
        form = DeclarationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            region = data["region"]
            try:
                services.declaration_submit(
                    actor=actor,
                    employee=employee,
                    data=services.DeclarationInput(
                        temperature=data["temperature"],
                        symptoms=list(data["symptoms"]),
                        whereabouts=data["whereabouts"],
                        contact_with_case=data["contact_with_case"] == YES,
                        region_code=region.code if region else "",
                        address=data["address"],
                    ),
                )
            except ServiceError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("Today's declaration is saved."))
                return redirect("health:pass")
        return render(request, "health/declare.html", _declare_context(employee, form), status=400)
    existing = queries.declaration_today(employee)
    form = DeclarationForm(initial=DeclarationForm.initial_from(existing) if existing else None)
    return render(request, "health/declare.html", _declare_context(employee, form))


@require(Perm.DECLARE)
def personal_pass(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    employee = _own_employee(actor)
    if employee is None:
        return _no_file(request)
    code = services.pass_code_for(employee).code
    verdict = queries.verdict_for(employee)
    return render(
        request,
        "health/pass.html",
        {
            "employee": employee,
            "verdict": verdict,
            "qr": qr_svg(code, title=_("Pass code %(code)s") % {"code": code}),
            "code": code,
            "code_groups": code_groups(code),
            "today": _today(employee),
            "now": timezone.now(),
            "declaration": queries.declaration_today(employee),
            "incident": open_incident(employee),
        },
    )


@require_POST
@require(Perm.DECLARE)
def pass_reissue(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    employee = _own_employee(actor)
    if employee is None:
        return _no_file(request)
    services.pass_code_reissue(actor=actor, employee=employee)
    messages.success(
        request,
        _("You have a new pass code. The old one, and any screenshot of it, no longer work."),
    )
    return redirect("health:pass")


urlpatterns: list[URLPattern] = [
    path("declare/", declare, name="declare"),
    path("pass/", personal_pass, name="pass"),
    path("pass/reissue/", pass_reissue, name="pass_reissue"),
]
