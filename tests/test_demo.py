"""The simulated community: realistic, valid, deterministic, safe to load twice."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Count
from stdnum.cn import uscc

from workgate.core.demo import build_demo
from workgate.core.models import Community, Enterprise, Membership, Role, User
from workgate.registry.idnumbers import parse_id_number
from workgate.registry.models import Employee

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 22)


def build(seed: int = 7) -> Community:
    return build_demo(scale=0.01, seed=seed, log=lambda _m: None, today=TODAY)


def test_demo_is_realistic_and_valid():
    community = build()
    people = Employee.objects.filter(community=community)
    total = people.count()
    assert total == 1000
    assert Enterprise.objects.filter(community=community).count() == 7
    for e in Enterprise.objects.all():
        assert uscc.is_valid(e.credit_code)
    for p in people:
        parsed = parse_id_number(p.id_number, today=TODAY)
        assert parsed.sex == p.sex and parsed.birth_date == p.birth_date
        age = (TODAY - p.birth_date).days // 365
        assert 16 <= age <= 65
        assert len(p.mobile) == 11 and p.mobile.startswith("1")
        assert p.hukou_region_id == p.id_number[:6]
        assert p.is_local == p.id_number.startswith("3302")
    non_local = people.filter(is_local=False).count() / total
    hubei = people.filter(hukou_code__startswith="42").count() / total
    assert 0.24 < non_local < 0.32
    assert 0.002 < hubei < 0.03
    sizes = sorted(Enterprise.objects.annotate(n=Count("employees")).values_list("n", flat=True))
    assert sizes[-1] > 5 * sizes[0]  # a few big ones, most small
    roles = Counter(Membership.objects.filter(community=community).values_list("role", flat=True))
    assert set(roles) == set(Role)


def test_demo_is_deterministic_for_a_seed():
    build(seed=11)
    first = list(Employee.objects.order_by("id").values_list("id_number", "name", "mobile")[:50])
    # Orders and their ledger are kept (PROTECT) while an enterprise exists: remove them first.
    from workgate.supplies.models import AllocationRun, Delivery, LedgerEntry, Need, Offer, Order

    for model in (Delivery, LedgerEntry, Order, AllocationRun, Need, Offer):
        model.objects.all().delete()
    Membership.objects.all().delete()
    User.objects.all().delete()
    Employee.objects.all().delete()
    from workgate.registry.models import Shift, Site, Workshop

    Shift.objects.all().delete()
    Workshop.objects.all().delete()
    Site.objects.all().delete()
    Enterprise.objects.all().delete()
    Community.objects.all().delete()
    build(seed=11)
    again = list(Employee.objects.order_by("id").values_list("id_number", "name", "mobile")[:50])
    assert first == again


def test_demo_command_twice_adds_nothing(capsys):
    call_command("demo", "--scale", "0.01", "--no-serve")
    counts = (Employee.objects.count(), User.objects.count(), Enterprise.objects.count())
    call_command("demo", "--scale", "0.01", "--no-serve")
    assert (Employee.objects.count(), User.objects.count(), Enterprise.objects.count()) == counts
    out = capsys.readouterr().out
    assert "already loaded" in out
    for name in ("leader", "staff", "officer", "gate", "volunteer", "supplier", "employee"):
        assert f"\n  {name} " in out


def test_demo_accounts_can_sign_in(client):
    call_command("demo", "--scale", "0.01", "--no-serve")
    from workgate.core.demo import ACCOUNT_NAMES, demo_password

    for username in ACCOUNT_NAMES:
        signed_in = client.post("/login/", {"username": username, "password": demo_password()})
        assert signed_in.status_code == 302, username
        assert client.get("/").status_code == 200, username
        client.post("/logout/")


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    import os

    env = {**{k: v for k, v in os.environ.items() if k != "DATABASE_URL"}, **env}
    return subprocess.run(
        [sys.executable, "-m", "workgate.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("scale", ["big", "0", "-1", "5"])
def test_unknown_scale_is_explained(scale, tmp_path):
    result = run_cli(
        "demo", "--scale", scale, "--no-serve", env={"WORKGATE_VAR_DIR": str(tmp_path)}
    )
    assert result.returncode != 0
    assert "--scale" in result.stderr
    assert "Traceback" not in result.stderr
