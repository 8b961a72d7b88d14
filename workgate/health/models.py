"""Daily health: a community's health settings, gates, pass codes, temperature checks (the one
big time-series table), self-declarations and fever incidents with their steps."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workgate.core.models import Community, Enterprise
from workgate.registry.models import Employee, Region

# Outside this range a reading is a typing or device error, not a body temperature.
PLAUSIBLE_LOW = Decimal("34.0")
PLAUSIBLE_HIGH = Decimal("43.0")


class HealthSettings(models.Model):
    """A community's rules for daily health. One row per community, created on first use."""

    community = models.OneToOneField(
        Community, on_delete=models.CASCADE, primary_key=True, related_name="health_settings"
    )
    fever_threshold = models.DecimalField(
        _("fever from (°C)"),
        max_digits=3,
        decimal_places=1,
        default=Decimal("37.3"),
        validators=[MinValueValidator(Decimal("37.0")), MaxValueValidator(Decimal("38.5"))],
    )
    round_1 = models.TimeField(_("round 1"), default=dt.time(8, 0))
    round_2 = models.TimeField(_("round 2"), default=dt.time(13, 0))
    round_3 = models.TimeField(_("round 3"), default=dt.time(18, 0))
    late_limit_hours = models.PositiveSmallIntegerField(
        _("checks accepted up to (hours late)"),
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 7)],
    )
    future_tolerance_minutes = models.PositiveSmallIntegerField(
        _("device clocks may run ahead by (minutes)"),
        default=10,
        validators=[MaxValueValidator(120)],
    )
    recheck_minutes = models.PositiveSmallIntegerField(
        _("re-check within (minutes)"), default=15, validators=[MinValueValidator(1)]
    )
    isolate_minutes = models.PositiveSmallIntegerField(
        _("send to the fever clinic within (minutes)"),
        default=60,
        validators=[MinValueValidator(1)],
    )
    clinic_hours = models.PositiveSmallIntegerField(
        _("clinic outcome within (hours)"), default=8, validators=[MinValueValidator(1)]
    )
    close_hours = models.PositiveSmallIntegerField(
        _("close the incident within (hours)"), default=24, validators=[MinValueValidator(1)]
    )
    retention_days = models.PositiveSmallIntegerField(
        _("keep checks for (days)"),
        default=60,
        validators=[MinValueValidator(14), MaxValueValidator(3660)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    tenant_community = "community_id"

    class Meta:
        verbose_name = _("health settings")
        verbose_name_plural = _("health settings")

    def __str__(self) -> str:
        return str(self.community)

    @property
    def round_times(self) -> tuple[dt.time, dt.time, dt.time]:
        return (self.round_1, self.round_2, self.round_3)


class Gate(models.Model):
    """An entrance of an enterprise where volunteers take temperatures."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="gates", verbose_name=_("enterprise")
    )
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    tenant_community = "enterprise__community_id"
    tenant_enterprise = "enterprise_id"

    class Meta:
        verbose_name = _("gate")
        verbose_name_plural = _("gates")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "name"], name="gate_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class PassCode(models.Model):
    """The code in a person's pass (QR). Random, so it tells nothing about the person; reissuing
    it makes an old screenshot useless."""

    employee = models.OneToOneField(
        Employee, on_delete=models.CASCADE, primary_key=True, related_name="pass_code"
    )
    code = models.CharField(_("pass code"), max_length=16, unique=True)
    issued_at = models.DateTimeField(default=timezone.now)

    tenant_community = "employee__community_id"
    tenant_enterprise = "employee__enterprise_id"

    class Meta:
        verbose_name = _("pass code")
        verbose_name_plural = _("pass codes")

    def __str__(self) -> str:
        return self.code


class Check(models.Model):
    """One temperature check: at a gate, on a round, or a re-check of a fever.

    Sized for 18 million rows (100,000 people × 3 rounds × 60 days). On PostgreSQL the table is
    partitioned by `taken_on` (docs/decisions/0017-check-storage.md), which is why the primary
    key is (taken_on, uuid): a partitioned table's keys must contain the partition column. The
    `uuid` is made by the client when the check is taken, so an upload retried after a lost
    response is recognised and stored once. Tenant and person columns carry no database foreign
    key: the service has checked them, employees are never deleted, and a constraint check per
    row would halve the ingest rate of the busiest table.
    """

    class Kind(models.TextChoices):
        GATE = "gate", _("Gate check")
        ROUND = "round", _("Round check")
        RECHECK = "recheck", _("Re-check")

    class Source(models.TextChoices):
        STATION = "station", _("Gate station")
        DEVICE = "device", _("Device")
        GRID = "grid", _("Round grid")
        FILE = "file", _("Person's file")

    pk = models.CompositePrimaryKey("taken_on", "uuid")
    taken_on = models.DateField(_("day"))
    uuid = models.UUIDField(_("check id"))
    taken_at = models.DateTimeField(_("taken at"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    community = models.ForeignKey(
        Community,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    employee = models.ForeignKey(
        Employee,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    gate = models.ForeignKey(
        Gate,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind)
    round_no = models.PositiveSmallIntegerField(_("round"))
    temperature = models.DecimalField(_("temperature"), max_digits=3, decimal_places=1)
    fever = models.BooleanField(_("fever"), default=False)
    masks_issued = models.PositiveSmallIntegerField(_("masks issued"), default=0)
    source = models.CharField(_("source"), max_length=8, choices=Source)
    recorded_by = models.CharField(_("recorded by"), max_length=150, blank=True)

    tenant_community = "community_id"
    tenant_enterprise = "enterprise_id"

    class Meta:
        verbose_name = _("temperature check")
        verbose_name_plural = _("temperature checks")
        indexes = [
            # Missing-check lists: who was checked in a round of a day.
            models.Index(
                fields=["community", "taken_on", "round_no", "employee"], name="check_round_idx"
            ),
            # A person's file: their checks, newest first.
            models.Index(fields=["employee", "taken_at"], name="check_employee_idx"),
            # Masks issued and checks per enterprise per day.
            models.Index(fields=["enterprise", "taken_on"], name="check_enterprise_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.temperature} °C {self.taken_at:%Y-%m-%d %H:%M}"


class Declaration(models.Model):
    """An employee's daily self-declaration. One per person per day; a second one that day
    replaces the first (the file's timeline keeps both)."""

    class Whereabouts(models.TextChoices):
        DORM = "dorm", _("In the enterprise dormitory")
        LOCAL = "local", _("At home in this city")
        TRAVELLING = "travelling", _("Travelling / elsewhere")

    class Symptom(models.TextChoices):
        FEVER = "fever", _("Fever or chills")
        COUGH = "cough", _("Cough")
        THROAT = "throat", _("Sore throat")
        BREATH = "breath", _("Shortness of breath")
        FATIGUE = "fatigue", _("Fatigue or aching muscles")
        SMELL = "smell", _("Lost sense of smell or taste")
        DIARRHOEA = "diarrhoea", _("Diarrhoea")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    employee = models.ForeignKey(
        Employee, on_delete=models.CASCADE, related_name="declarations", db_index=False
    )
    day = models.DateField(_("day"))
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    temperature = models.DecimalField(_("temperature"), max_digits=3, decimal_places=1)
    symptoms = models.JSONField(_("symptoms"), default=list, blank=True)
    whereabouts = models.CharField(_("where are you"), max_length=10, choices=Whereabouts)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_with_case = models.BooleanField(_("contact with a case in the last 14 days"))

    tenant_community = "community_id"
    tenant_enterprise = "enterprise_id"

    class Meta:
        verbose_name = _("health declaration")
        verbose_name_plural = _("health declarations")
        constraints = [
            models.UniqueConstraint(fields=["employee", "day"], name="declaration_one_a_day")
        ]
        indexes = [models.Index(fields=["community", "day"], name="declaration_day_idx")]

    def __str__(self) -> str:
        return f"{self.employee_id} {self.day}"


class Incident(models.Model):
    """A fever, followed from the first reading until it is closed.

    re-check → isolated on site → at the fever clinic → outcome (cleared / suspected /
    confirmed) → closed. A normal re-check clears it at once. Each state has a time limit
    (HealthSettings); a state held past it is escalated by the periodic task.
    """

    class State(models.TextChoices):
        RECHECK = "recheck", _("Waiting for re-check")
        ISOLATED = "isolated", _("Isolated on site")
        CLINIC = "clinic", _("At the fever clinic")
        OUTCOME = "outcome", _("Outcome known")
        CLOSED = "closed", _("Closed")

    class Outcome(models.TextChoices):
        CLEARED = "cleared", _("Cleared")
        SUSPECTED = "suspected", _("Suspected case")
        CONFIRMED = "confirmed", _("Confirmed case")

    class Source(models.TextChoices):
        CHECK = "check", _("Temperature check")
        DECLARATION = "declaration", _("Self-declaration")

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="fever_incidents")
    source = models.CharField(_("raised by"), max_length=12, choices=Source)
    check_uuid = models.UUIDField(null=True, blank=True)
    temperature = models.DecimalField(_("temperature"), max_digits=3, decimal_places=1)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.RECHECK)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome, blank=True)
    state_since = models.DateTimeField(_("in this state since"), default=timezone.now)
    due_at = models.DateTimeField(_("next step due"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalations"), default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    tenant_community = "community_id"
    tenant_enterprise = "enterprise_id"

    class Meta:
        verbose_name = _("fever incident")
        verbose_name_plural = _("fever incidents")
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["community", "state", "opened_at"], name="incident_state_idx"),
            models.Index(fields=["enterprise", "state", "opened_at"], name="incident_ent_idx"),
            models.Index(fields=["due_at"], name="incident_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(state__in=["outcome", "closed"]) | ~models.Q(outcome=""),
                name="incident_outcome_when_known",
            )
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} {self.temperature} °C {self.get_state_display()}"

    @property
    def is_open(self) -> bool:
        return self.state != self.State.CLOSED

    @property
    def is_overdue(self) -> bool:
        """Past the step's limit, or escalated for it and not moved on since."""
        late = self.due_at is not None and self.due_at <= timezone.now()
        return self.is_open and (late or self.escalation_level > 0)


class IncidentStep(models.Model):
    """Who moved an incident to which state, when, with what reading or note."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="steps")
    state = models.CharField(_("state"), max_length=10, choices=Incident.State)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Incident.Outcome, blank=True)
    escalation = models.BooleanField(default=False)
    at = models.DateTimeField(_("when"), default=timezone.now)
    actor_label = models.CharField(_("by"), max_length=150, blank=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    temperature = models.DecimalField(
        _("temperature"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("incident step")
        verbose_name_plural = _("incident steps")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.state} {self.at:%Y-%m-%d %H:%M}"
