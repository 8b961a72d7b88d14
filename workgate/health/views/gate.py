"""Pages: the gate station (a phone or tablet at an entrance) and the gates of an enterprise.

The station page is a shell: its script downloads the gate's roster, keeps it and the checks
taken in the browser, and uploads them through the API (`/api/v1/checks/batch`), so it keeps
working when the network drops. Managers add gates and take them out of use here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from workgate.core.access import Actor, Perm, actor_of, fetch, require, scope
from workgate.core.models import Enterprise
from workgate.core.services import ServiceError
from workgate.duty import queries as duty_queries
from workgate.health import queries, services
from workgate.health.models import PLAUSIBLE_HIGH, PLAUSIBLE_LOW, Gate
from workgate.health.rules import settings_for
from workgate.health.services import MAX_MASKS

GATES_PER_PAGE = 30
SERVICE_WORKER = Path(__file__).resolve().parent.parent / "static" / "health" / "station-sw.js"


class GateForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Gate name"), max_length=100, required=False)
    enterprise = forms.ModelChoiceField(
        label=gettext_lazy("Enterprise"),
        queryset=Enterprise.objects.none(),
        empty_label=gettext_lazy("Choose the enterprise"),
        error_messages={
            "required": gettext_lazy("Choose the enterprise the gate belongs to."),
            "invalid_choice": gettext_lazy("Choose an enterprise from the list."),
        },
    )

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if actor.community_wide:
            self.fields["enterprise"].queryset = scope(  # type: ignore[attr-defined]
                actor, Enterprise.objects.all()
            ).order_by("name")
        else:
            del self.fields["enterprise"]


def _list_context(request: HttpRequest, actor: Actor, form: GateForm | None) -> dict[str, Any]:
    can_manage = actor.can(Perm.GATE_MANAGE)
    gates = queries.gates(actor)
    if not can_manage:
        gates = gates.filter(is_active=True)
    search = request.GET.get("q", "").strip()
    if search:
        gates = gates.filter(Q(name__icontains=search) | Q(enterprise__name__icontains=search))
    page = Paginator(gates, GATES_PER_PAGE).get_page(request.GET.get("page"))
    if can_manage and form is None:
        form = GateForm(actor=actor)
    return {
        "page": page,
        "search": search,
        "query": urlencode({"q": search}) if search else "",
        "can_manage": can_manage,
        "community_wide": actor.community_wide,
        "form": form,
    }


@require(Perm.CHECK_RECORD)
def stations(request: HttpRequest) -> HttpResponse:
    """The gates this person may work at; with only one to choose, straight to it."""
    actor = actor_of(request)
    if not actor.can(Perm.GATE_MANAGE) and "q" not in request.GET:
        active = list(queries.gates(actor).filter(is_active=True).values_list("pk", flat=True)[:2])
        if len(active) == 1:
            return redirect("health:station", gate_id=active[0])
    return render(request, "health/stations.html", _list_context(request, actor, None))


@require_POST
@require(Perm.GATE_MANAGE)
def gate_add(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = GateForm(request.POST, actor=actor)
    if form.is_valid():
        if actor.community_wide:
            enterprise = form.cleaned_data["enterprise"]
        else:
            enterprise = fetch(
                actor, Enterprise.objects.all(), Perm.GATE_MANAGE, pk=actor.enterprise_id
            )
        try:
            gate = services.gate_add(
                actor=actor, enterprise=enterprise, name=form.cleaned_data["name"]
            )
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Gate “%(name)s” added.") % {"name": gate.name})
            return redirect("health:stations")
    return render(request, "health/stations.html", _list_context(request, actor, form))


@require_POST
@require(Perm.GATE_MANAGE)
def gate_set_active(request: HttpRequest, gate_id: int) -> HttpResponse:
    actor = actor_of(request)
    gate = fetch(actor, Gate.objects.all(), Perm.GATE_MANAGE, pk=gate_id)
    active = request.POST.get("active") == "1"
    services.gate_set_active(actor=actor, gate=gate, active=active)
    if active:
        messages.success(request, _("Gate “%(name)s” is in use again.") % {"name": gate.name})
    else:
        messages.success(
            request,
            _("Gate “%(name)s” is no longer in use: its stations cannot record checks.")
            % {"name": gate.name},
        )
    return redirect("health:stations")


def _station_texts() -> dict[str, str]:
    """What the station's script says, in the user's language (placeholders in %(name)s)."""
    return {
        "online": _("Online"),
        "offline": _("Offline: checks are kept on this device"),
        "no_roster": _(
            "The list of people is not on this device yet: connect to the network once."
        ),
        "roster": _("%(n)s people, list of %(time)s"),
        "uploaded": _("uploaded %(time)s"),
        "never_uploaded": _("nothing uploaded yet"),
        "sign_in": _("Sign in again to upload: the checks stay on this device until then."),
        "no_match": _(
            "Nobody matches “%(q)s”. Scan the pass again, or type the last 4 digits of the "
            "ID number or phone."
        ),
        "too_many": _("%(n)s people match: type more digits."),
        "unknown_code": _("Pass code %(code)s is not in this gate's list"),
        "unknown_hint": _("Record anyway: the server checks the code when it uploads."),
        "id_tail": _("ID …%(tail)s"),
        "phone_tail": _("phone …%(tail)s"),
        "need_person": _(
            "Find the person first: scan their pass, or type the last digits of their ID or phone."
        ),
        "need_temp": _("Enter the temperature on the pad."),
        "not_number": _("“%(value)s” is not a temperature."),
        "implausible": _(
            "%(value)s °C cannot be right: readings must be between %(low)s and %(high)s °C."
        ),
        "fever": _("Fever — entry refused"),
        "fever_sub": _("Alert raised. Take the person aside for a re-check."),
        "red": _("Entry refused: pass is red"),
        "red_sub": _("The temperature was recorded. Send the person to the duty officer."),
        "enter": _("Enter"),
        "unverified": _("Recorded — pass not verified"),
        "unverified_sub": _(
            "This code is not in the gate's list: look at the person's pass before letting them in."
        ),
        "next": _("Next person"),
        "camera_error": _("The camera cannot be opened: %(reason)s"),
        "camera_none": _("No camera on this device, or permission was refused."),
        "rejected": _("Refused by the server"),
        "dismiss": _("Dismiss"),
        "problems": _("⚠ %(n)s refused"),
        "no_storage": _(
            "This browser does not keep data (private mode?): checks not uploaded are lost if "
            "the page closes."
        ),
    }


@require(Perm.CHECK_RECORD)
def station(request: HttpRequest, gate_id: int) -> HttpResponse:
    """The gate station: find the person, take the temperature, one tap to record."""
    actor = actor_of(request)
    gate = fetch(actor, Gate.objects.select_related("enterprise"), Perm.CHECK_RECORD, pk=gate_id)
    hs, _tz = settings_for(gate.enterprise.community_id)
    return render(
        request,
        "health/station.html",
        {
            "gate": gate,
            "fever_threshold": hs.fever_threshold,
            "plausible_low": PLAUSIBLE_LOW,
            "plausible_high": PLAUSIBLE_HIGH,
            "max_masks": MAX_MASKS,
            "quick_values": ["36.2", "36.3", "36.4", "36.5", "36.6", "36.7", "36.8"],
            "roster_url": reverse("api:gate_roster", kwargs={"gate_id": gate.pk}),
            "batch_url": reverse("api:checks_batch"),
            "texts": _station_texts(),
            "can_manage": actor.can(Perm.GATE_MANAGE),
            # Duty rosters: who is on duty at this gate now.
            "duty_now": duty_queries.on_duty(gate.enterprise.community_id, gate_id=gate.pk),
        },
    )


@require(Perm.CHECK_RECORD)
def station_sw(request: HttpRequest) -> HttpResponse:
    """The station's service worker, served under /health/station/ so that it may keep the
    station pages for a reload while offline (a worker's reach is the folder it comes from)."""
    return HttpResponse(
        SERVICE_WORKER.read_bytes(),
        content_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "no-cache"},
    )


urlpatterns: list[URLPattern] = [
    path("station/", stations, name="stations"),
    path("station/sw.js", station_sw, name="station_sw"),
    path("station/gates/add/", gate_add, name="gate_add"),
    path("station/gates/<int:gate_id>/active/", gate_set_active, name="gate_set_active"),
    path("station/<int:gate_id>/", station, name="station"),
]
