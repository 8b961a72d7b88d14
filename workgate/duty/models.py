"""Duty rosters (值班表): posts to keep (the gate of an enterprise, a temperature round, the call
centre), their shifts day by day, the volunteers assigned to each shift, and swaps between
volunteers that a manager approves."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workgate.core.models import Community, Enterprise
from workgate.health.models import Gate
from workgate.volunteers.models import Volunteer


class Post(models.Model):
    """A place or task that must be staffed, with the shifts of its usual day.

    `shift_times` is the post's daily pattern, e.g. [["07:00", "15:00"], ["15:00", "23:00"]];
    a shift that ends at or before it starts ends the next day. Planning a week turns the
    pattern into `Shift` rows, which can then be changed one by one.
    """

    class Kind(models.TextChoices):
        GATE = "gate", _("Gate")
        ROUND = "round", _("Temperature round")
        CALL_CENTRE = "call_centre", _("Call centre")
        OTHER = "other", _("Other duty")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind, default=Kind.GATE)
    name = models.CharField(_("name"), max_length=120)
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("enterprise"),
    )
    gate = models.ForeignKey(
        Gate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duty_posts",
        verbose_name=_("gate"),
    )
    needed = models.PositiveSmallIntegerField(
        _("people per shift"), default=1, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    shift_times = models.JSONField(_("shift times"), default=list)
    remind_minutes = models.PositiveSmallIntegerField(
        _("remind before the shift (minutes)"),
        default=60,
        validators=[MinValueValidator(5), MaxValueValidator(24 * 60)],
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    tenant_community = "community_id"
    tenant_enterprise = "enterprise_id"

    class Meta:
        verbose_name = _("duty post")
        verbose_name_plural = _("duty posts")
        ordering = ["kind", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="duty_post_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Shift(models.Model):
    """One shift of a post: when, and how many people it needs."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="shifts")
    # The day the shift belongs to on the roster (the day it starts, local time).
    day = models.DateField(_("day"))
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    needed = models.PositiveSmallIntegerField(
        _("people needed"), default=1, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    # Denormalised so the roster, the gaps and the reminders read one table by community and day.
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")

    tenant_community = "community_id"
    tenant_enterprise = "post__enterprise_id"

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["post", "starts_at"], name="duty_shift_unique"),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="duty_shift_order"
            ),
        ]
        indexes = [
            models.Index(fields=["community", "day"]),
            models.Index(fields=["community", "starts_at"]),
        ]

    def __str__(self) -> str:
        start = timezone.localtime(self.starts_at)
        end = timezone.localtime(self.ends_at)
        return f"{self.post} {start:%m-%d %H:%M}–{end:%H:%M}"


class Assignment(models.Model):
    """A volunteer on a shift."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="assignments")
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="duty_assignments"
    )
    assigned_by_label = models.CharField(max_length=150, blank=True)
    assigned_at = models.DateTimeField(default=timezone.now)
    reminded_at = models.DateTimeField(null=True, blank=True)

    tenant_community = "shift__community_id"
    tenant_enterprise = "shift__post__enterprise_id"

    class Meta:
        verbose_name = _("duty assignment")
        verbose_name_plural = _("duty assignments")
        constraints = [
            models.UniqueConstraint(fields=["shift", "volunteer"], name="duty_assignment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} @ {self.shift_id}"


class Swap(models.Model):
    """A volunteer hands a shift to a colleague (or exchanges it for one of theirs).

    The colleague agrees or declines; an agreed swap waits for a manager's approval, which moves
    the assignments. Nothing changes on the roster before approval.
    """

    class State(models.TextChoices):
        ASKED = "asked", _("Waiting for the colleague")
        AGREED = "agreed", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined by the colleague")
        REJECTED = "rejected", _("Not approved")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="swaps")
    from_volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="+")
    to_volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="+")
    # For an exchange: the colleague's shift that the asker takes in return.
    in_return = models.ForeignKey(
        Shift, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.ASKED)
    requested_by_label = models.CharField(max_length=150, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    decided_by_label = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=200, blank=True)

    tenant_community = "community_id"
    tenant_enterprise = "shift__post__enterprise_id"

    class Meta:
        verbose_name = _("shift swap")
        verbose_name_plural = _("shift swaps")
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["community", "state"])]

    def __str__(self) -> str:
        return f"swap {self.shift_id}: {self.from_volunteer_id} → {self.to_volunteer_id}"
