"""Grids (网格): each group of employees — a workshop, a dormitory building, a chat group — and
the member responsible for it, who follows their people day by day and sees nobody else."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workgate.core.models import Community, Enterprise
from workgate.registry.models import Employee, Workshop


class Grid(models.Model):
    """A group of an enterprise's employees and who is responsible for it.

    Who is in it follows the registry: a workshop grid holds the workshop's employees; a
    dormitory grid those whose dorm room starts with `dorm_prefix` ("3号楼" holds "3号楼201");
    a chat group lists its `members`, since the registry knows nothing of chat groups.
    """

    class Kind(models.TextChoices):
        WORKSHOP = "workshop", _("Workshop")
        DORM = "dorm", _("Dormitory")
        CHAT = "chat", _("Chat group")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.WORKSHOP)
    name = models.CharField(_("name"), max_length=80)
    workshop = models.ForeignKey(
        Workshop,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("workshop"),
    )
    dorm_prefix = models.CharField(_("dorm rooms starting with"), max_length=50, blank=True)
    members = models.ManyToManyField(Employee, blank=True, related_name="chat_grids")
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="grids",
        verbose_name=_("responsible member"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    tenant_community = "community_id"
    tenant_enterprise = "enterprise_id"

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["enterprise_id", "kind", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "name"], name="grid_name_unique")
        ]
        indexes = [models.Index(fields=["community", "responsible"])]

    def __str__(self) -> str:
        return self.name
