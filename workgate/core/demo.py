"""The simulated community: Dagang Industrial Community (大港工业社区), its people and accounts.

Each app contributes its own demo data through a `build()` in its `demo` module, called in the
order of DEMO_BUILDERS; core makes the community and the accounts of every role.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from workgate.core.models import Community, Membership, Role, User
from workgate.registry import demo as registry_demo
from workgate.registry.models import Employee

# Later capabilities add their demo data, in this order, after the registry and the accounts:
# each is `build(*, community, scale, rng, today, log) -> None`, inside the same transaction.
DEMO_EXTENSIONS: list[str] = [
    "workgate.screening.demo.build",
    # Who is back at work decides who is on duty, so resumption comes before daily health;
    # what needs the checks (the conditions judged, a suspension after a case) comes after.
    "workgate.resumption.demo.build",
    "workgate.health.demo.build",
    "workgate.resumption.demo.build_after_health",
    # Masks handed out at the gates (daily health's checks) are drawn from stock.
    "workgate.supplies.demo.build",
    # Volunteers keep the gates daily health made; rosters, grids and call-outs come last.
    "workgate.volunteers.demo.build",
]

DEMO_SLUG = "dagang"
DEMO_NAME = "大港工业社区"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    where: str


def demo_password() -> str:
    """The demo accounts' password: WORKGATE_DEMO_PASSWORD, or one made once and kept in var/."""
    env = os.environ.get("WORKGATE_DEMO_PASSWORD")
    if env:
        return env
    path = Path(settings.VAR_DIR) / "demo-password"
    if path.exists():
        return path.read_text().strip()
    password = "wg-" + secrets.token_urlsafe(9)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(password)
    path.chmod(0o600)
    return password


def demo_community() -> Community | None:
    return Community.objects.filter(slug=DEMO_SLUG).first()


def demo_accounts(community: Community) -> list[DemoAccount]:
    rows = (
        Membership.objects.filter(community=community, user__username__in=ACCOUNT_NAMES)
        .select_related("user", "enterprise")
        .order_by("user__username")
    )
    order = {name: i for i, name in enumerate(ACCOUNT_NAMES)}
    accounts = [
        DemoAccount(
            m.user.username, Role(m.role), m.enterprise.name if m.enterprise else community.name
        )
        for m in rows
    ]
    return sorted(accounts, key=lambda a: order[a.username])


ACCOUNT_NAMES = [
    "leader",
    "staff",
    "staff2",
    "officer",
    "officer2",
    "applicant",
    "gate",
    "volunteer",
    "supplier",
    "employee",
]


def build_demo(
    *, scale: float, seed: int, log: Callable[[str], None], today: dt.date | None = None
) -> Community:
    """Build the whole simulated community in one transaction (all or nothing)."""
    rng = random.Random(seed)
    today = today or timezone.localdate()
    started = time.monotonic()

    def step(message: str) -> None:
        log(f"[{time.monotonic() - started:5.1f}s] {message}")

    with transaction.atomic():
        community = Community.objects.create(
            name=DEMO_NAME, slug=DEMO_SLUG, home_region_prefix="3302", time_zone=settings.TIME_ZONE
        )
        step(f"community {community.name}")
        registry = registry_demo.build(
            community=community, scale=scale, rng=rng, today=today, log=step
        )
        _accounts(community, registry.enterprises, step)
        for path in DEMO_EXTENSIONS:
            import_string(path)(community=community, scale=scale, rng=rng, today=today, log=step)
    step("done")
    return community


def insert_rows(model: type[models.Model], names: list[str], rows: list[tuple]) -> None:
    """INSERT rows (values in the order of `names`) in one prepared statement run over them all,
    each value made ready for the database by its field, the model's other fields at their
    defaults (the time now for those stamped automatically): what `bulk_create` writes, without
    building a model instance per row."""
    if not rows:
        return
    meta = model._meta
    given = [meta.get_field(n) for n in names]
    now = timezone.now()
    rest = [
        f
        for f in meta.concrete_fields
        if f not in given and not f.primary_key and not getattr(f, "db_returning", False)
    ]
    if any(f.unique and f.get_default() is not None for f in rest):
        raise ValueError(f"insert_rows: give {model.__name__}'s unique fields a value per row")
    extra = tuple(
        f.get_db_prep_save(
            now
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            else f.get_default(),
            connection,
        )
        for f in rest
    )
    fields = given + rest
    # Text, whole numbers, booleans, keys and NULL go as they are; other fields prepare theirs.
    plain = ("CharField", "TextField", "IntegerField", "PositiveSmallIntegerField", "BooleanField")
    prep = [None if f.get_internal_type() in plain or f.is_relation else f for f in given]
    q = connection.ops.quote_name
    sql = (
        f"INSERT INTO {q(meta.db_table)} ({', '.join(q(f.column) for f in fields)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    with connection.cursor() as cur:
        for i in range(0, len(rows), 5000):
            cur.executemany(
                sql,
                [
                    (
                        *(
                            v if f is None or v is None else f.get_db_prep_save(v, connection)
                            for f, v in zip(prep, r, strict=True)
                        ),
                        *extra,
                    )
                    for r in rows[i : i + 5000]
                ],
            )


def update_rows(model: type[models.Model], names: list[str], rows: list[tuple]) -> None:
    """UPDATE … SET names WHERE pk = last value, for each row, in one prepared statement."""
    if not rows:
        return
    meta = model._meta
    fields = [meta.get_field(n) for n in names]
    q = connection.ops.quote_name
    sets = ", ".join(f"{q(f.column)} = %s" for f in fields)
    sql = f"UPDATE {q(meta.db_table)} SET {sets} WHERE {q(meta.pk.column)} = %s"  # noqa: S608
    params = [
        (*(f.get_db_prep_save(v, connection) for f, v in zip(fields, r[:-1], strict=True)), r[-1])
        for r in rows
    ]
    with connection.cursor() as cur:
        for i in range(0, len(params), 5000):
            cur.executemany(sql, params[i : i + 5000])


def applicant_enterprise(enterprises: list) -> object | None:
    """The enterprise of the `applicant` account: a middle-sized one, not yet back at work (the
    resumption demo keeps it so), for a demo user to see what is missing, fix it and apply."""
    if len(enterprises) < 3:
        return None
    return enterprises[max(2, min(len(enterprises) - 1, round(len(enterprises) * 0.35)))]


def _accounts(community: Community, enterprises: list, log: Callable[[str], None]) -> None:
    # One hash for every demo account: hashing 650 passwords at full strength would take minutes.
    password_hash = make_password(demo_password())
    first, second = enterprises[0], enterprises[1]
    applying = applicant_enterprise(enterprises)
    people = [
        ("leader", "朱红明", Role.LEADER, None),
        ("staff", "李社工", Role.STAFF, None),
        ("staff2", "王社工", Role.STAFF, None),
        ("officer", "陈专员", Role.OFFICER, first),
        ("officer2", "周专员", Role.OFFICER, second),
        ("gate", "赵值守", Role.GATE, first),
        ("volunteer", "孙党员", Role.VOLUNTEER, None),
        ("supplier", "钱供应", Role.SUPPLIER, None),
        ("employee", "", Role.EMPLOYEE, first),
    ]
    if applying is not None:
        people.insert(5, ("applicant", "吴佳怡", Role.OFFICER, applying))
    others = [e for e in enterprises[2:] if e is not applying]
    employee_file = Employee.objects.filter(enterprise=first).order_by("id").first()
    users = []
    for username, full_name, _role, _ent in people:
        if username == "employee" and employee_file is not None:
            full_name = employee_file.name
        users.append(User(username=username, full_name=full_name, password=password_hash))
    # One officer account for each other enterprise, as in real life.
    for enterprise in others:
        users.append(
            User(username=f"officer-{enterprise.credit_code[-6:].lower()}", password=password_hash)
        )
    User.objects.bulk_create(users, batch_size=1000)
    by_name = {u.username: u for u in User.objects.filter(username__in=[u.username for u in users])}
    memberships = [
        Membership(
            user=by_name[username],
            community=community,
            enterprise=ent if role not in (Role.LEADER, Role.STAFF) else None,
            role=role,
        )
        for username, _n, role, ent in people
    ]
    memberships += [
        Membership(
            user=by_name[f"officer-{e.credit_code[-6:].lower()}"],
            community=community,
            enterprise=e,
            role=Role.OFFICER,
        )
        for e in others
    ]
    Membership.objects.bulk_create(memberships, batch_size=1000)
    if employee_file is not None:
        employee_file.user = by_name["employee"]
        employee_file.save(update_fields=["user"])
        User.objects.filter(pk=by_name["employee"].pk).update(mobile=employee_file.mobile)
    log(f"{len(users)} accounts")
