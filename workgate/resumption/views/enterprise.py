"""The enterprise's resumption page: the four in place with what is missing and why, inline
forms to enter figures and upload evidence, the application with its steps, and the status
(suspend, lift, "we have started work")."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workgate.core.access import Actor, Perm, actor_of, fetch, require
from workgate.core.files import media_download, media_inline
from workgate.core.models import Enterprise
from workgate.core.services import ServiceError
from workgate.resumption import page_queries as pq
from workgate.resumption import services
from workgate.resumption.models import Application, Condition, Evidence

State = Application.State
EDITABLE = (State.DRAFT, State.RETURNED)


def _enterprise(actor: Actor, pk: int, perm: Perm = Perm.RESUMPTION_VIEW) -> Enterprise:
    return fetch(actor, Enterprise.objects.all(), perm, pk=pk)


def _page_url(enterprise: Enterprise, anchor: str = "") -> str:
    url = reverse("resumption:enterprise", args=[enterprise.pk])
    return f"{url}#{anchor}" if anchor else url


def _render(
    request: HttpRequest,
    enterprise: Enterprise,
    *,
    errors: dict[str, str] | None = None,
    posted: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    services.conditions_ensure(enterprise.community_id)
    data = pq.enterprise_page(enterprise)
    app = data.application
    in_progress = app is not None and app.state in Application.ACTIVE
    can_apply = actor.can(Perm.RESUMPTION_APPLY)
    editable = can_apply and (
        (app is not None and app.state in EDITABLE)
        or (
            not in_progress
            and enterprise.status not in (Enterprise.Status.APPROVED, Enterprise.Status.RESUMED)
        )
    )
    form_app = app if in_progress else None
    posted = posted or {}
    errors = errors or {}
    justify_rows = []
    for _pillar, _label, rows in data.pillars:
        for row in rows:
            pk = row.condition.pk
            row.entry_error = errors.get(f"entry_{pk}", "")
            row.evidence_error = errors.get(f"evidence_{pk}", "")
            row.typed = posted.get(f"entry_{pk}")
            row.justify = posted.get(f"justify_{pk}", "")
            row.justify_error = errors.get(f"justify_{pk}", "")
            if row.result.mandatory and not row.result.met:
                justify_rows.append(row)
    return render(
        request,
        "resumption/enterprise.html",
        {
            "enterprise": enterprise,
            "page": data,
            "judgement": data.judgement,
            "returning": data.judgement.returning,
            "app": app,
            "form_app": form_app,
            "steps": data.steps,
            "history": data.history,
            "can_prepare": actor.can(Perm.RESUMPTION_PREPARE),
            "can_apply": can_apply,
            "can_suspend": actor.can(Perm.ENTERPRISE_SUSPEND),
            "can_review": actor.can(Perm.RESUMPTION_REVIEW),
            "can_withdraw": can_apply
            and app is not None
            and app.state in (State.DRAFT, State.SUBMITTED, State.RETURNED),
            "editable": editable,
            "planned_value": posted.get("planned_date")
            or (form_app.planned_date.isoformat() if form_app else ""),
            "plan_value": posted.get("plan", form_app.plan if form_app else ""),
            "today": services.local_today(enterprise.community_id),
            "justify_rows": justify_rows,
            "errors": errors,
            "posted": posted,
        },
        status=status,
    )


@require(Perm.RESUMPTION_VIEW)
def mine(request: HttpRequest) -> HttpResponse:
    """The officer's own enterprise; community roles go to the review queue."""
    actor = actor_of(request)
    if actor.enterprise_id is not None and not actor.community_wide:
        return redirect("resumption:enterprise", pk=actor.enterprise_id)
    return redirect("resumption:applications")


@require(Perm.RESUMPTION_VIEW)
def enterprise_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _render(request, _enterprise(actor_of(request), pk))


def _condition(enterprise: Enterprise, pk: int) -> Condition:
    try:
        return Condition.objects.get(pk=pk, community_id=enterprise.community_id)
    except Condition.DoesNotExist:
        raise Http404 from None


@require_POST
@require(Perm.RESUMPTION_PREPARE)
def entry_save(request: HttpRequest, pk: int, condition_pk: int) -> HttpResponse:
    actor = actor_of(request)
    enterprise = _enterprise(actor, pk, Perm.RESUMPTION_PREPARE)
    condition = _condition(enterprise, condition_pk)
    kind = pq.ENTRY_KIND.get(condition.indicator)
    posted = {f"entry_{condition.pk}": request.POST.get("value", request.POST.get("text", ""))}
    kwargs: dict[str, Any] = {}
    if kind == "value":
        kwargs["value"] = request.POST.get("value", "")
        if not str(kwargs["value"]).strip():
            return _render(
                request,
                enterprise,
                errors={f"entry_{condition.pk}": _("Enter a whole number, e.g. 1200.")},
                posted=posted,
                status=400,
            )
    elif kind == "text":
        kwargs["text"] = request.POST.get("text", "")
    elif kind == "confirm":
        kwargs["confirmed"] = request.POST.get("confirmed") == "1"
    else:
        raise Http404
    try:
        services.entry_save(actor=actor, enterprise=enterprise, condition=condition, **kwargs)
    except ServiceError as exc:
        return _render(
            request,
            enterprise,
            errors={f"entry_{condition.pk}": exc.message},
            posted=posted,
            status=400,
        )
    messages.success(request, _("Saved: %(title)s.") % {"title": condition.display_title})
    return redirect(_page_url(enterprise, f"cond-{condition.pk}"))


@require_POST
@require(Perm.RESUMPTION_PREPARE)
def evidence_add(request: HttpRequest, pk: int, condition_pk: int) -> HttpResponse:
    actor = actor_of(request)
    enterprise = _enterprise(actor, pk, Perm.RESUMPTION_PREPARE)
    condition = _condition(enterprise, condition_pk)
    photo = request.FILES.get("photo")
    document = request.FILES.get("document")
    key = f"evidence_{condition.pk}"
    if photo is None and document is None:
        return _render(
            request,
            enterprise,
            errors={key: _("Choose a photo or a document to upload.")},
            status=400,
        )
    try:
        if photo is not None:
            services.evidence_add(
                actor=actor,
                enterprise=enterprise,
                condition=condition,
                upload=photo,
                kind=Evidence.Kind.PHOTO,
            )
        if document is not None:
            services.evidence_add(
                actor=actor,
                enterprise=enterprise,
                condition=condition,
                upload=document,
                kind=Evidence.Kind.DOCUMENT,
            )
    except ServiceError as exc:
        return _render(request, enterprise, errors={key: exc.message}, status=400)
    messages.success(request, _("Uploaded for “%(title)s”.") % {"title": condition.display_title})
    return redirect(_page_url(enterprise, f"cond-{condition.pk}"))


@require_POST
@require(Perm.RESUMPTION_PREPARE)
def evidence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    evidence = fetch(
        actor, Evidence.objects.select_related("enterprise"), Perm.RESUMPTION_PREPARE, pk=pk
    )
    enterprise, condition_pk = evidence.enterprise, evidence.condition_id
    services.evidence_delete(actor=actor, evidence=evidence)
    messages.success(request, _("Removed “%(name)s”.") % {"name": evidence.original_name})
    return redirect(_page_url(enterprise, f"cond-{condition_pk}"))


@require(Perm.RESUMPTION_VIEW)
def evidence_file(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = fetch(actor_of(request), Evidence.objects.all(), Perm.RESUMPTION_VIEW, pk=pk)
    if evidence.kind == Evidence.Kind.PHOTO:
        return media_inline(evidence.path)
    return media_download(evidence.path, evidence.original_name)


def _justifications(request: HttpRequest) -> dict[str, str]:
    return {
        key.removeprefix("justify_"): value.strip()
        for key, value in request.POST.items()
        if key.startswith("justify_") and key.removeprefix("justify_").isdigit()
    }


@require_POST
@require(Perm.RESUMPTION_APPLY)
def application_post(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the draft, or save and submit it (the same form, two buttons)."""
    actor = actor_of(request)
    enterprise = _enterprise(actor, pk, Perm.RESUMPTION_APPLY)
    action = request.POST.get("action", "save")
    justifications = _justifications(request)
    posted: dict[str, Any] = {
        "planned_date": request.POST.get("planned_date", "").strip(),
        "plan": request.POST.get("plan", ""),
        **{f"justify_{k}": v for k, v in justifications.items()},
    }
    current = pq.current_application(enterprise)
    try:
        if (
            action == "submit"
            and current is not None
            and current.state not in (*EDITABLE, State.WITHDRAWN)
        ):
            # A second tap on Submit: the service says it is already submitted.
            services.application_submit(
                actor=actor, application=current, justifications=justifications
            )
        app = services.application_save(
            actor=actor,
            enterprise=enterprise,
            data=services.ApplicationInput(
                planned_date=posted["planned_date"],
                plan=posted["plan"],
                plan_file=request.FILES.get("plan_file"),
            ),
        )
        if action == "submit":
            app = services.application_submit(
                actor=actor, application=app, justifications=justifications
            )
    except ServiceError as exc:
        if exc.code == "already":
            messages.info(request, exc.message)
            return redirect(_page_url(enterprise, "application"))
        field = exc.field or "application"
        if field == "file":
            field = "plan_file"
        return _render(request, enterprise, errors={field: exc.message}, posted=posted, status=400)
    if action == "submit":
        messages.success(
            request,
            _("Submitted. The community reviews it by %(day)s.") % {"day": app.due_on},
        )
    else:
        messages.success(request, _("Draft saved."))
    return redirect(_page_url(enterprise, "application"))


@require_POST
@require(Perm.RESUMPTION_APPLY)
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    app = fetch(
        actor, Application.objects.select_related("enterprise"), Perm.RESUMPTION_APPLY, pk=pk
    )
    if app.state == State.WITHDRAWN:
        messages.info(request, _("This step was already recorded."))
        return redirect(_page_url(app.enterprise, "application"))
    try:
        services.application_withdraw(
            actor=actor, application=app, note=request.POST.get("note", "")
        )
    except ServiceError as exc:
        return _render(request, app.enterprise, errors={"withdraw": exc.message}, status=400)
    messages.success(request, _("The application was withdrawn."))
    return redirect(_page_url(app.enterprise, "application"))


def _status_action(request: HttpRequest, pk: int, perm: Perm, do: Any, done: str) -> HttpResponse:
    actor = actor_of(request)
    enterprise = _enterprise(actor, pk, perm)
    reason = request.POST.get("reason", "")
    try:
        do(actor, enterprise, reason)
    except ServiceError as exc:
        if exc.code == "already":
            messages.info(request, exc.message)
            return redirect(_page_url(enterprise))
        return _render(
            request,
            enterprise,
            errors={"status": exc.message},
            posted={"reason": reason},
            status=400,
        )
    messages.success(request, done)
    return redirect(_page_url(enterprise))


@require_POST
@require(Perm.ENTERPRISE_SUSPEND)
def suspend(request: HttpRequest, pk: int) -> HttpResponse:
    return _status_action(
        request,
        pk,
        Perm.ENTERPRISE_SUSPEND,
        lambda a, e, r: services.enterprise_suspend(actor=a, enterprise=e, reason=r),
        _("The enterprise is suspended."),
    )


@require_POST
@require(Perm.ENTERPRISE_SUSPEND)
def lift(request: HttpRequest, pk: int) -> HttpResponse:
    return _status_action(
        request,
        pk,
        Perm.ENTERPRISE_SUSPEND,
        lambda a, e, r: services.enterprise_lift_suspension(actor=a, enterprise=e, reason=r),
        _("The suspension is lifted."),
    )


@require_POST
@require(Perm.RESUMPTION_PREPARE)
def mark_resumed(request: HttpRequest, pk: int) -> HttpResponse:
    return _status_action(
        request,
        pk,
        Perm.RESUMPTION_PREPARE,
        lambda a, e, r: services.enterprise_mark_resumed(actor=a, enterprise=e),
        _("Recorded: the enterprise is back at work."),
    )


urlpatterns: list[URLPattern] = [
    path("mine/", mine, name="mine"),
    path("enterprises/<int:pk>/", enterprise_page, name="enterprise"),
    path(
        "enterprises/<int:pk>/conditions/<int:condition_pk>/entry/",
        entry_save,
        name="entry_save",
    ),
    path(
        "enterprises/<int:pk>/conditions/<int:condition_pk>/evidence/",
        evidence_add,
        name="evidence_add",
    ),
    path("enterprises/<int:pk>/application/", application_post, name="application_save"),
    path("enterprises/<int:pk>/suspend/", suspend, name="suspend"),
    path("enterprises/<int:pk>/lift/", lift, name="lift"),
    path("enterprises/<int:pk>/resumed/", mark_resumed, name="mark_resumed"),
    path("evidence/<int:pk>/", evidence_file, name="evidence_file"),
    path("evidence/<int:pk>/delete/", evidence_delete, name="evidence_delete"),
    path("applications/<int:pk>/withdraw/", application_withdraw, name="withdraw"),
]
