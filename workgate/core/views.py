"""Pages of core: home, sign-in, the language switch, acting role, audit log, API tokens, job
progress, notifications."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import i18n as i18n_views
from django.views.decorators.http import require_POST

from workgate.core import notify, queries, services
from workgate.core.access import Perm, fetch, require
from workgate.core.files import media_download
from workgate.core.forms import AuditFilterForm, LoginForm, TokenForm
from workgate.core.middleware import SESSION_KEY
from workgate.core.models import ApiToken, Role
from workgate.registry import queries as registry_queries


def _language_cookie(response: HttpResponse, language: str) -> None:
    """The language cookie, set as Django's language switch sets it."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "core/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        """Sign in; a device without a language cookie shows the person's stored language from
        the first page (a new phone, a cleared browser). Someone with no stored language yet
        keeps the one this device was switched to (people who chose theirs before it was
        stored)."""
        response = super().form_valid(form)
        user = form.get_user()
        cookie = self.request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if cookie is None and services.language_known(user.language):
            _language_cookie(response, user.language)
        elif not user.language:
            services.language_remember(user=user, language=cookie or "")
        return response


def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch; a signed-in person's choice is also stored on them, so emails
    and other messages sent outside the app are written in it."""
    response = i18n_views.set_language(request)
    if request.method == "POST" and request.user.is_authenticated:
        services.language_remember(
            user=request.user,  # type: ignore[arg-type]
            language=request.POST.get("language", ""),
        )
    return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "core/password_change.html"

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        response = super().form_valid(form)
        from workgate.core.audit import audit_record
        from workgate.core.models import AuditEntry

        audit_record(
            actor=getattr(self.request, "actor", None),
            user=self.request.user,
            action=AuditEntry.Action.PASSWORD,
            obj=self.request.user,
            request=self.request,
        )
        messages.success(self.request, _("Your password has been changed."))
        return response

    def get_success_url(self) -> str:
        from django.urls import reverse

        return reverse("core:home")


@require(Perm.DASHBOARD_VIEW)
def home(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    context: dict[str, object] = {}
    if actor.can(Perm.EMPLOYEE_VIEW):
        context["figures"] = registry_queries.headline_figures(actor=actor)
        context["by_province"] = registry_queries.employees_by_province(actor=actor)
    if actor.enterprise_id:
        context["enterprise"] = registry_queries.enterprise_of(actor=actor)
    return render(request, "core/home.html", context)


@require_POST
@require(Perm.DASHBOARD_VIEW)
def act_as(request: HttpRequest) -> HttpResponse:
    """Switch the membership a person acts in (e.g. an officer who is also a volunteer)."""
    chosen = request.POST.get("membership", "")
    memberships = getattr(request, "memberships", None)
    if memberships is None:
        from workgate.core.access import memberships_of

        memberships = memberships_of(request.user)  # type: ignore[arg-type]
    if not chosen.isdigit() or int(chosen) not in {m.pk for m in memberships}:
        raise Http404
    request.session[SESSION_KEY] = int(chosen)
    return redirect("core:home")


@require(Perm.AUDIT_VIEW)
def audit(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    form = AuditFilterForm(request.GET or None)
    filters = {k: v for k, v in request.GET.items() if k in form.fields and v}
    if form.is_bound and not form.is_valid():
        filters = {}
    page = Paginator(queries.audit_entries(actor=actor, filters=filters), 50).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    template = "core/audit.html#results" if request.htmx else "core/audit.html"  # type: ignore[attr-defined]
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "object_types": queries.audit_object_types(actor=actor),
        },
    )


@require_POST
@require(Perm.AUDIT_EXPORT)
def audit_export(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    filters = {k: v for k, v in request.POST.items() if k in AuditFilterForm.base_fields and v}
    job = services.audit_export_start(actor=actor, filters=filters)
    return render(request, "core/partials/job.html", {"job": job})


@require(Perm.JOB_VIEW)
def job_status(request: HttpRequest, job_id: str) -> HttpResponse:
    job = queries.job_for(actor=request.actor, job_id=str(job_id))  # type: ignore[attr-defined]
    if job is None:
        raise Http404
    response = render(request, "core/partials/job.html", {"job": job})
    next_url = job.params.get("next", "")
    if job.is_finished and next_url.startswith("/") and request.htmx:  # type: ignore[attr-defined]
        # The page that started the job shows its results once it is over.
        response["HX-Redirect"] = next_url
    return response


@require(Perm.JOB_VIEW)
def job_download(request: HttpRequest, job_id: str) -> HttpResponse:
    job = queries.job_for(actor=request.actor, job_id=str(job_id))  # type: ignore[attr-defined]
    if job is None:
        raise Http404
    return media_download(job.result_file)


@require(Perm.TOKEN_MANAGE)
def tokens(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    secret = None
    form = TokenForm(request.POST or None, community_id=actor.community_id)
    if request.method == "POST" and form.is_valid():
        enterprise = form.cleaned_data["enterprise"]
        try:
            _token, secret = services.token_create(
                actor=actor,
                name=form.cleaned_data["name"],
                role=Role(form.cleaned_data["role"]),
                enterprise_id=enterprise.pk if enterprise else None,
            )
        except services.ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            form = TokenForm(community_id=actor.community_id)
    return render(
        request,
        "core/tokens.html",
        {"form": form, "tokens": queries.api_tokens(actor=actor), "secret": secret},
    )


@require_POST
@require(Perm.TOKEN_MANAGE)
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    token = fetch(actor, ApiToken.objects.all(), Perm.TOKEN_MANAGE, pk=token_id)
    services.token_revoke(actor=actor, token=token)
    messages.success(request, _("The token has been revoked."))
    return redirect("core:tokens")


@require(Perm.NOTIFICATION_VIEW)
def notifications(request: HttpRequest) -> HttpResponse:
    rows = notify.notifications_of(request.user)  # type: ignore[arg-type]
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    items = [(n, *notify.render(n)) for n in page]
    return render(request, "core/notifications.html", {"page": page, "items": items})


@require_POST
@require(Perm.NOTIFICATION_VIEW)
def notifications_read(request: HttpRequest) -> HttpResponse:
    notify.notifications_mark_read(user=request.user)  # type: ignore[arg-type]
    return redirect("core:notifications")


@require_POST
@require(Perm.NOTIFICATION_VIEW)
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one read and go where it points: only to a page of this site."""
    user = request.user
    notification = get_object_or_404(notify.notifications_of(user), pk=notification_id)  # type: ignore[arg-type]
    notify.notifications_mark_read(user=user, ids=[notification.pk])  # type: ignore[arg-type]
    url = notification.url
    if url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return redirect(url)
    return redirect("core:notifications")
