"""The volunteer body: the list with search and filters (staff keep it, the leader reads it),
add / edit, deactivate, and an audited reveal of a mobile number."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workgate.core.access import Actor, Perm, actor_of, fetch, require, scope
from workgate.core.masking import mask_phone
from workgate.core.models import Enterprise, User
from workgate.core.services import ServiceError
from workgate.volunteers import queries, services
from workgate.volunteers.models import Volunteer

PAGE_SIZE = 50
FIELDS = ("name", "mobile", "kind", "skills", "availability")


def _volunteer(actor: Actor, pk: int, perm: Perm = Perm.VOLUNTEER_VIEW) -> Volunteer:
    return fetch(actor, Volunteer.objects.select_related("enterprise", "user"), perm, pk=pk)


@require(Perm.VOLUNTEER_VIEW)
def volunteer_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    filters = queries.VolunteerFilters.from_params(request.GET)
    page = Paginator(queries.volunteer_rows(actor, filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for v in page.object_list:
        v.masked_mobile = mask_phone(v.mobile)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "kinds": Volunteer.Kind.choices,
        "groups": queries.groups_of(actor.community_id),
        "skills": queries.skills_in_use(actor.community_id),
        "can_manage": actor.can(Perm.VOLUNTEER_MANAGE),
        "can_reveal": actor.can(Perm.VOLUNTEER_MANAGE) and actor.can(Perm.PERSONAL_DATA_REVEAL),
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "volunteers/volunteer_list.html#results", context)
    return render(request, "volunteers/volunteer_list.html", context)


def _form_data(actor: Actor, request: HttpRequest, editing: bool) -> dict[str, Any]:
    data: dict[str, Any] = {name: request.POST.get(name, "") for name in FIELDS}
    if editing and not data["mobile"].strip():
        del data["mobile"]  # left empty: the number stays as it is
    raw = request.POST.get("enterprise", "")
    data["enterprise"] = (
        Enterprise.objects.filter(community_id=actor.community_id, pk=raw).first()
        if raw.isdigit()
        else None
    )
    if raw.isdigit() and data["enterprise"] is None:
        raise ServiceError(_("Choose an enterprise of this community."), field="enterprise")
    username = request.POST.get("account", "").strip()
    if username:
        user = User.objects.filter(
            username=username,
            memberships__community_id=actor.community_id,
            memberships__is_active=True,
        ).first()
        if user is None:
            raise ServiceError(
                _("No account of this community is called “%(name)s”.") % {"name": username[:50]},
                field="user",
            )
        data["user"] = user
    else:
        data["user"] = None
    return data


def _form(
    request: HttpRequest,
    volunteer: Volunteer | None,
    *,
    errors: dict[str, str] | None = None,
    posted: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    if posted is None and volunteer is not None:
        posted = {
            "name": volunteer.name,
            "kind": volunteer.kind,
            "skills": ", ".join(volunteer.skills or []),
            "availability": volunteer.availability,
            "enterprise": str(volunteer.enterprise_id or ""),
            "account": volunteer.user.get_username() if volunteer.user else "",
        }
    return render(
        request,
        "volunteers/volunteer_form.html",
        {
            "volunteer": volunteer,
            "masked_mobile": mask_phone(volunteer.mobile) if volunteer else "",
            "kinds": Volunteer.Kind.choices,
            "enterprises": scope(actor, Enterprise.objects.all()).only("pk", "name"),
            "errors": errors or {},
            "posted": posted or {"kind": Volunteer.Kind.PARTY},
        },
        status=status,
    )


def _save(request: HttpRequest, volunteer: Volunteer | None) -> HttpResponse:
    actor = actor_of(request)
    if request.method != "POST":
        return _form(request, volunteer)
    try:
        data = _form_data(actor, request, editing=volunteer is not None)
        saved = services.save_volunteer(actor, volunteer, data)
    except ServiceError as exc:
        posted = {name: request.POST.get(name, "") for name in (*FIELDS, "enterprise", "account")}
        if volunteer is not None:
            volunteer.refresh_from_db()
        return _form(
            request, volunteer, errors={exc.field or "form": exc.message}, posted=posted, status=400
        )
    if volunteer is None:
        messages.success(request, _("Volunteer added: %(name)s.") % {"name": saved.name})
    else:
        messages.success(request, _("Volunteer saved: %(name)s.") % {"name": saved.name})
    return redirect("volunteers:volunteer_list")


@require(Perm.VOLUNTEER_MANAGE)
def volunteer_new(request: HttpRequest) -> HttpResponse:
    return _save(request, None)


@require(Perm.VOLUNTEER_MANAGE)
def volunteer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _save(request, _volunteer(actor_of(request), pk, Perm.VOLUNTEER_MANAGE))


@require_POST
@require(Perm.VOLUNTEER_MANAGE)
def volunteer_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate (no more call-outs) or reactivate a volunteer."""
    actor = actor_of(request)
    volunteer = _volunteer(actor, pk, Perm.VOLUNTEER_MANAGE)
    active = request.POST.get("active") == "1"
    services.save_volunteer(actor, volunteer, {"active": active})
    if active:
        messages.success(request, _("%(name)s is active again.") % {"name": volunteer.name})
    else:
        messages.success(
            request,
            _("%(name)s is deactivated and will not be called out.") % {"name": volunteer.name},
        )
    return redirect("volunteers:volunteer_list")


@require_POST
@require(Perm.VOLUNTEER_MANAGE)
def reveal(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    volunteer = _volunteer(actor, pk, Perm.VOLUNTEER_MANAGE)
    value = services.reveal_mobile(actor, volunteer, request=request)
    return render(
        request, "volunteers/partials/revealed.html", {"value": value, "volunteer": volunteer}
    )


urlpatterns: list[URLPattern] = [
    path("", volunteer_list, name="volunteer_list"),
    path("new/", volunteer_new, name="volunteer_new"),
    path("<int:pk>/edit/", volunteer_edit, name="volunteer_edit"),
    path("<int:pk>/active/", volunteer_active, name="volunteer_active"),
    path("<int:pk>/reveal/", reveal, name="reveal"),
]
