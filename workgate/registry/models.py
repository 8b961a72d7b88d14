"""Regions, an enterprise's sites / workshops / shifts, and one file per employee (一人一档)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workgate.core.models import Community, Enterprise


class Region(models.Model):
    """An administrative division (province, prefecture or county), from python-stdnum's data.

    Abolished divisions are kept: resident ID numbers issued under them stay valid for life.
    """

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("Province")
        PREFECTURE = 2, _("Prefecture")
        COUNTY = 3, _("County")

    code = models.CharField(_("code"), max_length=6, primary_key=True)
    name = models.CharField(_("name"), max_length=60)
    full_name = models.CharField(_("full name"), max_length=150)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    province_code = models.CharField(max_length=2, db_index=True)
    is_current = models.BooleanField(_("in use today"), default=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.full_name


class Site(models.Model):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="sites")
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=300, blank=True)

    tenant_community = "enterprise__community_id"
    tenant_enterprise = "enterprise_id"

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "name"], name="site_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Workshop(models.Model):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="workshops")
    site = models.ForeignKey(
        Site, on_delete=models.SET_NULL, null=True, blank=True, related_name="workshops"
    )
    name = models.CharField(_("name"), max_length=100)

    tenant_community = "enterprise__community_id"
    tenant_enterprise = "enterprise_id"

    class Meta:
        verbose_name = _("workshop")
        verbose_name_plural = _("workshops")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "name"], name="workshop_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Shift(models.Model):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="shifts")
    name = models.CharField(_("name"), max_length=50)
    starts = models.TimeField(_("starts"))
    ends = models.TimeField(_("ends"))

    tenant_community = "enterprise__community_id"
    tenant_enterprise = "enterprise_id"

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "name"], name="shift_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.starts:%H:%M}–{self.ends:%H:%M}"


class Employee(models.Model):
    """One person, one file."""

    class Sex(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class JobStatus(models.TextChoices):
        ACTIVE = "active", _("Working")
        AWAY = "away", _("Not yet returned")
        DELAYED = "delayed", _("Return delayed")
        SHARED_OUT = "shared_out", _("Lent to another enterprise")
        LEFT = "left", _("Left")

    class Health(models.TextChoices):
        NORMAL = "normal", _("Normal")
        FEVER = "fever", _("Fever")
        SUSPECTED = "suspected", _("Suspected case")
        CONFIRMED = "confirmed", _("Confirmed case")

    class Risk(models.TextChoices):
        UNKNOWN = "unknown", _("Not assessed")
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    class Quarantine(models.TextChoices):
        NONE = "none", _("Not in quarantine")
        HOME = "home", _("Home quarantine")
        DORM = "dorm", _("Quarantine dormitory")
        HOSPITAL = "hospital", _("In hospital")

    # No single-column indexes on community and enterprise: they lead the composite indexes
    # below, which serve every query by either (docs/decisions/0009-roster-import.md).
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="employees",
        verbose_name=_("enterprise"),
        db_index=False,
    )
    name = models.CharField(_("name"), max_length=50)
    id_number = models.CharField(_("resident ID number"), max_length=18)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex)
    birth_date = models.DateField(_("birth date"))
    mobile = models.CharField(_("mobile number"), max_length=11, blank=True)
    hukou_code = models.CharField(_("household-registration code"), max_length=6)
    hukou_region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("household-registration region"),
        # Only ever joined from the employee; filters use hukou_code. (Deleting a region, which
        # never happens to official divisions, would scan for files pointing at it.)
        db_index=False,
    )
    is_local = models.BooleanField(_("local"), default=True)
    current_region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current whereabouts"),
    )
    current_address = models.CharField(_("current address"), max_length=200, blank=True)
    arrival_date = models.DateField(_("arrival date"), null=True, blank=True)
    arrived = models.BooleanField(_("arrived"), default=False)
    workshop = models.ForeignKey(
        Workshop, on_delete=models.SET_NULL, null=True, blank=True, related_name="employees"
    )
    shift = models.ForeignKey(
        Shift, on_delete=models.SET_NULL, null=True, blank=True, related_name="employees"
    )
    dorm_room = models.CharField(_("dorm room"), max_length=50, blank=True)
    job_status = models.CharField(
        _("job status"), max_length=12, choices=JobStatus, default=JobStatus.ACTIVE
    )
    grid_member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="grid_employees",
        verbose_name=_("responsible grid member"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="employee_file",
    )
    health_status = models.CharField(
        _("health"), max_length=10, choices=Health, default=Health.NORMAL
    )
    risk_level = models.CharField(_("risk"), max_length=8, choices=Risk, default=Risk.UNKNOWN)
    quarantine_status = models.CharField(
        _("quarantine"), max_length=10, choices=Quarantine, default=Quarantine.NONE
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    tenant_community = "community_id"
    tenant_enterprise = "enterprise_id"

    class Meta:
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "id_number"], name="employee_unique_id_in_community"
            )
        ]
        indexes = [
            # The employee list is ordered by name (then id) within a community or enterprise.
            models.Index(fields=["enterprise", "name", "id"]),
            models.Index(fields=["community", "name", "id"]),
            models.Index(fields=["community", "is_local"]),
            models.Index(fields=["community", "hukou_code"]),
            models.Index(fields=["enterprise", "workshop"]),
            models.Index(fields=["community", "job_status"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_label(self) -> str:
        """How the person is named in the audit log: name and masked ID number only."""
        from workgate.core.masking import mask_id_number

        return f"{self.name} {mask_id_number(self.id_number)}"


class TravelRecord(models.Model):
    class Means(models.TextChoices):
        TRAIN = "train", _("Train")
        PLANE = "plane", _("Plane")
        COACH = "coach", _("Coach")
        CAR = "car", _("Own car")
        OTHER = "other", _("Other")

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="travels")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"), null=True, blank=True)
    means = models.CharField(_("means"), max_length=10, choices=Means, default=Means.OTHER)

    tenant_community = "employee__community_id"
    tenant_enterprise = "employee__enterprise_id"

    class Meta:
        verbose_name = _("travel record")
        verbose_name_plural = _("travel records")
        ordering = ["-date_from"]

    def __str__(self) -> str:
        return f"{self.region} {self.date_from}"


class TimelineEvent(models.Model):
    """Something that happened to a person, added by any app through `timeline_add`."""

    # Indexed by (employee, -at) below, which serves lookups by employee too.
    employee = models.ForeignKey(
        Employee, on_delete=models.CASCADE, related_name="timeline", db_index=False
    )
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=50)
    params = models.JSONField(default=dict, blank=True)
    actor_label = models.CharField(max_length=150, blank=True)

    tenant_community = "employee__community_id"
    tenant_enterprise = "employee__enterprise_id"

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        indexes = [models.Index(fields=["employee", "-at"])]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d}"


class ImportMapping(models.Model):
    """The column mapping an enterprise last confirmed, offered again on its next import."""

    enterprise = models.OneToOneField(
        Enterprise, on_delete=models.CASCADE, related_name="import_mapping"
    )
    # normalised header text → employee field name (see registry/importing/columns.py)
    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    tenant_community = "enterprise__community_id"
    tenant_enterprise = "enterprise_id"

    class Meta:
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")

    def __str__(self) -> str:
        return f"{self.enterprise} mapping"


class RosterImport(models.Model):
    """One uploaded roster file, from upload through preview to import, with its results."""

    class Policy(models.TextChoices):
        VALID_ROWS = "valid-rows", _("Import the valid rows, report the others")
        ALL_OR_NOTHING = "all-or-nothing", _("Import nothing unless every row is valid")

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        PREVIEWING = "previewing", _("Checking")
        PREVIEWED = "previewed", _("Checked")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        REFUSED = "refused", _("Nothing imported")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="roster_imports"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    original_name = models.CharField(_("file"), max_length=255)
    file = models.CharField(max_length=300)  # path under MEDIA_ROOT
    policy = models.CharField(_("policy"), max_length=20, choices=Policy, default=Policy.VALID_ROWS)
    header_row = models.PositiveIntegerField(default=0)  # 0-based index of the header row
    # column index (as a string) → employee field name; unmapped columns are absent
    mapping = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=12, choices=Status, default=Status.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # The first errors, for the page: [{"row", "column", "value" (masked), "reason"}]
    errors = models.JSONField(default=list, blank=True)
    report_file = models.CharField(max_length=300, blank=True)  # path under MEDIA_ROOT
    job = models.ForeignKey(
        "core.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    tenant_community = "community_id"
    tenant_enterprise = "enterprise_id"

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name
