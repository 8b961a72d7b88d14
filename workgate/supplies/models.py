"""Supplies (防疫物资) and the supply-chain supermarket (供应链超市): the materials catalogue, who
holds stock and the ledger that is the only way stock changes, suppliers and their offers,
enterprises' needs, allocation runs with their proof and lines, and the orders they become."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workgate.core.models import Community, Enterprise


class SuppliesSettings(models.Model):
    """A community's rules for materials. One row per community, created on first use."""

    community = models.OneToOneField(
        Community, on_delete=models.CASCADE, primary_key=True, related_name="supplies_settings"
    )
    shortage_days = models.PositiveSmallIntegerField(
        _("shortage below (days of supply)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    history_days = models.PositiveSmallIntegerField(
        _("burn rate over the last (days)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    cover_days = models.PositiveSmallIntegerField(
        _("proposed needs cover (days)"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    gate_material = models.ForeignKey(
        "Material",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("masks handed out at the gate are"),
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    tenant_community = "community_id"

    class Meta:
        verbose_name = _("supplies settings")
        verbose_name_plural = _("supplies settings")

    def __str__(self) -> str:
        return f"{self.community_id}"


class Category(models.TextChoices):
    MASK = "mask", _("Masks")
    THERMOMETER = "thermometer", _("Thermometers")
    DISINFECTANT = "disinfectant", _("Disinfectant")
    GLOVES = "gloves", _("Gloves")
    GOGGLES = "goggles", _("Goggles")
    SUIT = "suit", _("Protective suits")
    OTHER = "other", _("Other")


class Material(models.Model):
    """One kind of material, counted in whole units (a mask, a thermometer, a 500 ml bottle)."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    category = models.CharField(_("category"), max_length=15, choices=Category)
    unit = models.CharField(_("unit"), max_length=20, help_text=_("e.g. piece, bottle (500 ml)"))
    unit_en = models.CharField(_("English unit"), max_length=20, blank=True)
    durable = models.BooleanField(
        _("durable"),
        default=False,
        help_text=_("Kept, not used up (thermometers, goggles): judged by count, not by days."),
    )
    use_per_person_day = models.DecimalField(
        _("use per person on duty per day"),
        max_digits=8,
        decimal_places=3,
        default=0,
        validators=[MinValueValidator(0)],
    )
    per_hundred = models.DecimalField(
        _("durable: needed per 100 people on duty"),
        max_digits=8,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("in use"), default=True)

    tenant_community = "community_id"

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "code"], name="material_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class DeliveryArea(models.Model):
    """A part of the community a supplier may or may not deliver to (a park, a zone)."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=60)

    tenant_community = "community_id"

    class Meta:
        verbose_name = _("delivery area")
        verbose_name_plural = _("delivery areas")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="delivery_area_unique")
        ]

    def __str__(self) -> str:
        return self.name


class EnterpriseArea(models.Model):
    """Which delivery area an enterprise is in."""

    enterprise = models.OneToOneField(
        Enterprise, on_delete=models.CASCADE, primary_key=True, related_name="delivery_area"
    )
    area = models.ForeignKey(DeliveryArea, on_delete=models.CASCADE, related_name="enterprises")

    tenant_community = "enterprise__community_id"
    tenant_enterprise = "enterprise_id"

    def __str__(self) -> str:
        return f"{self.enterprise_id} → {self.area_id}"


class Holder(models.Model):
    """Who holds stock: an enterprise, or the community's reserve (donations, government
    stock). Created on first use."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    enterprise = models.OneToOneField(
        Enterprise, on_delete=models.CASCADE, null=True, blank=True, related_name="stock_holder"
    )

    tenant_community = "community_id"
    tenant_enterprise = "enterprise_id"

    class Meta:
        verbose_name = _("stock holder")
        verbose_name_plural = _("stock holders")

    def __str__(self) -> str:
        return str(self.enterprise) if self.enterprise_id else str(_("Community reserve"))

    @property
    def is_reserve(self) -> bool:
        return self.enterprise_id is None


class Stock(models.Model):
    """What a holder has of a material now: the running sum of its ledger, updated in the same
    transaction as each entry (and checked against it by the tests)."""

    holder = models.ForeignKey(Holder, on_delete=models.CASCADE, related_name="stocks")
    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="+")
    quantity = models.IntegerField(_("in stock"), default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    tenant_community = "holder__community_id"
    tenant_enterprise = "holder__enterprise_id"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["holder", "material"], name="stock_unique")]

    def __str__(self) -> str:
        return f"{self.material_id}: {self.quantity}"


class LedgerEntry(models.Model):
    """One movement of stock. Entries are only ever added; a mistake is corrected by an
    adjustment that says why."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received")
        GATE = "gate", _("Handed out at the gate")
        CONSUMED = "consumed", _("Used")
        ADJUSTED = "adjusted", _("Adjusted (count)")
        TRANSFER_OUT = "transfer_out", _("Sent from the reserve")

    holder = models.ForeignKey(Holder, on_delete=models.CASCADE, related_name="entries")
    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=15, choices=Kind)
    quantity = models.IntegerField(_("quantity"), help_text=_("Positive in, negative out."))
    balance = models.IntegerField(_("balance after"))
    day = models.DateField(_("day"), db_index=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    source = models.CharField(_("from"), max_length=120, blank=True)
    order = models.ForeignKey(
        "Order", on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    actor_label = models.CharField(_("by"), max_length=150)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    tenant_community = "holder__community_id"
    tenant_enterprise = "holder__enterprise_id"

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [models.Index(fields=["holder", "material", "day"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity:+d}"


class Supplier(models.Model):
    """A supplier in the supermarket; its accounts (supplier role) keep its offers."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18)
    contact_name = models.CharField(_("contact"), max_length=50)
    contact_phone = models.CharField(_("contact phone"), max_length=20)
    address = models.CharField(_("address"), max_length=300, blank=True)
    areas = models.ManyToManyField(
        DeliveryArea,
        blank=True,
        related_name="suppliers",
        verbose_name=_("delivers to"),
        help_text=_("None chosen: the whole community."),
    )
    accounts = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="suppliers"
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    tenant_community = "community_id"
    tenant_supplier_accounts = "accounts"

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "credit_code"], name="supplier_credit_code_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Certification(models.Model):
    """A licence or product certificate a supplier uploaded (business licence, medical device
    registration, test report)."""

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="certifications")
    title = models.CharField(_("title"), max_length=120)
    file = models.FileField(_("file"), upload_to="supplies/certs/%Y/%m/")
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    uploaded_by_label = models.CharField(max_length=150)
    uploaded_at = models.DateTimeField(default=timezone.now)

    tenant_community = "supplier__community_id"
    tenant_supplier_accounts = "supplier__accounts"

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")

    def __str__(self) -> str:
        return self.title


class Offer(models.Model):
    """What a supplier offers of one material. `version` rises with every change so that an
    allocation computed on an older version is not turned into orders."""

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="offers")
    material = models.ForeignKey(Material, on_delete=models.PROTECT, related_name="offers")
    quantity = models.PositiveIntegerField(_("quantity available"))
    unit_price = models.DecimalField(
        _("unit price (yuan)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    min_order = models.PositiveIntegerField(
        _("minimum order"), default=1, validators=[MinValueValidator(1)]
    )
    lead_days = models.PositiveSmallIntegerField(
        _("delivery within (days)"), default=1, validators=[MaxValueValidator(60)]
    )
    areas = models.ManyToManyField(
        DeliveryArea,
        blank=True,
        related_name="offers",
        verbose_name=_("delivers to"),
        help_text=_("None chosen: wherever the supplier delivers."),
    )
    active = models.BooleanField(_("on offer"), default=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    updated_by_label = models.CharField(max_length=150, blank=True)

    tenant_community = "supplier__community_id"
    tenant_supplier_accounts = "supplier__accounts"

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_order__gte=1), name="offer_min_order_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.supplier} · {self.material}"


class Need(models.Model):
    """What an enterprise needs: a material, how many, by when."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        ORDERED = "ordered", _("Ordered")
        PARTLY = "partly", _("Partly ordered")
        CANCELLED = "cancelled", _("Withdrawn")

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="needs")
    material = models.ForeignKey(Material, on_delete=models.PROTECT, related_name="needs")
    quantity = models.PositiveIntegerField(_("quantity"))
    ordered = models.PositiveIntegerField(_("ordered"), default=0)
    by_date = models.DateField(_("needed by"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    proposed = models.BooleanField(_("proposed from days of supply"), default=False)
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.OPEN)
    posted_at = models.DateTimeField(_("posted"), default=timezone.now)
    posted_by_label = models.CharField(max_length=150)

    tenant_community = "enterprise__community_id"
    tenant_enterprise = "enterprise_id"

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        indexes = [models.Index(fields=["state", "material"])]

    def __str__(self) -> str:
        return f"{self.material_id} × {self.quantity}"

    @property
    def outstanding(self) -> int:
        return max(self.quantity - self.ordered, 0)


class AllocationRun(models.Model):
    """One run of the allocation: what it was given, what it found and the solver's proof."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    started_by_label = models.CharField(max_length=150)
    created_at = models.DateTimeField(_("run at"), default=timezone.now)
    optimal = models.BooleanField(_("proven optimal"), default=False)
    status = models.CharField(max_length=40)
    weighted_met = models.FloatField(default=0)
    weighted_bound = models.FloatField(default=0)
    weighted_total = models.FloatField(default=0)
    cost = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    cost_bound = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    greedy_weighted_met = models.FloatField(default=0)
    greedy_cost = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    needs = models.PositiveIntegerField(default=0)
    offers = models.PositiveIntegerField(default=0)
    columns = models.PositiveIntegerField(default=0)
    nodes = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)
    issued_at = models.DateTimeField(null=True, blank=True)

    tenant_community = "community_id"

    class Meta:
        verbose_name = _("allocation run")
        verbose_name_plural = _("allocation runs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M}"


class AllocationLine(models.Model):
    """One line of a run: this need gets this much from this offer (or the reserve), and why."""

    run = models.ForeignKey(AllocationRun, on_delete=models.CASCADE, related_name="lines")
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="+")
    offer = models.ForeignKey(
        Offer, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    offer_version = models.PositiveIntegerField(default=0)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    urgency = models.FloatField(default=0)
    pinned = models.BooleanField(default=False)
    why = models.JSONField(default=dict)

    tenant_community = "run__community_id"
    tenant_enterprise = "need__enterprise_id"

    def __str__(self) -> str:
        return f"{self.need_id} ← {self.offer_id or 'reserve'} × {self.quantity}"

    @property
    def from_reserve(self) -> bool:
        return self.offer_id is None


class AllocationRule(models.Model):
    """A line staff pinned (this need gets this much from this offer) or excluded (never this
    offer for this need); kept for the next runs until the need is closed."""

    class Kind(models.TextChoices):
        PIN = "pin", _("Pinned")
        EXCLUDE = "exclude", _("Excluded")

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="rules")
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, null=True, blank=True)
    kind = models.CharField(max_length=8, choices=Kind)
    quantity = models.PositiveIntegerField(default=0)
    created_by_label = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)

    tenant_community = "need__enterprise__community_id"

    def __str__(self) -> str:
        return f"{self.kind} {self.need_id}"


class Order(models.Model):
    """An allocation line turned into an order: the supplier confirms, the enterprise receives
    (in one or several deliveries), either side may cancel what is not yet delivered."""

    class State(models.TextChoices):
        ISSUED = "issued", _("Issued")
        CONFIRMED = "confirmed", _("Confirmed")
        PARTLY = "partly", _("Partly delivered")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")
        CLOSED = "closed", _("Closed short")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="orders")
    supplier = models.ForeignKey(
        Supplier, on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, null=True, blank=True)
    material = models.ForeignKey(Material, on_delete=models.PROTECT, related_name="+")
    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="orders")
    line = models.OneToOneField(
        AllocationLine, on_delete=models.PROTECT, null=True, blank=True, related_name="order"
    )
    quantity = models.PositiveIntegerField(_("ordered"))
    delivered = models.PositiveIntegerField(_("delivered"), default=0)
    unit_price = models.DecimalField(_("unit price"), max_digits=10, decimal_places=2)
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.ISSUED)
    created_at = models.DateTimeField(_("issued"), default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    tenant_community = "community_id"
    tenant_enterprise = "enterprise_id"
    tenant_supplier_accounts = "supplier__accounts"

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(delivered__lte=models.F("quantity")),
                name="order_delivered_at_most_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.material_id} × {self.quantity}"

    @property
    def from_reserve(self) -> bool:
        return self.supplier_id is None

    @property
    def outstanding(self) -> int:
        return self.quantity - self.delivered


class Delivery(models.Model):
    """Part or all of an order, received by the enterprise."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="deliveries")
    quantity = models.PositiveIntegerField(_("quantity"))
    received_by_label = models.CharField(max_length=150)
    received_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(_("note"), max_length=200, blank=True)

    tenant_community = "order__community_id"
    tenant_enterprise = "order__enterprise_id"
    tenant_supplier_accounts = "order__supplier__accounts"

    def __str__(self) -> str:
        return f"#{self.order_id} +{self.quantity}"
