"""In-app notifications: any app tells people something; they read it under the bell.

A notification stores a kind and its parameters, never text: the text is written when it is
shown, in the reader's language, by the functions its app registered for the kind (in its
AppConfig.ready()), as the file timeline does. Reading is personal: a person sees only the
notifications addressed to them.

    notify(users=recipients(community_id=c, roles=[Role.OFFICER], enterprise_id=e),
           community_id=c, enterprise_id=e, kind="health.fever", params={"name": "张三"},
           url=reverse("health:check", args=[check.pk]))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from workgate.core.models import (
    ChannelChoice,
    Delivery,
    GroupRobot,
    Membership,
    Notification,
    Role,
    User,
)

Render = Callable[[dict[str, Any]], str]
CHUNK = 500  # ids per IN (...) list: SQLite limits the parameters of a statement
KINDS: dict[str, tuple[Render, Render | None]] = {}


def register_kind(kind: str, title: Render, body: Render | None = None) -> None:
    """How notifications of `kind` read: `title(params)` and, if given, `body(params)`."""
    KINDS[kind] = (title, body)


def render(notification: Notification) -> tuple[str, str]:
    """(title, body) in the current language; an unknown kind shows as its name."""
    title, body = KINDS.get(notification.kind, (None, None))
    if title is None:
        return notification.kind, ""
    params = notification.params or {}
    return str(title(params)), str(body(params)) if body else ""


def recipients(
    *, community_id: int, roles: Iterable[Role], enterprise_id: int | None = None
) -> list[User]:
    """Active people with an active membership of one of `roles` in the community.

    With `enterprise_id`, a membership tied to an enterprise (officer, employee, an enterprise's
    gate volunteer) counts only for that enterprise; community-level ones (leader, staff) count.
    """
    memberships = Membership.objects.filter(
        community_id=community_id, role__in=[Role(r) for r in roles], is_active=True
    )
    if enterprise_id is not None:
        memberships = memberships.filter(
            Q(enterprise__isnull=True) | Q(enterprise_id=enterprise_id)
        )
    return list(
        User.objects.filter(is_active=True, pk__in=memberships.values("user_id")).order_by("pk")
    )


def recipients_by_enterprise(
    *, community_id: int, roles: Iterable[Role], enterprise_ids: Iterable[int]
) -> dict[int, list[User]]:
    """`recipients(..., enterprise_id=e)` for each of `enterprise_ids`, in one query: for a
    service that tells several enterprises' people at once (the fevers of one batch)."""
    wanted = set(enterprise_ids)
    rows = (
        Membership.objects.filter(
            community_id=community_id,
            role__in=[Role(r) for r in roles],
            is_active=True,
            user__is_active=True,
        )
        .filter(Q(enterprise__isnull=True) | Q(enterprise_id__in=wanted))
        .select_related("user")
        .order_by("user_id")
    )
    everyone: dict[int, User] = {}
    own: dict[int, dict[int, User]] = {e: {} for e in wanted}
    for m in rows:
        if m.enterprise_id is None:
            everyone[m.user_id] = m.user
        else:
            own[m.enterprise_id][m.user_id] = m.user
    return {
        e: sorted({**everyone, **people}.values(), key=lambda u: u.pk) for e, people in own.items()
    }


def notify(
    *,
    users: Iterable[User],
    community_id: int,
    kind: str,
    params: dict[str, Any],
    url: str = "",
    enterprise_id: int | None = None,
    robots: Iterable[GroupRobot] = (),
    robots_too: bool = True,
) -> int:
    """Notify each active person in `users` once; returns how many were notified.

    `robots`: group robots to tell as well, whatever kinds they subscribed to (a team's robot
    for the team's call-outs); robots subscribed to `kind` are told anyway, each robot once.
    `robots_too=False`: no robot is told (an event reported by several calls, e.g. an order to
    its supplier and to its enterprise, reaches each group once: from its first call only).

    Runs in the caller's transaction, so a notification exists only if the change it reports
    was committed. Also queues the out-of-app deliveries it calls for (emails to people who
    chose them, one message per subscribed group robot; see core.channels); they are sent
    later by the worker, never in the request.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}; register it with register_kind")
    from workgate.core.channels import deliveries_for

    people = {u.pk: u for u in users if u.is_active}
    now = timezone.now()
    ids = list(people)
    # Only the notifications an email goes with are made as objects (a delivery points at its
    # notification); the others, thousands for a call-out, are inserted as plain rows.
    emailed = set()
    for i in range(0, len(ids), CHUNK):
        emailed.update(
            ChannelChoice.objects.filter(user_id__in=ids[i : i + CHUNK], email_on=True).values_list(
                "user_id", flat=True
            )
        )
    common = {
        "community_id": community_id,
        "enterprise_id": enterprise_id,
        "kind": kind,
        "params": params,
        "url": url,
        "created_at": now,
    }
    with transaction.atomic():
        created = Notification.objects.bulk_create(
            Notification(recipient_id=pk, **common) for pk in ids if pk in emailed
        )
        insert_rows(Notification, "recipient_id", [pk for pk in ids if pk not in emailed], common)
        deliveries = deliveries_for(
            notifications=created,
            community_id=community_id,
            kind=kind,
            params=params,
            robots=robots,
            robots_too=robots_too,
        )
        if deliveries:
            Delivery.objects.bulk_create(deliveries)
    return len(people)


@dataclass(frozen=True)
class Message:
    """One of several notifications `notify_many` sends: what `notify()` takes, per message."""

    users: Sequence[User]
    kind: str
    params: dict[str, Any]
    url: str = ""
    enterprise_id: int | None = None


def notify_many(*, community_id: int, messages: Sequence[Message]) -> int:
    """`notify()` for several messages of one community (each with its own people, kind and
    parameters), in a constant number of statements: people's email choices and the robots are
    read once, the notifications and the deliveries each inserted in one statement. For a
    service that reports many events at once (the fevers of a device's batch). Returns how many
    notifications were made."""
    from workgate.core.channels import deliveries_for, load_for

    for message in messages:
        if message.kind not in KINDS:
            raise ValueError(f"unknown notification kind {message.kind!r}")
    if not messages:
        return 0
    people = [{u.pk: u for u in m.users if u.is_active} for m in messages]
    loaded = load_for(community_id, sorted({pk for p in people for pk in p}))
    now = timezone.now()
    made = [
        [
            Notification(
                recipient_id=pk,
                community_id=community_id,
                enterprise_id=m.enterprise_id,
                kind=m.kind,
                params=m.params,
                url=m.url,
                created_at=now,
            )
            for pk in p
        ]
        for m, p in zip(messages, people, strict=True)
    ]
    with transaction.atomic():
        Notification.objects.bulk_create([n for ns in made for n in ns])
        deliveries = [
            d
            for m, ns in zip(messages, made, strict=True)
            for d in deliveries_for(
                notifications=[n for n in ns if n.recipient_id in loaded.choices],
                community_id=community_id,
                kind=m.kind,
                params=m.params,
                loaded=loaded,
            )
        ]
        if deliveries:
            Delivery.objects.bulk_create(deliveries)
    return sum(len(ns) for ns in made)


def insert_rows(
    model: type[models.Model], varying: str, values: list[Any], common: dict[str, Any]
) -> int:
    """Insert one row of `model` per value of the column `varying`, the columns in `common`
    the same in every row (fields left out are NULL): one prepared statement run over the rows,
    without making a model instance each, for the thousands of rows of one call-out."""
    if not values:
        return 0
    meta = model._meta
    names = [varying, *common]
    fields = [meta.get_field(n) for n in names]
    prepared = tuple(meta.get_field(n).get_db_prep_save(v, connection) for n, v in common.items())
    quote = connection.ops.quote_name
    # Table and column names come from the model, quoted; the values are parameters.
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
    field = meta.get_field(varying)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement: the varying column as one array parameter, unnested.
            rest = ", ".join(["%s"] * len(prepared))
            cursor.execute(
                f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608
                f"SELECT v{', ' if rest else ''}{rest} FROM unnest(%s) AS v",
                [*prepared, [field.get_db_prep_save(v, connection) for v in values]],
            )
        else:
            cursor.executemany(
                sql, [(field.get_db_prep_save(v, connection), *prepared) for v in values]
            )
    return len(values)


def notifications_of(user: User | None) -> QuerySet[Notification]:
    """The person's notifications, newest first (none for an API token, which is nobody)."""
    if user is None:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_mark_read(*, user: User | None, ids: Iterable[int] | None = None) -> int:
    """Mark the person's unread notifications read (only `ids`, if given); returns how many."""
    rows = notifications_of(user).filter(read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return rows.update(read_at=timezone.now())
