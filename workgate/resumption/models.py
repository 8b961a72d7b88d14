"""Work resumption (复工复产): the "four in place" conditions a community sets, what each
enterprise has entered and uploaded for them, applications and their review steps, planned
resumption batches and every change of an enterprise's status."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workgate.core.models import Community, Enterprise


class ResumptionSettings(models.Model):
    """A community's rules for resumption. One row per community, created on first use."""

    community = models.OneToOneField(
        Community, on_delete=models.CASCADE, primary_key=True, related_name="resumption_settings"
    )
    cutoff = models.TimeField(
        _("same-day cut-off"),
        default=dt.time(16, 0),
        help_text=_("Applications in before this time are due the same day; later ones the next."),
    )
    masks_per_person_day = models.PositiveSmallIntegerField(
        _("masks per person per day"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    photo_max_mb = models.PositiveSmallIntegerField(
        _("largest photo or document (MB)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    updated_by_label = models.CharField(max_length=150, blank=True)

    tenant_community = "community_id"

    class Meta:
        verbose_name = _("resumption settings")
        verbose_name_plural = _("resumption settings")

    def __str__(self) -> str:
        return f"{self.community_id}"


class Pillar(models.TextChoices):
    """The four in place (四到位)."""

    MECHANISM = "mechanism", _("Prevention mechanism")
    SCREENING = "screening", _("Employee screening")
    FACILITIES = "facilities", _("Facilities and materials")
    MANAGEMENT = "management", _("Internal management")


class Indicator(models.TextChoices):
    """How a condition is judged: from data the platform holds, from a figure the enterprise
    enters, or by the enterprise's confirmation with evidence."""

    SCREENED_SHARE = "screened_share", _("Share of the returning roster screened")
    REACHED_SHARE = "reached_share", _("Share of the returning roster reached")
    MASK_DAYS = "mask_days", _("Days of mask stock")
    THERMOMETERS_PER_GATE = "thermometers_per_gate", _("Thermometers per gate")
    ISOLATION_ROOM = "isolation_room", _("Isolation room designated")
    OFFICER_NAMED = "officer_named", _("Responsible officer named")
    EMERGENCY_PLAN = "emergency_plan", _("Emergency plan uploaded")
    SHIFTS_STAGGERED = "shifts_staggered", _("Shifts staggered")
    TRAINED_SHARE = "trained_share", _("Share of employees trained")
    CONFIRMED = "confirmed", _("Confirmed by the enterprise")


class Condition(models.Model):
    """One condition of the four in place, as the community sets it."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    pillar = models.CharField(_("pillar"), max_length=12, choices=Pillar)
    indicator = models.CharField(_("judged by"), max_length=24, choices=Indicator)
    title = models.CharField(
        _("title"),
        max_length=120,
        blank=True,
        help_text=_("Leave empty to use the indicator's name in each reader's language."),
    )
    guidance = models.CharField(_("what the enterprise must do"), max_length=300, blank=True)
    threshold = models.DecimalField(
        _("at least"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    mandatory = models.BooleanField(_("mandatory"), default=True)
    evidence_required = models.BooleanField(_("evidence required"), default=False)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("in use"), default=True)

    tenant_community = "community_id"

    class Meta:
        verbose_name = _("resumption condition")
        verbose_name_plural = _("resumption conditions")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        return self.title or str(Indicator(self.indicator).label)


class ConditionEntry(models.Model):
    """What an enterprise has entered for one condition: a figure (masks in stock,
    thermometers, people trained), a text (where the isolation room is) or a confirmation."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    condition = models.ForeignKey(Condition, on_delete=models.CASCADE, related_name="entries")
    value = models.PositiveIntegerField(_("figure"), null=True, blank=True)
    text = models.CharField(_("details"), max_length=200, blank=True)
    confirmed = models.BooleanField(_("confirmed"), default=False)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    updated_by_label = models.CharField(_("by"), max_length=150, blank=True)

    tenant_community = "enterprise__community_id"
    tenant_enterprise = "enterprise_id"

    class Meta:
        verbose_name = _("condition entry")
        verbose_name_plural = _("condition entries")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "condition"], name="entry_one_each")
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id}/{self.condition_id}"


class Evidence(models.Model):
    """A photo or document an enterprise uploaded for a condition."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        DOCUMENT = "document", _("Document")

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    condition = models.ForeignKey(Condition, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    path = models.CharField(max_length=300)
    original_name = models.CharField(_("file"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    uploaded_by_label = models.CharField(_("by"), max_length=150, blank=True)

    tenant_community = "enterprise__community_id"
    tenant_enterprise = "enterprise_id"

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["enterprise", "condition"])]

    def __str__(self) -> str:
        return self.original_name


class Application(models.Model):
    """An enterprise's application to resume work and where its review stands.

    draft → submitted → assigned → surveyed → verified → reported → approved; returned with
    reasons from any review step, then resubmitted (the steps keep every round).
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        ASSIGNED = "assigned", _("Reviewer assigned")
        SURVEYED = "surveyed", _("Field survey done")
        VERIFIED = "verified", _("Verified")
        REPORTED = "reported", _("Reported upward")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.CASCADE,
        related_name="resumption_applications",
        verbose_name=_("enterprise"),
    )
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.DRAFT)
    planned_date = models.DateField(_("planned resumption date"))
    plan = models.TextField(_("resumption plan"), max_length=5000, blank=True)
    plan_path = models.CharField(max_length=300, blank=True)
    plan_name = models.CharField(_("plan document"), max_length=200, blank=True)
    # Computed from the registry and screening when submitted.
    returning_local = models.PositiveIntegerField(_("local employees returning"), default=0)
    returning_non_local = models.PositiveIntegerField(_("non-local employees returning"), default=0)
    returning_high_risk = models.PositiveIntegerField(
        _("returning from high-risk regions"), default=0
    )
    conditions = models.JSONField(_("conditions when submitted"), default=list, blank=True)
    conditions_met = models.PositiveSmallIntegerField(default=0)
    conditions_total = models.PositiveSmallIntegerField(default=0)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    submissions = models.PositiveSmallIntegerField(_("times submitted"), default=0)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    due_on = models.DateField(_("review due"), null=True, blank=True)
    reported_at = models.DateTimeField(_("reported upward"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    overdue_notified_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    tenant_community = "community_id"
    tenant_enterprise = "enterprise_id"

    OPEN_REVIEW = (State.SUBMITTED, State.ASSIGNED, State.SURVEYED, State.VERIFIED)
    ACTIVE = (*OPEN_REVIEW, State.DRAFT, State.REPORTED, State.RETURNED)

    class Meta:
        verbose_name = _("work-resumption application")
        verbose_name_plural = _("work-resumption applications")
        ordering = ["-updated_at", "-id"]
        constraints = [
            # One application in progress per enterprise: a second submit finds the first.
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=models.Q(
                    state__in=[
                        "draft",
                        "submitted",
                        "assigned",
                        "surveyed",
                        "verified",
                        "reported",
                        "returned",
                    ]
                ),
                name="application_one_active",
            )
        ]
        indexes = [models.Index(fields=["community", "state", "due_on"], name="application_queue")]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.planned_date} {self.state}"

    @property
    def same_day_open(self) -> bool:
        """Still on the same-day clock: submitted and not yet reported upward or returned."""
        return self.state in self.OPEN_REVIEW

    def is_overdue(self, today: dt.date) -> bool:
        return self.same_day_open and self.due_on is not None and self.due_on < today


class ApplicationStep(models.Model):
    """Who moved an application on, when, from which state to which, with what notes."""

    class Action(models.TextChoices):
        SUBMIT = "submit", _("Submitted")
        ASSIGN = "assign", _("Reviewer assigned")
        SURVEY = "survey", _("Field survey")
        VERIFY = "verify", _("Verification")
        REPORT = "report", _("Reported upward")
        APPROVE = "approve", _("Approved")
        RETURN = "return", _("Returned")
        WITHDRAW = "withdraw", _("Withdrawn")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("step"), max_length=10, choices=Action)
    from_state = models.CharField(max_length=10, choices=Application.State)
    to_state = models.CharField(max_length=10, choices=Application.State)
    submission = models.PositiveSmallIntegerField(_("submission"), default=1)
    at = models.DateTimeField(_("when"), default=timezone.now)
    actor_label = models.CharField(_("by"), max_length=150, blank=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("notes"), max_length=2000, blank=True)
    # The field survey's checklist: [{"condition": id, "title": str, "ok": bool, "note": str}]
    checklist = models.JSONField(default=list, blank=True)
    # Justifications given at submission for failing mandatory conditions: {id: text}
    justifications = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("application step")
        verbose_name_plural = _("application steps")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class StepPhoto(models.Model):
    """A photo taken during the field survey."""

    step = models.ForeignKey(ApplicationStep, on_delete=models.CASCADE, related_name="photos")
    path = models.CharField(max_length=300)
    original_name = models.CharField(_("file"), max_length=200)
    size = models.PositiveIntegerField(_("size"))

    class Meta:
        verbose_name = _("survey photo")
        verbose_name_plural = _("survey photos")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class Batch(models.Model):
    """A planned resumption batch: the enterprises the community plans to reopen on a date."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100)
    enterprises = models.ManyToManyField(
        Enterprise, related_name="resumption_batches", blank=True, verbose_name=_("enterprises")
    )
    created_at = models.DateTimeField(default=timezone.now)

    tenant_community = "community_id"

    class Meta:
        verbose_name = _("resumption batch")
        verbose_name_plural = _("resumption batches")
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["community", "date"])]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class StatusChange(models.Model):
    """Every change of an enterprise's resumption status, with who, when and why."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    from_status = models.CharField(max_length=20, choices=Enterprise.Status)
    to_status = models.CharField(max_length=20, choices=Enterprise.Status)
    at = models.DateTimeField(_("when"), default=timezone.now)
    on = models.DateField(_("day"))
    actor_label = models.CharField(_("by"), max_length=150, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    tenant_community = "community_id"
    tenant_enterprise = "enterprise_id"

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["community", "on"]),
            models.Index(fields=["enterprise", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.from_status}→{self.to_status}"
