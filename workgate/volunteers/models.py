"""Volunteers (党员志愿服务队): the people who answer call-outs, the teams they form and the
groups inside a team (liaison 联络组, logistics 后勤组, material support 物资保障组 — names are
data), and call-outs with each volunteer's answer."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workgate.core.models import Community, Enterprise, GroupRobot


class Volunteer(models.Model):
    """A person who helps: a party member, an enterprise's staff member or a resident."""

    class Kind(models.TextChoices):
        PARTY = "party", _("Party member")
        STAFF = "staff", _("Enterprise staff")
        RESIDENT = "resident", _("Resident")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=50)
    mobile = models.CharField(_("mobile number"), max_length=20)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.PARTY)
    skills = models.JSONField(_("skills"), default=list, blank=True)
    availability = models.CharField(_("availability"), max_length=120, blank=True)
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="volunteer_profiles",
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    tenant_community = "community_id"

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["community", "mobile"], name="volunteer_mobile_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=80)
    leader = models.ForeignKey(
        Volunteer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The team's own channel: its WeCom / DingTalk group hears the call-outs sent to the team.
    robot = models.ForeignKey(
        GroupRobot,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="teams",
        verbose_name=_("group robot"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    tenant_community = "community_id"

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Group(models.Model):
    """A group inside a team, with its own leader and members."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(_("name"), max_length=60)
    leader = models.ForeignKey(
        Volunteer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    members = models.ManyToManyField(Volunteer, blank=True, related_name="groups")
    position = models.PositiveSmallIntegerField(default=0)

    tenant_community = "team__community_id"

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["team_id", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="group_name_unique")]

    def __str__(self) -> str:
        return f"{self.team} · {self.name}"


class CallOut(models.Model):
    """A request for hands: what, where, when, how many, from which groups or skills."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        FILLED = "filled", _("Filled")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("what"), max_length=120)
    place = models.CharField(_("where"), max_length=120)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)
    needed = models.PositiveIntegerField(
        _("people needed"), validators=[MinValueValidator(1), MaxValueValidator(10000)]
    )
    groups = models.ManyToManyField(Group, blank=True, related_name="+")
    skills = models.JSONField(_("skills"), default=list, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.OPEN)
    accepted = models.PositiveIntegerField(_("accepted"), default=0)
    posted_by_label = models.CharField(max_length=150)
    posted_at = models.DateTimeField(_("posted"), default=timezone.now)
    filled_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    tenant_community = "community_id"

    class Meta:
        verbose_name = _("call-out")
        verbose_name_plural = _("call-outs")
        ordering = ["-posted_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(accepted__lte=models.F("needed")),
                name="callout_accepted_at_most_needed",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Answer(models.Model):
    """One volunteer asked by a call-out, and what they answered."""

    class Reply(models.TextChoices):
        NONE = "", _("No answer yet")
        ACCEPTED = "accepted", _("Accepted")
        WAITING = "waiting", _("On the waiting list")
        DECLINED = "declined", _("Declined")

    callout = models.ForeignKey(CallOut, on_delete=models.CASCADE, related_name="answers")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="answers")
    reply = models.CharField(_("answer"), max_length=10, choices=Reply, blank=True, default="")
    answered_at = models.DateTimeField(null=True, blank=True)
    asked_at = models.DateTimeField(default=timezone.now)

    tenant_community = "callout__community_id"

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["callout", "volunteer"], name="answer_unique")
        ]
        indexes = [models.Index(fields=["callout", "reply", "answered_at"])]

    def __str__(self) -> str:
        return f"{self.callout_id} · {self.volunteer_id}: {self.reply or '-'}"
