"""Tenancy (community → enterprise), users and roles, API tokens, the audit log, jobs,
notifications and the periodic-task schedule."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a member may do; ordered from widest to narrowest view of the community."""

    LEADER = "leader", _("Community leader")
    STAFF = "staff", _("Community staff")
    OFFICER = "officer", _("Enterprise officer")
    GATE = "gate", _("Gate volunteer")
    VOLUNTEER = "volunteer", _("Volunteer")
    SUPPLIER = "supplier", _("Supplier")
    EMPLOYEE = "employee", _("Employee")


def default_language() -> str:
    """The site's language (settings.LANGUAGE_CODE), read when a row is made, not when the
    migration was written."""
    return settings.LANGUAGE_CODE


COMMUNITY_WIDE_ROLES = frozenset({Role.LEADER, Role.STAFF})
ENTERPRISE_ROLES = frozenset({Role.OFFICER, Role.EMPLOYEE})


class Community(models.Model):
    """A tenant: an industrial community and everything in it."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("short name"), max_length=50, unique=True)
    home_region_prefix = models.CharField(
        _("home region code prefix"),
        max_length=6,
        help_text=_("Resident ID prefix of the local city, e.g. 3302 for Ningbo."),
    )
    time_zone = models.CharField(_("time zone"), max_length=50, default="Asia/Shanghai")
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")

    def __str__(self) -> str:
        return self.name


class Enterprise(models.Model):
    """A tenant inside a community. Its registry details are kept by registry services."""

    class Status(models.TextChoices):
        NOT_RESUMED = "not_resumed", _("Not resumed")
        APPLYING = "applying", _("Applying")
        APPROVED = "approved", _("Approved")
        RESUMED = "resumed", _("Resumed")
        SUSPENDED = "suspended", _("Suspended")

    class Size(models.TextChoices):
        MICRO = "micro", _("Micro (under 20)")
        SMALL = "small", _("Small (20–299)")
        MEDIUM = "medium", _("Medium (300–999)")
        LARGE = "large", _("Large (1,000 or more)")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="enterprises", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    size = models.CharField(_("size"), max_length=10, choices=Size, default=Size.SMALL)
    contact_name = models.CharField(_("contact officer"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.NOT_RESUMED, db_index=True
    )
    # Set by the resumption services, which record every change of status with its reason.
    resumed_on = models.DateField(_("resumed on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    tenant_community = "community_id"
    tenant_enterprise = "id"

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        indexes = [models.Index(fields=["community", "name"])]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in. Signs in by username or mobile number."""

    mobile = models.CharField(_("mobile number"), max_length=20, unique=True, null=True, blank=True)
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    # The language the person last chose (the language switch while signed in); emails and
    # other messages sent outside the app are written in it. Empty: the site's language.
    language = models.CharField(
        _("language"), max_length=10, blank=True, choices=settings.LANGUAGES
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username


class Membership(models.Model):
    """A user's role in a community, or in one enterprise of it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "community", "enterprise", "role"], name="membership_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(role__in=["officer", "employee"])
                | models.Q(enterprise__isnull=False),
                name="membership_enterprise_role_has_enterprise",
            ),
            models.CheckConstraint(
                condition=~models.Q(role__in=["leader", "staff"])
                | models.Q(enterprise__isnull=True),
                name="membership_community_role_has_no_enterprise",
            ),
        ]

    def __str__(self) -> str:
        where = self.enterprise or self.community
        return f"{self.user} · {self.get_role_display()} · {where}"


class ApiToken(models.Model):
    """A bearer token for a device or an integration, scoped to a tenant and a role.

    Only a SHA-256 digest of the secret is stored: the secret is 256 random bits, so a slow
    password hash would add nothing but latency on every device upload.
    """

    name = models.CharField(_("name"), max_length=100)
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="api_tokens")
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, null=True, blank=True, related_name="api_tokens"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role)
    prefix = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    tenant_community = "community_id"
    tenant_enterprise = "enterprise_id"

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class AuditEntry(models.Model):
    """Who did what to which record and when. Written by services, never edited."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Updated")
        DELETE = "delete", _("Deleted")
        REVEAL = "reveal", _("Revealed personal data")
        EXPORT = "export", _("Exported")
        IMPORT = "import", _("Imported")
        LOGIN = "login", _("Signed in")
        LOGIN_FAILED = "login_failed", _("Sign-in failed")
        LOGOUT = "logout", _("Signed out")
        PASSWORD = "password", _("Changed password")
        TOKEN = "token", _("Managed an API token")

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    actor_label = models.CharField(_("actor"), max_length=150)
    role = models.CharField(_("role"), max_length=20, choices=Role, blank=True)
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=20, choices=Action)
    object_type = models.CharField(_("record type"), max_length=50, blank=True)
    object_id = models.CharField(_("record id"), max_length=64, blank=True)
    object_repr = models.CharField(_("record"), max_length=200, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["community", "-at"]),
            models.Index(fields=["object_type", "object_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"


class Job(models.Model):
    """A long piece of work run by the task worker, with progress a page can poll."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=50)
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="jobs")
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, null=True, blank=True, related_name="jobs"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    result_file = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.done * 100 / self.total))

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}


class Notification(models.Model):
    """Something one person should know, shown under the bell in the header.

    Only the kind and its parameters are stored; `core.notify.render` writes the text when it is
    shown, in the reader's language.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=60)
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    tenant_community = "community_id"
    tenant_enterprise = "enterprise_id"

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"


class ScheduleState(models.Model):
    """When a periodic task (core.schedule) was last queued; one row per task, locked per tick."""

    name = models.CharField(max_length=100, primary_key=True)
    last_enqueued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


# --- Notification channels (core.channels): email and group robots, and their delivery log ---


class ChannelChoice(models.Model):
    """How one person wants notifications outside the app: email on or off, and muted kinds.

    `muted_kinds` holds kinds ("health.fever") or kind prefixes ending in a dot ("health.").
    The in-app inbox always gets everything; muting only stops the email.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_choice"
    )
    email = models.EmailField(
        _("email address"),
        blank=True,
        help_text=_("Leave empty to use the address of the account."),
    )
    email_on = models.BooleanField(_("send notifications by email"), default=False)
    muted_kinds = models.JSONField(_("muted kinds"), default=list, blank=True)

    class Meta:
        verbose_name = _("notification channel choice")
        verbose_name_plural = _("notification channel choices")

    def __str__(self) -> str:
        return f"channels of {self.user_id}"


class GroupRobot(models.Model):
    """A WeCom or DingTalk group robot that receives the community's notifications of some kinds.

    This is a team's channel choice: the robot subscribes to kinds or prefixes ("health.").
    The webhook URL (WeCom's carries its key) and DingTalk's secret are secrets: pages show
    them masked (`masked_url`, `masked_secret`), never in full.
    """

    class Kind(models.TextChoices):
        WECOM = "wecom", _("WeCom group robot")
        DINGTALK = "dingtalk", _("DingTalk group robot")

    class Format(models.TextChoices):
        TEXT = "text", _("Plain text")
        MARKDOWN = "markdown", _("Markdown")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    webhook_url = models.CharField(_("webhook address"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=200, blank=True)
    format = models.CharField(_("message format"), max_length=20, choices=Format, default="text")
    kinds = models.JSONField(_("notification kinds"), default=list, blank=True)
    # The group's language: its messages are written in it.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=default_language
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    tenant_community = "community_id"

    class Meta:
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")

    def __str__(self) -> str:
        return self.name

    @property
    def masked_secret(self) -> str:
        if not self.secret:
            return ""
        return "****" + self.secret[-4:] if len(self.secret) > 8 else "****"

    @property
    def masked_url(self) -> str:
        base, _sep, query = self.webhook_url.partition("?")
        return f"{base}?****{query[-4:]}" if query else base


class Delivery(models.Model):
    """One message to send outside the app, and what became of it (the delivery log).

    Holds the rendered text and a masked recipient label only: the address is looked up when
    sending (the recipient's channel choice, or the robot's webhook), never copied here.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        WECOM = "wecom", _("WeCom")
        DINGTALK = "dingtalk", _("DingTalk")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, will retry")
        GAVE_UP = "gave_up", _("Gave up")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel)
    notification = models.ForeignKey(
        Notification, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    robot = models.ForeignKey(
        GroupRobot, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    kind = models.CharField(_("kind"), max_length=60)
    recipient_label = models.CharField(_("recipient"), max_length=120, blank=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status, default="queued")
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claim = models.UUIDField(null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    tenant_community = "community_id"

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.channel} {self.kind} → {self.recipient_label} ({self.status})"
