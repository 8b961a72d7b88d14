"""Teams and their groups: who is in which group and who leads it, the team's leader and the
group robot that hears its call-outs. Staff keep them; the leader reads."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workgate.core.access import Actor, Perm, actor_of, fetch, require
from workgate.core.masking import mask_phone
from workgate.core.models import GroupRobot
from workgate.core.services import ServiceError
from workgate.volunteers import queries, services
from workgate.volunteers.models import Group, Team, Volunteer


def _page(
    request: HttpRequest,
    *,
    errors: dict[str, str] | None = None,
    form: str = "",
    posted: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The teams page; `form` names the form `errors` and `posted` belong to."""
    actor = actor_of(request)
    teams = queries.teams(actor)
    for team in teams:
        team.form_key, team.new_group_key = f"team-{team.pk}", f"group-new-{team.pk}"
        for group in team.groups.all():
            group.form_key = f"group-{group.pk}"
            # The leader first, then by name.
            group.sorted_members = sorted(
                group.members.all(), key=lambda m, g=group: (m.pk != g.leader_id, m.name, m.pk)
            )
            group.member_ids = [m.pk for m in group.sorted_members]
            for m in group.sorted_members:
                m.masked_mobile = mask_phone(m.mobile)
    can_manage = actor.can(Perm.VOLUNTEER_MANAGE)
    return render(
        request,
        "volunteers/teams.html",
        {
            "teams": teams,
            "can_manage": can_manage,
            "volunteers": list(
                Volunteer.objects.filter(community_id=actor.community_id, active=True).only(
                    "pk", "name", "mobile"
                )
            )
            if can_manage
            else [],
            "robots": GroupRobot.objects.filter(community_id=actor.community_id, is_active=True)
            if can_manage
            else [],
            "errors": errors or {},
            "form": form,
            "posted": posted or {},
        },
        status=status,
    )


@require(Perm.VOLUNTEER_VIEW)
def team_list(request: HttpRequest) -> HttpResponse:
    return _page(request)


def _volunteer(actor: Actor, raw: str, field: str) -> Volunteer | None:
    if not raw:
        return None
    found = (
        Volunteer.objects.filter(community_id=actor.community_id, pk=raw).first()
        if raw.isdigit()
        else None
    )
    if found is None:
        raise ServiceError(_("Choose a volunteer of this community."), field=field)
    return found


@require_POST
@require(Perm.VOLUNTEER_MANAGE)
def team_add(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    name = request.POST.get("name", "")
    try:
        team = services.save_team(actor, name)
    except ServiceError as exc:
        return _page(
            request,
            errors={exc.field or "form": exc.message},
            form="team-new",
            posted={"name": name},
            status=400,
        )
    messages.success(request, _("Team added: %(name)s.") % {"name": team.name})
    return redirect("volunteers:team_list")


@require_POST
@require(Perm.VOLUNTEER_MANAGE)
def team_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    team = fetch(actor, Team.objects.all(), Perm.VOLUNTEER_MANAGE, pk=pk)
    raw_robot = request.POST.get("robot", "")
    try:
        robot = None
        if raw_robot:
            robot = (
                GroupRobot.objects.filter(community_id=actor.community_id, pk=raw_robot).first()
                if raw_robot.isdigit()
                else None
            )
            if robot is None:
                raise ServiceError(_("Choose a group robot of this community."), field="robot")
        data = {
            "name": request.POST.get("name", ""),
            "leader": _volunteer(actor, request.POST.get("leader", ""), "leader"),
            "robot": robot,
        }
        services.update_team(actor, team, data)
    except ServiceError as exc:
        return _page(
            request,
            errors={exc.field or "form": exc.message},
            form=f"team-{team.pk}",
            posted={k: request.POST.get(k, "") for k in ("name", "leader", "robot")},
            status=400,
        )
    messages.success(request, _("Team saved: %(name)s.") % {"name": team.name})
    return redirect("volunteers:team_list")


@require_POST
@require(Perm.VOLUNTEER_MANAGE)
def group_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    team = fetch(actor, Team.objects.all(), Perm.VOLUNTEER_MANAGE, pk=pk)
    name = request.POST.get("name", "")
    try:
        group = services.add_group(actor, team, name)
    except ServiceError as exc:
        return _page(
            request,
            errors={exc.field or "form": exc.message},
            form=f"group-new-{team.pk}",
            posted={"name": name},
            status=400,
        )
    messages.success(request, _("Group added: %(name)s.") % {"name": group.name})
    return redirect("volunteers:team_list")


@require_POST
@require(Perm.VOLUNTEER_MANAGE)
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename a group and set its members and leader, in one step."""
    actor = actor_of(request)
    group = fetch(actor, Group.objects.select_related("team"), Perm.VOLUNTEER_MANAGE, pk=pk)
    ids = [int(v) for v in request.POST.getlist("members") if v.isdigit()]
    members = list(Volunteer.objects.filter(community_id=actor.community_id, pk__in=ids))
    name = request.POST.get("name", group.name)
    try:
        leader = _volunteer(actor, request.POST.get("leader", ""), "leader")
        services.edit_group(actor, group, name=name, members=members, leader=leader)
    except ServiceError as exc:
        return _page(
            request,
            errors={exc.field or "form": exc.message},
            form=f"group-{group.pk}",
            posted={"name": name, "members": ids, "leader": request.POST.get("leader", "")},
            status=400,
        )
    messages.success(
        request,
        _("%(group)s now has %(n)s members.") % {"group": group.name, "n": len(members)},
    )
    return redirect("volunteers:team_list")


@require_POST
@require(Perm.VOLUNTEER_MANAGE)
def group_remove(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    group = fetch(actor, Group.objects.select_related("team"), Perm.VOLUNTEER_MANAGE, pk=pk)
    name = group.name
    services.remove_group(actor, group)
    messages.success(request, _("Group removed: %(name)s.") % {"name": name})
    return redirect("volunteers:team_list")


urlpatterns: list[URLPattern] = [
    path("teams/", team_list, name="team_list"),
    path("teams/add/", team_add, name="team_add"),
    path("teams/<int:pk>/edit/", team_edit, name="team_edit"),
    path("teams/<int:pk>/groups/add/", group_add, name="group_add"),
    path("groups/<int:pk>/edit/", group_edit, name="group_edit"),
    path("groups/<int:pk>/remove/", group_remove, name="group_remove"),
]
