"""The community's side of resumption: the review queue, one application with the steps its
reader may take, the field survey on a phone, and the conditions and settings page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workgate.core.access import Actor, Perm, actor_of, fetch, require
from workgate.core.files import media_download, media_inline
from workgate.core.models import User
from workgate.core.services import ServiceError
from workgate.resumption import conditions as rules
from workgate.resumption import page_queries as pq
from workgate.resumption import services
from workgate.resumption.models import (
    Application,
    ApplicationStep,
    Condition,
    Indicator,
    Pillar,
    StepPhoto,
)

State = Application.State
Action = ApplicationStep.Action


def _tab_label(key: str) -> str:
    labels = {
        "open": _("Under review"),
        "due_today": _("Due today"),
        "overdue": _("Overdue"),
        "all": _("All"),
    }
    return labels.get(key) or str(State(key).label)


@require(Perm.RESUMPTION_VIEW)
def application_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    today = services.local_today(actor.community_id)
    show = request.GET.get("show", "open")
    if show not in pq.QUEUE_TABS:
        show = "open"
    counts = pq.queue_counts(actor, today)
    page = Paginator(pq.queue(actor, show, today), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "resumption/application_list.html",
        {
            "page": page,
            "show": show,
            # A state's tab shows when it holds something (or is open): a phone has no room
            # for a dozen empty ones.
            "tabs": [
                {"key": k, "label": _tab_label(k), "count": counts[k]}
                for k in pq.QUEUE_TABS
                if counts[k] or k == show or k in ("open", "due_today", "overdue", "all")
            ],
            "query": f"show={show}",
            "today": today,
        },
    )


def _application(actor: Actor, pk: int, perm: Perm = Perm.RESUMPTION_VIEW) -> Application:
    return fetch(actor, Application.objects.select_related("enterprise", "reviewer"), perm, pk=pk)


def _detail(
    request: HttpRequest,
    app: Application,
    *,
    errors: dict[str, str] | None = None,
    posted: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    today = services.local_today(app.community_id)
    can_review = actor.can(Perm.RESUMPTION_REVIEW)
    steps_allowed = [
        action
        for action, (_fn, perm, states) in services.REVIEW_STEPS.items()
        if actor.can(perm) and app.state in states
    ]
    is_reviewer = actor.user is not None and app.reviewer_id == actor.user.pk
    pillars = dict(Pillar.choices)
    snapshot = [
        {**item, "pillar_label": pillars.get(item.get("pillar"), "")} for item in app.conditions
    ]
    return render(
        request,
        "resumption/application_detail.html",
        {
            "app": app,
            "enterprise": app.enterprise,
            "snapshot": snapshot,
            "steps": pq.application_steps(app),
            "can_assign": can_review and app.state in (State.SUBMITTED, State.ASSIGNED),
            "can_survey": can_review and app.state == State.ASSIGNED and is_reviewer,
            "survey_waits": can_review and app.state == State.ASSIGNED and not is_reviewer,
            "steps_allowed": steps_allowed,
            "staff": pq.staff_of(app.community_id) if can_review else [],
            "me": actor.user.pk if actor.user else None,
            "overdue": app.is_overdue(today),
            "due_today": app.same_day_open and app.due_on == today,
            "errors": errors or {},
            "posted": posted or {},
        },
        status=status,
    )


@require(Perm.RESUMPTION_VIEW)
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _application(actor_of(request), pk))


def _double_tap(app: Application, action: str, seen_state: str) -> bool:
    """The page was showing `seen_state` and the same step has since been recorded: a
    repeated tap (or two people pressing the same button)."""
    if not seen_state or seen_state == app.state:
        return False
    last = app.steps.order_by("-at", "-id").first()
    return last is not None and last.action == action and last.from_state == seen_state


@require_POST
@require(Perm.RESUMPTION_REVIEW)
def application_assign(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    app = _application(actor, pk, Perm.RESUMPTION_REVIEW)
    if _double_tap(app, Action.ASSIGN, request.POST.get("seen", "")):
        messages.info(request, _("This step was already recorded."))
        return redirect("resumption:application", pk=app.pk)
    raw = request.POST.get("reviewer", "")
    reviewer = User.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    if reviewer is None:
        return _detail(request, app, errors={"reviewer": _("Choose the reviewer.")}, status=400)
    try:
        services.application_assign(actor=actor, application=app, reviewer=reviewer)
    except ServiceError as exc:
        if exc.code == "already":
            messages.info(request, exc.message)
            return redirect("resumption:application", pk=app.pk)
        app.refresh_from_db()
        return _detail(request, app, errors={exc.field or "action": exc.message}, status=400)
    messages.success(request, _("Reviewer assigned: %(name)s.") % {"name": reviewer})
    return redirect("resumption:application", pk=app.pk)


@require_POST
@require(Perm.RESUMPTION_APPROVE)
def application_step(request: HttpRequest, pk: int) -> HttpResponse:
    """Verify, report upward, approve or return: the service checks the role and the state."""
    actor = actor_of(request)
    app = _application(actor, pk)
    action = request.POST.get("action", "")
    if action not in services.REVIEW_STEPS:
        raise Http404
    note = request.POST.get("note", "")
    if _double_tap(app, action, request.POST.get("seen", "")):
        messages.info(request, _("This step was already recorded."))
        return redirect("resumption:application", pk=app.pk)
    service = services.REVIEW_STEPS[action][0]
    try:
        app = service(actor=actor, application=app, note=note)
    except ServiceError as exc:
        if exc.code == "already":
            messages.info(request, exc.message)
            return redirect("resumption:application", pk=app.pk)
        app.refresh_from_db()
        field = "return_note" if action == Action.RETURN and exc.field == "note" else "action"
        return _detail(
            request,
            app,
            errors={field: exc.message},
            posted={f"note_{action}": note},
            status=400,
        )
    messages.success(request, _("Recorded: %(state)s.") % {"state": app.get_state_display()})
    return redirect("resumption:application", pk=app.pk)


# --- The field survey -----------------------------------------------------------------------


def _survey_page(
    request: HttpRequest,
    app: Application,
    *,
    errors: dict[str, str] | None = None,
    posted: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    conditions = rules.active_conditions(app.community_id)
    snapshot = {item.get("condition"): item for item in app.conditions}
    posted = posted or {}
    rows = [
        {
            "condition": c,
            "snapshot": snapshot.get(c.pk),
            "ok": posted.get(f"ok_{c.pk}", ""),
            "note": posted.get(f"note_{c.pk}", ""),
        }
        for c in conditions
    ]
    return render(
        request,
        "resumption/survey.html",
        {"app": app, "rows": rows, "errors": errors or {}, "posted": posted},
        status=status,
    )


@require(Perm.RESUMPTION_REVIEW)
def survey(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    app = _application(actor, pk, Perm.RESUMPTION_REVIEW)
    if request.method != "POST":
        if app.state != State.ASSIGNED:
            messages.info(
                request,
                _("The field survey is recorded only while a reviewer is assigned (now: %(s)s).")
                % {"s": app.get_state_display()},
            )
            return redirect("resumption:application", pk=app.pk)
        return _survey_page(request, app)
    if _double_tap(app, Action.SURVEY, request.POST.get("seen", "")):
        messages.info(request, _("This step was already recorded."))
        return redirect("resumption:application", pk=app.pk)
    posted = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
    items = []
    for c in rules.active_conditions(app.community_id):
        ok = request.POST.get(f"ok_{c.pk}", "")
        if ok in ("1", "0"):
            items.append(
                services.SurveyItem(
                    condition=c.pk, ok=ok == "1", note=request.POST.get(f"note_{c.pk}", "")
                )
            )
    try:
        services.application_survey(
            actor=actor,
            application=app,
            items=items,
            note=request.POST.get("note", ""),
            photos=request.FILES.getlist("photos"),
        )
    except ServiceError as exc:
        app.refresh_from_db()
        field = "photos" if exc.field in ("file", "photos") else exc.field or "survey"
        return _survey_page(request, app, errors={field: exc.message}, posted=posted, status=400)
    messages.success(request, _("Field survey recorded."))
    return redirect("resumption:application", pk=app.pk)


# --- Files ----------------------------------------------------------------------------------


@require(Perm.RESUMPTION_VIEW)
def plan_file(request: HttpRequest, pk: int) -> HttpResponse:
    app = _application(actor_of(request), pk)
    if not app.plan_path:
        raise Http404
    if app.plan_path.endswith(".jpg"):
        return media_inline(app.plan_path)
    return media_download(app.plan_path, app.plan_name or None)


@require(Perm.RESUMPTION_VIEW)
def survey_photo(request: HttpRequest, pk: int, photo_pk: int) -> HttpResponse:
    app = _application(actor_of(request), pk)
    photo = StepPhoto.objects.filter(pk=photo_pk, step__application=app).first()
    if photo is None:
        raise Http404
    return media_inline(photo.path)


# --- Conditions and settings ----------------------------------------------------------------

_CONDITION_FIELDS = ("pillar", "indicator", "title", "guidance", "threshold", "position")


def _conditions_page(
    request: HttpRequest,
    *,
    editing: Condition | None = None,
    errors: dict[str, str] | None = None,
    posted: dict[str, Any] | None = None,
    settings_errors: dict[str, str] | None = None,
    settings_posted: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    services.conditions_ensure(actor.community_id)
    rs = services.settings_for(actor.community_id)
    if posted is None:
        c = editing
        posted = {
            "pillar": c.pillar if c else Pillar.MECHANISM,
            "indicator": c.indicator if c else Indicator.CONFIRMED,
            "title": c.title if c else "",
            "guidance": c.guidance if c else "",
            "threshold": "" if c is None or c.threshold is None else f"{c.threshold.normalize():f}",
            "position": c.position if c else "",
            "mandatory": c.mandatory if c else True,
            "evidence_required": c.evidence_required if c else False,
            "active": c.active if c else True,
        }
    settings_posted = settings_posted or {
        "cutoff": rs.cutoff.strftime("%H:%M"),
        "masks_per_person_day": str(rs.masks_per_person_day),
        "photo_max_mb": str(rs.photo_max_mb),
    }
    return render(
        request,
        "resumption/conditions.html",
        {
            "pillars": pq.conditions_by_pillar(actor.community_id),
            "pillar_choices": Pillar.choices,
            "indicator_choices": Indicator.choices,
            "editing": editing,
            "errors": errors or {},
            "posted": posted,
            "settings": rs,
            "settings_errors": settings_errors or {},
            "settings_posted": settings_posted,
        },
        status=status,
    )


@require(Perm.RESUMPTION_CONFIGURE)
def conditions(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    editing = None
    if request.GET.get("edit", "").isdigit():
        editing = fetch(
            actor, Condition.objects.all(), Perm.RESUMPTION_CONFIGURE, pk=int(request.GET["edit"])
        )
    return _conditions_page(request, editing=editing)


def _messages_of(exc: ValidationError) -> dict[str, str]:
    if hasattr(exc, "error_dict"):
        return {
            k: " ".join(str(m) for e in v for m in e.messages) for k, v in exc.error_dict.items()
        }
    return {"form": " ".join(exc.messages)}


@require_POST
@require(Perm.RESUMPTION_CONFIGURE)
def condition_save(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    actor = actor_of(request)
    condition = (
        fetch(actor, Condition.objects.all(), Perm.RESUMPTION_CONFIGURE, pk=pk) if pk else None
    )
    posted: dict[str, Any] = {k: request.POST.get(k, "").strip() for k in _CONDITION_FIELDS}
    for flag in ("mandatory", "evidence_required", "active"):
        posted[flag] = request.POST.get(flag) == "1"
    data: dict[str, Any] = {**posted}
    errors: dict[str, str] = {}
    position = posted["position"]
    if position == "":
        data["position"] = condition.position if condition else 100
    elif position.isdigit() and int(position) < 32767:
        data["position"] = int(position)
    else:
        errors["position"] = _("Enter the order as a whole number, e.g. 10.")
    if not errors:
        try:
            condition = services.condition_save(actor=actor, condition=condition, data=data)
        except ServiceError as exc:
            errors[exc.field or "form"] = exc.message
        except ValidationError as exc:
            errors.update(_messages_of(exc))
    if errors:
        return _conditions_page(
            request, editing=condition, errors=errors, posted=posted, status=400
        )
    messages.success(request, _("Saved: %(title)s.") % {"title": condition.display_title})
    return redirect("resumption:conditions")


@require_POST
@require(Perm.RESUMPTION_CONFIGURE)
def settings_save(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    posted = {
        k: request.POST.get(k, "").strip()
        for k in ("cutoff", "masks_per_person_day", "photo_max_mb")
    }
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {}
    try:
        changes["cutoff"] = dt.time.fromisoformat(posted["cutoff"].replace("：", ":"))
    except ValueError:
        errors["cutoff"] = _("Enter the time as HH:MM, e.g. 16:00.")
    for key in ("masks_per_person_day", "photo_max_mb"):
        raw = posted[key]
        if raw.isdigit() and int(raw) < 32767:
            changes[key] = int(raw)
        else:
            errors[key] = _("Enter a whole number.")
    if not errors:
        try:
            services.settings_update(actor=actor, changes=changes)
        except ValidationError as exc:
            errors.update(_messages_of(exc))
    if errors:
        return _conditions_page(request, settings_errors=errors, settings_posted=posted, status=400)
    messages.success(request, _("Settings saved."))
    return redirect("resumption:conditions")


urlpatterns: list[URLPattern] = [
    path("applications/", application_list, name="applications"),
    path("applications/<int:pk>/", application_detail, name="application"),
    path("applications/<int:pk>/assign/", application_assign, name="assign"),
    path("applications/<int:pk>/step/", application_step, name="step"),
    path("applications/<int:pk>/survey/", survey, name="survey"),
    path("applications/<int:pk>/plan/", plan_file, name="plan_file"),
    path("applications/<int:pk>/photos/<int:photo_pk>/", survey_photo, name="survey_photo"),
    path("conditions/", conditions, name="conditions"),
    path("conditions/new/", condition_save, name="condition_new"),
    path("conditions/<int:pk>/", condition_save, name="condition_save"),
    path("conditions/settings/", settings_save, name="settings"),
]
