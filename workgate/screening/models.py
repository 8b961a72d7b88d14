"""Region risk with history, community policy, risk-list imports, phone campaigns and their call
lists, call outcomes, reported contacts and return plans."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workgate.core.models import Community, Enterprise
from workgate.registry.models import Employee, Region, TravelRecord


class Level(models.TextChoices):
    """A region's risk level, ordered: LEVEL_RANK gives the order."""

    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


LEVEL_RANK = {"unknown": -1, "low": 0, "medium": 1, "high": 2}


class RegionRisk(models.Model):
    """A region's risk level from one date on. Never edited: a change closes the open row
    (sets `effective_to`) and adds a new one, so the history of every region is kept."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    level = models.CharField(_("risk level"), max_length=6, choices=Level)
    effective_from = models.DateField(_("in force from"))
    effective_to = models.DateField(_("in force until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    risk_list = models.ForeignKey(
        "RiskList", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    set_by_label = models.CharField(max_length=150, blank=True)
    set_at = models.DateTimeField(default=timezone.now)

    tenant_community = "community_id"

    class Meta:
        verbose_name = _("region risk level")
        verbose_name_plural = _("region risk levels")
        ordering = ["region_id", "-effective_from", "-id"]
        indexes = [models.Index(fields=["community", "region", "effective_from"])]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "region"],
                condition=models.Q(effective_to__isnull=True),
                name="regionrisk_one_open_row",
            )
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.level} {self.effective_from}"


class ScreeningPolicy(models.Model):
    """A community's screening settings: the travel window and what each risk level requires."""

    community = models.OneToOneField(
        Community, on_delete=models.CASCADE, related_name="screening_policy"
    )
    window_days = models.PositiveSmallIntegerField(_("travel window (days)"), default=14)
    quarantine_levels = models.JSONField(
        _("levels that need quarantine on arrival"), default=list, blank=True
    )
    delay_levels = models.JSONField(_("levels asked to delay return"), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by_label = models.CharField(max_length=150, blank=True)

    tenant_community = "community_id"

    class Meta:
        verbose_name = _("screening policy")
        verbose_name_plural = _("screening policies")

    def __str__(self) -> str:
        return f"policy {self.community_id}"


class RiskList(models.Model):
    """An official risk list uploaded as CSV / xlsx: checked row by row, applied on confirmation."""

    class Status(models.TextChoices):
        CHECKED = "checked", _("Checked, not applied")
        APPLIED = "applied", _("Applied")
        DISCARDED = "discarded", _("Discarded")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    original_name = models.CharField(_("file"), max_length=255)
    effective_from = models.DateField(_("in force from"))
    default_level = models.CharField(
        _("level for rows without one"), max_length=6, choices=Level, blank=True
    )
    replaces = models.BooleanField(
        _("replaces the current list"),
        default=False,
        help_text=_("Regions not on this list go back to low risk."),
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.CHECKED)
    # [{"row": 3, "text": "湖北省", "level": "high", "code": "420000", "name": "湖北省",
    #   "error": ""}] — one entry per data row, in file order.
    rows = models.JSONField(default=list, blank=True)
    known_count = models.PositiveIntegerField(default=0)
    unknown_count = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)

    tenant_community = "community_id"

    class Meta:
        verbose_name = _("risk list")
        verbose_name_plural = _("risk lists")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name


class CaseContact(models.Model):
    """A reported contact of an employee with a confirmed or suspected case."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    contact_date = models.DateField(_("date of contact"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    reported_by_label = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    tenant_community = "community_id"
    tenant_enterprise = "enterprise_id"

    class Meta:
        verbose_name = _("contact with a case")
        verbose_name_plural = _("contacts with a case")
        indexes = [models.Index(fields=["community", "contact_date"])]

    def __str__(self) -> str:
        return f"contact {self.employee_id} {self.contact_date}"


class Campaign(models.Model):
    """A phone campaign: a target (declarative filters), its call list and its callers."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        BUILDING = "building", _("Building the call list")
        RUNNING = "running", _("Running")
        CLOSED = "closed", _("Closed")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    target = models.JSONField(_("target"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)
    retry_minutes = models.PositiveIntegerField(_("retry a no-answer after (minutes)"), default=30)
    max_attempts = models.PositiveSmallIntegerField(_("attempts per person"), default=3)
    lease_minutes = models.PositiveSmallIntegerField(
        _("minutes a caller holds a person"), default=10
    )
    total = models.PositiveIntegerField(_("people on the list"), default=0)
    job = models.ForeignKey(
        "core.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    launched_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    tenant_community = "community_id"

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class Caller(models.Model):
    """A person making a campaign's calls, with a capacity (weight) for the split."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="callers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    capacity = models.PositiveSmallIntegerField(_("capacity"), default=1)
    active = models.BooleanField(_("active"), default=True)
    added_at = models.DateTimeField(default=timezone.now)

    tenant_community = "campaign__community_id"

    class Meta:
        verbose_name = _("caller")
        verbose_name_plural = _("callers")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user"], name="caller_unique_user")
        ]

    def __str__(self) -> str:
        return str(self.user)


class CallTask(models.Model):
    """One person on a campaign's call list: whose list it is on, the lease held by the caller
    dialling now, retries, and what the calls established."""

    class Status(models.TextChoices):
        PENDING = "pending", _("To call")
        DONE = "done", _("Done")
        EXHAUSTED = "exhausted", _("No answer after every attempt")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tasks")
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="+")
    # The employee's community and enterprise, copied for tenant filtering. No database
    # constraint: the employee's own keys guarantee them, and each constraint is one more
    # check per row when a 30,000-person list is written.
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    caller = models.ForeignKey(
        Caller, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    leased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    leased_until = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=12, blank=True)
    reached = models.BooleanField(default=False)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    region_level = models.CharField(max_length=6, blank=True)
    delay_agreed = models.BooleanField(default=False)
    quarantine_needed = models.BooleanField(default=False)
    updated_at = models.DateTimeField(null=True, blank=True)

    tenant_community = "community_id"

    class Meta:
        verbose_name = _("call-list entry")
        verbose_name_plural = _("call-list entries")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "employee"], name="calltask_unique_person")
        ]
        indexes = [
            # The caller's queue: own pending entries, due first.
            models.Index(fields=["campaign", "caller", "status", "next_attempt_at", "id"]),
            # Leases held now: few rows, so a partial index that writing the list never touches.
            models.Index(
                fields=["leased_by", "leased_until"],
                condition=models.Q(leased_by__isnull=False),
                name="calltask_leased",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.employee_id}"


class CallAttempt(models.Model):
    """One call and its outcome, recorded once per client-generated id."""

    class Outcome(models.TextChoices):
        REACHED = "reached", _("Reached")
        NO_ANSWER = "no_answer", _("No answer")
        WRONG_NUMBER = "wrong_number", _("Wrong number")
        REFUSED = "refused", _("Refused")

    client_id = models.UUIDField(unique=True)
    task = models.ForeignKey(CallTask, on_delete=models.CASCADE, related_name="attempts_made")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    caller_label = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    return_date = models.DateField(_("planned return date"), null=True, blank=True)
    return_means = models.CharField(
        _("means of travel"), max_length=10, choices=TravelRecord.Means, blank=True
    )
    delay_agreed = models.BooleanField(_("agreed to delay return"), default=False)
    quarantine_needed = models.BooleanField(_("needs quarantine on arrival"), default=False)
    contact_with_case = models.BooleanField(_("contact with a case"), default=False)
    notes = models.CharField(_("notes"), max_length=500, blank=True)

    tenant_community = "community_id"

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["campaign", "at"]),
            models.Index(fields=["employee", "outcome", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.outcome} {self.at:%Y-%m-%d %H:%M}"


class ReturnPlan(models.Model):
    """How and when a non-local employee comes back: read by quarantine and resumption."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DELAYED = "delayed", _("Return delayed")
        ARRIVED = "arrived", _("Arrived")

    employee = models.OneToOneField(Employee, on_delete=models.CASCADE, related_name="return_plan")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    from_region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("coming from"),
    )
    arrival_date = models.DateField(_("arrival date"), null=True, blank=True)
    means = models.CharField(_("means of travel"), max_length=10, choices=TravelRecord.Means)
    route = models.CharField(_("route"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PLANNED)
    quarantine_needed = models.BooleanField(_("quarantine on arrival"), default=False)
    quarantine_reason = models.CharField(max_length=200, blank=True)
    campaign = models.ForeignKey(
        Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by_label = models.CharField(max_length=150, blank=True)

    tenant_community = "community_id"
    tenant_enterprise = "enterprise_id"

    class Meta:
        verbose_name = _("return plan")
        verbose_name_plural = _("return plans")
        indexes = [
            models.Index(fields=["enterprise", "arrival_date"]),
            models.Index(fields=["community", "arrival_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} → {self.arrival_date}"
