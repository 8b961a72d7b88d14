"""Object factories for tests: valid credit codes and ID numbers, made the way real ones are."""

from __future__ import annotations

import datetime as dt
import itertools

from stdnum.cn import ric, uscc

from workgate.core.models import Community, Enterprise, Membership, Role, User
from workgate.registry.models import Employee

_seq = itertools.count(1)
PASSWORD = "Correct-Horse-42"


def credit_code(n: int | None = None) -> str:
    n = next(_seq) if n is None else n
    body = f"91330206{n:09d}"
    return body + uscc.calc_check_digit(body)


def id_number(county: str = "330206", birth: dt.date | None = None, seq: int | None = None) -> str:
    """A valid resident ID number. Numbered ones (`seq`) have a birth date of their own, so the
    session's running counter, which wraps at 1,000, never makes the same number."""
    if seq is None:
        seq, birth = next(_seq) % 1000, birth or dt.date(1990, 3, 7)
    else:
        birth = birth or dt.date(1991, 4, 8)
    body = f"{county}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def make_community(slug: str = "dagang", name: str = "大港工业社区") -> Community:
    return Community.objects.create(name=name, slug=slug, home_region_prefix="3302")


def make_enterprise(
    community: Community, name: str | None = None, *, resumed: bool = True, **kw: object
) -> Enterprise:
    """An enterprise back at work since a week ago (its people are on duty), unless `resumed`
    is False: then it has not resumed work yet, or has the `status` given."""
    n = next(_seq)
    if resumed and "status" not in kw:
        kw.setdefault("status", Enterprise.Status.RESUMED)
        kw.setdefault("resumed_on", dt.date.today() - dt.timedelta(days=7))
    return Enterprise.objects.create(
        community=community, name=name or f"宁波测试{n}有限公司", credit_code=credit_code(n), **kw
    )


def make_user(
    username: str,
    role: Role,
    community: Community,
    enterprise: Enterprise | None = None,
    mobile: str | None = None,
) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, mobile=mobile)
    Membership.objects.create(user=user, community=community, enterprise=enterprise, role=role)
    return user


def make_employee(enterprise: Enterprise, **kw: object) -> Employee:
    number = kw.pop("id_number", None) or id_number()
    county = number[:6]
    defaults: dict[str, object] = {
        "name": "张三",
        "sex": "M" if int(number[16]) % 2 else "F",
        "birth_date": ric.get_birth_date(number),
        "mobile": "13800138000",
        "hukou_code": county,
        "hukou_region_id": county,
        "is_local": county.startswith("3302"),
    }
    defaults.update(kw)
    return Employee.objects.create(
        community=enterprise.community, enterprise=enterprise, id_number=number, **defaults
    )
