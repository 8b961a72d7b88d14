"""Campaign pages: define a target and preview it, launch, callers, live progress, lists."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workgate.core.access import Perm, fetch, require
from workgate.core.services import ServiceError
from workgate.registry import queries as registry_queries
from workgate.screening import queries, services
from workgate.screening.forms import CallerForm, CallersForm, CampaignForm, ReassignForm
from workgate.screening.models import Caller, Campaign


def _campaign_form(request: HttpRequest, data: object = None) -> CampaignForm:
    actor = request.actor  # type: ignore[attr-defined]
    return CampaignForm(
        data,
        provinces=[(p.province_code, p.name) for p in registry_queries.provinces()],
        enterprises=list(registry_queries.enterprises(actor=actor).values_list("pk", "name")),
    )


@require(Perm.CAMPAIGN_VIEW)
def campaign_list(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    rows = queries.campaigns(actor=actor)[:100]
    return render(
        request,
        "screening/campaign_list.html",
        {"campaigns": rows, "can_manage": actor.can(Perm.CAMPAIGN_MANAGE)},
    )


@require(Perm.CAMPAIGN_MANAGE)
def campaign_new(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    form = _campaign_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(
                actor=actor,
                name=form.cleaned_data["name"],
                target=form.target(),
                retry_minutes=form.cleaned_data["retry_minutes"],
                max_attempts=form.cleaned_data["max_attempts"],
            )
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("screening:campaign_detail", pk=campaign.pk)
    return render(request, "screening/campaign_new.html", {"form": form})


@require_POST
@require(Perm.CAMPAIGN_MANAGE)
def campaign_preview(request: HttpRequest) -> HttpResponse:
    form = _campaign_form(request, request.POST)
    form.fields["name"].required = False
    count = None
    error = ""
    if form.is_valid():
        try:
            count = services.campaign_preview(actor=request.actor, target=form.target())  # type: ignore[attr-defined]
        except ServiceError as exc:
            error = exc.message
    else:
        error = _("Some fields are not valid.")
    return render(request, "screening/partials/preview.html", {"count": count, "error": error})


def _detail_context(request: HttpRequest, campaign: Campaign) -> dict[str, object]:
    actor = request.actor  # type: ignore[attr-defined]
    callers = queries.by_caller(campaign)
    series = [{"key": "calls", "name": _("Calls")}, {"key": "reached", "name": _("Reached")}]
    return {
        "campaign": campaign,
        "figures": queries.campaign_progress(campaign),
        "callers": callers,
        "hours_chart": {"series": series, "rows": queries.calls_by_hour(campaign)},
        "callers_chart": {
            "horizontal": True,
            "series": series,
            "rows": [
                {"label": c["label"], "calls": c["calls"], "reached": c["reached"]}
                for c in sorted(callers, key=lambda c: -c["calls"])[:30]
            ],
        },
        "can_manage": actor.can(Perm.CAMPAIGN_MANAGE),
    }


@require(Perm.CAMPAIGN_VIEW)
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    campaign = queries.campaign(actor=actor, pk=pk)
    context = _detail_context(request, campaign)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "screening/campaign_detail.html#progress", context)
    if context["can_manage"] and campaign.status != Campaign.Status.CLOSED:
        taken = {c["user_id"] for c in context["callers"]}  # type: ignore[union-attr]
        people = [
            (u.pk, f"{u.full_name or u.username} ({u.username})")
            for u in services.eligible_callers(campaign.community_id)
            if u.pk not in taken
        ]
        context["callers_form"] = CallersForm(people=people)
    context["target"] = queries.Target.from_json(campaign.target)
    context["target_provinces"] = list(
        registry_queries.provinces()
        .filter(province_code__in=context["target"].provinces)  # type: ignore[attr-defined]
        .values_list("name", flat=True)
    )
    return render(request, "screening/campaign_detail.html", context)


@require_POST
@require(Perm.CAMPAIGN_MANAGE)
def campaign_launch(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    campaign = queries.campaign(actor=actor, pk=pk, perm=Perm.CAMPAIGN_MANAGE)
    try:
        services.campaign_launch(actor=actor, campaign=campaign)
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("screening:campaign_detail", pk=pk)


@require_POST
@require(Perm.CAMPAIGN_MANAGE)
def campaign_close(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    campaign = queries.campaign(actor=actor, pk=pk, perm=Perm.CAMPAIGN_MANAGE)
    try:
        services.campaign_close(actor=actor, campaign=campaign)
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("screening:campaign_detail", pk=pk)


@require_POST
@require(Perm.CAMPAIGN_MANAGE)
def callers_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    campaign = queries.campaign(actor=actor, pk=pk, perm=Perm.CAMPAIGN_MANAGE)
    people = [(u.pk, u.username) for u in services.eligible_callers(campaign.community_id)]
    form = CallersForm(request.POST, people=people)
    if form.is_valid():
        try:
            added = services.callers_add(
                actor=actor,
                campaign=campaign,
                user_ids=[int(u) for u in form.cleaned_data["users"]],
                capacity=form.cleaned_data["capacity"],
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(count)s callers added.") % {"count": len(added)})
    else:
        messages.error(request, _("Choose the people to add."))
    return redirect("screening:campaign_detail", pk=pk)


def _caller(request: HttpRequest, pk: int, caller_pk: int) -> Caller:
    return fetch(
        request.actor,  # type: ignore[attr-defined]
        Caller.objects.select_related("campaign"),
        Perm.CAMPAIGN_MANAGE,
        pk=caller_pk,
        campaign_id=pk,
    )


@require_POST
@require(Perm.CAMPAIGN_MANAGE)
def caller_update(request: HttpRequest, pk: int, caller_pk: int) -> HttpResponse:
    caller = _caller(request, pk, caller_pk)
    form = CallerForm(request.POST)
    if form.is_valid():
        try:
            services.caller_update(actor=request.actor, caller=caller, **form.cleaned_data)  # type: ignore[attr-defined]
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Saved; the calls not yet started are shared again."))
    return redirect("screening:campaign_detail", pk=pk)


@require_POST
@require(Perm.CAMPAIGN_MANAGE)
def caller_reassign(request: HttpRequest, pk: int, caller_pk: int) -> HttpResponse:
    source = _caller(request, pk, caller_pk)
    form = ReassignForm(request.POST)
    if not form.is_valid():
        raise Http404
    to = _caller(request, pk, form.cleaned_data["to"])
    try:
        moved = services.calls_reassign(actor=request.actor, source=source, to=to)  # type: ignore[attr-defined]
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(count)s calls moved.") % {"count": moved})
    return redirect("screening:campaign_detail", pk=pk)


@require(Perm.CAMPAIGN_VIEW)
def campaign_people(request: HttpRequest, pk: int, set_name: str) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    campaign = queries.campaign(actor=actor, pk=pk)
    if set_name not in queries.SUMMARY_SETS:
        raise Http404
    page = Paginator(queries.summary_people(campaign, set_name), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "screening/campaign_people.html",
        {"campaign": campaign, "page": page, "set_name": set_name, "query": ""},
    )
