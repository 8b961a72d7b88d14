"""Demo data of the registry: Dagang's enterprises, their workshops and shifts, and every roster.

Deterministic for a seed. Sizes follow a log-normal law (a few enterprises with thousands of
employees, most with tens); household registration is weighted like the seed article: about
28 % of employees from outside Ningbo and about 1 % from Hubei.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from faker.providers.person.zh_CN import Provider as ZhNames
from stdnum.cn import ric, uscc

from workgate.core.models import Community, Enterprise
from workgate.registry.models import Employee, Region, Shift, Site, Workshop

BATCH = 5000
HOME_COUNTY = "330206"  # 北仑区, where Dagang lies
TRADE_WORDS = [
    "恒达",
    "华力",
    "天诚",
    "博远",
    "金港",
    "永鑫",
    "海通",
    "联创",
    "东盛",
    "瑞丰",
    "宏图",
    "新立",
    "嘉和",
    "隆兴",
    "锦程",
    "万达",
    "三友",
    "凯乐",
    "众鑫",
    "中信",
    "北仑",
    "大港",
    "甬港",
    "华泰",
    "明辉",
    "卓越",
    "协力",
    "伟业",
    "鼎盛",
    "汇丰",
    "富邦",
    "双盈",
    "康达",
    "旭日",
    "宝利",
    "远航",
]
INDUSTRIES = (
    ("机械", "Machinery"),
    ("模具", "Moulds"),
    ("电子", "Electronics"),
    ("五金", "Hardware"),
    ("塑料制品", "Plastics"),
    ("汽车零部件", "Auto parts"),
    ("化工", "Chemicals"),
    ("纺织", "Textiles"),
    ("物流", "Logistics"),
    ("新材料", "New materials"),
    ("精密制造", "Precision manufacturing"),
    ("光电", "Optoelectronics"),
)
WORKSHOPS = (
    "一车间",
    "二车间",
    "三车间",
    "装配车间",
    "注塑车间",
    "冲压车间",
    "包装车间",
    "仓储部",
    "行政部",
)
SHIFTS = (
    ("早班", dt.time(8), dt.time(16)),
    ("中班", dt.time(16), dt.time(0)),
    ("夜班", dt.time(0), dt.time(8)),
)
# Where non-local workers of a Ningbo industrial zone come from, roughly (share of non-local).
PROVINCE_WEIGHTS = {
    "33": 18.0,
    "34": 12.0,
    "36": 10.0,
    "51": 9.0,
    "52": 8.0,
    "41": 8.0,
    "43": 7.0,
    "42": 3.4,
    "50": 5.0,
    "53": 4.0,
    "45": 3.0,
    "37": 2.5,
    "32": 2.0,
    "35": 1.5,
    "61": 1.5,
    "62": 1.0,
    "13": 1.0,
    "23": 0.6,
    "22": 0.4,
    "21": 0.4,
    "14": 0.4,
    "15": 0.2,
    "44": 0.5,
    "46": 0.1,
    "64": 0.1,
    "63": 0.1,
    "65": 0.1,
    "54": 0.05,
    "11": 0.1,
    "12": 0.1,
    "31": 0.1,
}
NON_LOCAL_SHARE = 0.279
MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "173",
    "175",
    "176",
    "177",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
]


@dataclass
class DemoRegistry:
    enterprises: list[Enterprise] = field(default_factory=list)
    employee_count: int = 0


def _credit_code(rng: random.Random, used: set[str]) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    while True:
        org = "".join(rng.choice(alphabet) for _ in range(9))
        body = "91" + HOME_COUNTY + org
        code = body + uscc.calc_check_digit(body)
        if code not in used:
            used.add(code)
            return code


def _sizes(rng: random.Random, count: int, total: int) -> list[int]:
    raw = [rng.lognormvariate(3.6, 1.25) for _ in range(count)]
    factor = total / sum(raw)
    sizes = [max(3, min(6000, round(x * factor))) for x in raw]
    # Absorb rounding so the community has exactly `total` people, largest enterprise first.
    diff = total - sum(sizes)
    order = sorted(range(count), key=lambda i: -sizes[i])
    i = 0
    while diff != 0:
        j = order[i % count]
        step = 1 if diff > 0 else -1
        if sizes[j] + step >= 3:
            sizes[j] += step
            diff -= step
        i += 1
    return sizes


def _county_pool() -> tuple[list[str], dict[str, list[str]]]:
    """Current county codes of Ningbo (local) and of every province (non-local)."""
    counties = Region.objects.filter(level=Region.Level.COUNTY, is_current=True).exclude(
        name__in=["市辖区", "县", "市区"]
    )
    local: list[str] = []
    by_province: dict[str, list[str]] = {}
    for code, province in counties.values_list("code", "province_code").order_by("code"):
        if code.startswith("3302"):
            local.append(code)
        else:
            by_province.setdefault(province, []).append(code)
    return local, by_province


def _birth_date(rng: random.Random, today: dt.date) -> dt.date:
    # Ages 16 to 65, most between 20 and 45.
    age = min(65, max(16, round(rng.triangular(16, 65, 30))))
    start = today.replace(year=today.year - age - 1) + dt.timedelta(days=1)
    return start + dt.timedelta(days=rng.randrange(365))


def _id_number(rng: random.Random, county: str, birth: dt.date, used: set[str]) -> str:
    while True:
        body = f"{county}{birth:%Y%m%d}{rng.randrange(1000):03d}"
        number = body + ric.calc_check_digit(body + "0")
        if number not in used:
            used.add(number)
            return number


def _name(rng: random.Random, surnames: list[str], weights: list[float]) -> str:
    given = "".join(rng.choices(ZhNames.first_names, k=1 if rng.random() < 0.3 else 2))
    return rng.choices(surnames, weights)[0] + given


def build(
    *,
    community: Community,
    scale: float,
    rng: random.Random,
    today: dt.date,
    log: Callable[[str], None],
) -> DemoRegistry:
    enterprise_count = max(3, round(651 * scale))
    employee_total = max(enterprise_count * 3, round(100_000 * scale))
    sizes = _sizes(rng, enterprise_count, employee_total)
    sizes.sort(reverse=True)

    used_codes: set[str] = set()
    used_names: set[str] = set()
    enterprises: list[Enterprise] = []
    for i, size in enumerate(sizes):
        industry = INDUSTRIES[i % len(INDUSTRIES)][0] if i else "汽车零部件"
        while True:
            first, second = rng.sample(TRADE_WORDS, 2)
            name = f"宁波{first}{second}{industry}有限公司"
            if name not in used_names:
                used_names.add(name)
                break
        size_class = (
            Enterprise.Size.LARGE
            if size >= 1000
            else Enterprise.Size.MEDIUM
            if size >= 300
            else Enterprise.Size.SMALL
            if size >= 20
            else Enterprise.Size.MICRO
        )
        enterprises.append(
            Enterprise(
                community=community,
                name=name,
                credit_code=_credit_code(rng, used_codes),
                address=f"北仑区大港{rng.randint(1, 9)}路{rng.randint(1, 399)}号",
                industry=industry,
                size=size_class,
                contact_name="",
                contact_phone="",
            )
        )
    Enterprise.objects.bulk_create(enterprises, batch_size=1000)
    enterprises = list(Enterprise.objects.filter(community=community).order_by("id"))
    log(f"{len(enterprises)} enterprises")

    sites = Site.objects.bulk_create(
        [Site(enterprise=e, name="厂区", address=e.address) for e in enterprises], batch_size=1000
    )
    del sites
    workshop_rows: list[Workshop] = []
    shift_rows: list[Shift] = []
    for enterprise, size in zip(enterprises, sizes, strict=True):
        n_workshops = max(1, min(len(WORKSHOPS), math.ceil(size / 80)))
        workshop_rows += [Workshop(enterprise=enterprise, name=w) for w in WORKSHOPS[:n_workshops]]
        n_shifts = 1 if size < 50 else 2 if size < 500 else 3
        shift_rows += [
            Shift(enterprise=enterprise, name=n, starts=s, ends=e) for n, s, e in SHIFTS[:n_shifts]
        ]
    Workshop.objects.bulk_create(workshop_rows, batch_size=2000)
    Shift.objects.bulk_create(shift_rows, batch_size=2000)
    workshops: dict[int, list[int]] = {}
    for pk, ent in (
        Workshop.objects.filter(enterprise__community=community)
        .values_list("pk", "enterprise_id")
        .order_by("pk")
    ):
        workshops.setdefault(ent, []).append(pk)
    shifts: dict[int, list[int]] = {}
    for pk, ent in (
        Shift.objects.filter(enterprise__community=community)
        .values_list("pk", "enterprise_id")
        .order_by("pk")
    ):
        shifts.setdefault(ent, []).append(pk)

    local_counties, by_province = _county_pool()
    provinces = [p for p in PROVINCE_WEIGHTS if p in by_province]
    province_weights = [PROVINCE_WEIGHTS[p] for p in provinces]
    home_counties = [c for c in local_counties if c == HOME_COUNTY] * 6 + local_counties
    surnames = list(ZhNames.last_names.keys())
    surname_weights = list(ZhNames.last_names.values())

    # Written as rows in one prepared INSERT a batch (`bulk_create` spent most of the time
    # building and reading back a model instance per person).
    from workgate.core.demo import insert_rows

    columns = [
        "community", "enterprise", "name", "id_number", "sex", "birth_date", "mobile",
        "hukou_code", "hukou_region", "is_local", "current_region", "arrived", "arrival_date",
        "workshop", "shift", "dorm_room", "job_status",
    ]  # fmt: skip
    active, away = Employee.JobStatus.ACTIVE.value, Employee.JobStatus.AWAY.value
    used_ids: set[str] = set()
    used_mobiles: set[str] = set()
    batch: list[tuple] = []
    created = 0
    for enterprise, size in zip(enterprises, sizes, strict=True):
        ws = workshops[enterprise.pk]
        sh = shifts[enterprise.pk]
        for _ in range(size):
            local = rng.random() >= NON_LOCAL_SHARE
            if local:
                county = rng.choice(home_counties)
            else:
                province = rng.choices(provinces, province_weights)[0]
                county = rng.choice(by_province[province])
            birth = _birth_date(rng, today)
            number = _id_number(rng, county, birth, used_ids)
            while True:
                mobile = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
                if mobile not in used_mobiles:
                    used_mobiles.add(mobile)
                    break
            arrived = local or rng.random() < 0.6
            # The arguments in the order the model's constructor drew them.
            name = _name(rng, surnames, surname_weights)
            workshop = rng.choice(ws)
            shift = rng.choice(sh)
            dorm = (
                ""
                if local
                else f"{rng.randint(1, 12)}号楼-{rng.randint(1, 6)}{rng.randint(1, 30):02d}"
            )
            batch.append(
                (community.pk, enterprise.pk, name, number, "M" if int(number[16]) % 2 else "F",
                 birth, mobile, county, county, local,
                 HOME_COUNTY if arrived else county, arrived, None, workshop, shift, dorm,
                 active if arrived else away)
            )  # fmt: skip
            if len(batch) >= BATCH:
                insert_rows(Employee, columns, batch)
                created += len(batch)
                batch = []
                log(f"{created} employees")
    if batch:
        insert_rows(Employee, columns, batch)
        created += len(batch)
    return DemoRegistry(enterprises=enterprises, employee_count=created)
