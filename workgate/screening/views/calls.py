"""The caller's pages, phone-first: my campaigns, the queue, the person being called."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workgate.core.access import Perm, require
from workgate.core.masking import mask_id_number
from workgate.core.services import ServiceError
from workgate.screening import queries, services
from workgate.screening.forms import OutcomeForm
from workgate.screening.models import CallTask


@require(Perm.CALL_WORK)
def my_calls(request: HttpRequest) -> HttpResponse:
    callers = list(queries.caller_campaigns(actor=request.actor))  # type: ignore[attr-defined]
    if len(callers) == 1:
        return redirect("screening:queue", campaign_pk=callers[0].campaign_id)
    return render(request, "screening/my_calls.html", {"callers": callers})


@require(Perm.CALL_WORK)
def queue(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    caller = queries.caller_for(actor=request.actor, campaign_pk=campaign_pk)  # type: ignore[attr-defined]
    return render(
        request,
        "screening/queue.html",
        {"caller": caller, "campaign": caller.campaign, "counts": queries.caller_counts(caller)},
    )


@require_POST
@require(Perm.CALL_WORK)
def next_person(request: HttpRequest, campaign_pk: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    caller = queries.caller_for(actor=actor, campaign_pk=campaign_pk)
    task = services.call_next(actor=actor, campaign=caller.campaign, request=request)
    if task is None:
        messages.info(request, _("Nobody is waiting to be called right now."))
        return redirect("screening:queue", campaign_pk=campaign_pk)
    return redirect("screening:task", pk=task.pk)


def _task_context(task: CallTask, form: OutcomeForm) -> dict[str, object]:
    employee = task.employee
    return {
        "task": task,
        "employee": employee,
        "masked_id": mask_id_number(employee.id_number),
        "form": form,
        "previous": queries.previous_attempts(task)[:5],
        "plan": queries.return_plan_of(employee.pk),
        "can_release": task.status == CallTask.Status.PENDING,
    }


@require(Perm.CALL_WORK)
def task(request: HttpRequest, pk: int) -> HttpResponse:
    item = queries.task_for_caller(actor=request.actor, pk=pk)  # type: ignore[attr-defined]
    if item.status != CallTask.Status.PENDING:
        return redirect("screening:queue", campaign_pk=item.campaign_id)
    form = OutcomeForm(
        initial={
            "region": item.employee.current_region.full_name
            if item.employee.current_region
            else "",
            "address": item.employee.current_address,
        }
    )
    return render(request, "screening/task.html", _task_context(item, form))


@require_POST
@require(Perm.CALL_WORK)
def outcome(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    replay = queries.attempt_already_recorded(actor=actor, client_id=request.POST.get("client_id"))
    if replay is not None and replay.task_id == pk:
        # A second tap or a resend after a lost answer: already recorded, nothing to do.
        return redirect("screening:queue", campaign_pk=replay.campaign_id)
    item = queries.task_for_caller(actor=actor, pk=pk)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            attempt, created = services.call_record(
                actor=actor,
                task=item,
                data=services.Outcome(
                    client_id=data["client_id"],
                    outcome=data["outcome"],
                    region=data["region"],
                    address=data["address"],
                    return_date=data["return_date"],
                    return_means=data["return_means"],
                    delay_agreed=data["delay_agreed"],
                    quarantine_needed=data["quarantine_needed"],
                    contact_with_case=data["contact_with_case"],
                    notes=data["notes"],
                ),
            )
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            if created:
                messages.success(
                    request,
                    _("Saved: %(name)s, %(outcome)s.")
                    % {"name": item.employee.name, "outcome": attempt.get_outcome_display()},
                )
            return redirect("screening:queue", campaign_pk=item.campaign_id)
    item.refresh_from_db()
    if item.status != CallTask.Status.PENDING:
        return redirect("screening:queue", campaign_pk=item.campaign_id)
    return render(request, "screening/task.html", _task_context(item, form), status=400)


@require_POST
@require(Perm.CALL_WORK)
def release(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    item = queries.task_for_caller(actor=actor, pk=pk)
    try:
        services.call_release(actor=actor, task=item)
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("screening:queue", campaign_pk=item.campaign_id)
