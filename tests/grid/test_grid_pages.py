"""Grid pages as people use them: a responsible member's phone page shows their people with
today's status and nobody else (another member's grid, another enterprise, another community);
each view is audited; staff and officers keep the grids of their tenant, with counts read in a
constant number of queries; refusals name the field; weaker roles get 403, other tenants 404."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.access_helpers import assert_refused
from tests.factories import make_employee
from tests.grid.conftest import Grids
from workgate.core.models import AuditEntry, Role
from workgate.grid import services
from workgate.grid.models import Grid
from workgate.registry.models import Workshop

EVERYONE_NAMED = {"王已检", "赵隔离", "钱未检", "孙离职", "李二车间", "周发热", "吴别楼", "外区甲"}


def names(html: str) -> set[str]:
    return set(re.findall(r'data-testid="person-name">([^<]+)<', html))


def count(html: str, status: str) -> int:
    m = re.search(rf'data-testid="count-{status}">(\d+)<', html)
    assert m, status
    return int(m.group(1))


def client(g: Grids, persona: str, *, en: bool = False) -> Client:
    c = g.world.client(persona)
    if en:
        c.cookies["workgate_language"] = "en"
    return c


def page(g: Grids, persona: str, url: str, *, en: bool = False) -> str:
    response = client(g, persona, en=en).get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- My grid -------------------------------------------------------------------------------


def test_a_member_sees_only_their_grid(grids: Grids) -> None:
    g = grids
    html = page(g, "member1", "/grid/mine/")
    assert names(html) == {"王已检", "赵隔离", "钱未检"}
    for stranger in EVERYONE_NAMED - names(html) | {"张三", "李四"}:
        assert stranger not in html, stranger
    assert (count(html, "quarantine"), count(html, "missing"), count(html, "checked")) == (1, 1, 1)
    assert (count(html, "fever"), count(html, "away")) == (0, 0)
    # Most urgent first: the quarantined person leads the list.
    assert html.index("赵隔离") < html.index("钱未检") < html.index("王已检")
    # Mobiles masked, whatever the member's role.
    assert "138****2222" in html and "13811112222" not in html

    # The other member: 二车间 of A and 3号楼 of B; not B's 5号楼, not the other community's
    # 3号楼 (same prefix), not 一车间.
    html = page(g, "member2", "/grid/mine/")
    assert names(html) == {"李二车间", "周发热"}
    assert count(html, "fever") == 1
    assert "外区甲" not in html and "钱未检" not in html

    # Another community's member sees their own people only.
    html = page(g, "outsider_member", "/grid/mine/")
    assert names(html) == {"外区甲"}


def test_the_chips_filter_the_list(grids: Grids) -> None:
    html = page(grids, "member1", "/grid/mine/?status=missing")
    assert names(html) == {"钱未检"}
    # The counts still tell the whole grid, and the chosen chip is marked.
    assert count(html, "checked") == 1
    assert re.search(r'aria-current="true" data-testid="chip-missing"', html)
    html = page(grids, "member1", "/grid/mine/?status=fever", en=True)
    assert names(html) == set()
    assert "Nobody with this status today." in html
    # Nonsense in the address shows everyone.
    assert len(names(page(grids, "member1", "/grid/mine/?status=everyone"))) == 3


def test_staff_as_member_still_sees_masked_mobiles_and_only_their_grid(grids: Grids) -> None:
    g = grids
    services.save_grid(g.actor("staff"), g.g2, {"responsible": g.world.users["staff"]})
    html = page(g, "staff", "/grid/mine/")
    assert names(html) == {"李二车间"}
    assert "138****8000" in html and "13800138000" not in html


def test_people_naming_the_member_in_their_file_count_too(grids: Grids) -> None:
    g = grids
    make_employee(g.world.enterprise_b, name="郑档案", grid_member=g.world.users["volunteer"])
    html = page(g, "volunteer", "/grid/mine/", en=True)
    assert names(html) == {"郑档案"}
    assert "Names you in their file" in html


def test_each_view_is_audited_without_names(grids: Grids) -> None:
    g = grids
    page(g, "member1", "/grid/mine/")
    page(g, "member1", "/grid/mine/?status=missing")
    entries = list(
        AuditEntry.objects.filter(user=g.member1, action=AuditEntry.Action.REVEAL).order_by("pk")
    )
    assert len(entries) == 2
    first, second = entries
    assert (first.object_type, first.object_id) == ("grid.grid", str(g.g1.pk))
    assert first.detail["people"] == 3 and second.detail["people"] == 1
    assert first.community_id == g.world.community.pk
    written = f"{first.object_repr} {first.detail} {second.detail}"
    assert not any(name in written for name in EVERYONE_NAMED)


def test_empty_state_for_someone_responsible_for_nothing(grids: Grids) -> None:
    html = page(grids, "gate_a", "/grid/mine/", en=True)
    assert 'data-testid="grid-empty"' in html
    assert "You are not responsible for any grid." in html
    assert names(html) == set()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.REVEAL).exists()


# --- Managing grids ------------------------------------------------------------------------


def grid_names(html: str) -> set[str]:
    return set(re.findall(r'data-testid="grid-name">([^<]+)<', html))


def test_the_list_shows_each_tenant_its_grids_with_todays_counts(grids: Grids) -> None:
    g = grids
    html = page(g, "staff", "/grid/")
    assert grid_names(html) == {"一车间", "二车间", "3号楼"}
    row = html[html.index('data-testid="grid-name">一车间<') :]
    row = row[: row.index("</tr>")]
    assert re.search(r'data-testid="grid-people">3<', row)
    assert 'data-status="quarantine"' in row and 'data-status="fever"' not in row
    assert "member1" in row
    assert grid_names(page(g, "officer_a", "/grid/")) == {"一车间", "二车间"}
    assert grid_names(page(g, "officer_b", "/grid/")) == {"3号楼"}
    leader = page(g, "leader", "/grid/")
    assert grid_names(leader) == {"一车间", "二车间", "3号楼"}
    assert 'data-testid="form-grid-add"' not in leader and 'data-testid="do-fill"' not in leader
    only_b = page(g, "staff", f"/grid/?enterprise={g.world.enterprise_b.pk}")
    assert grid_names(only_b) == {"3号楼"}
    assert grid_names(page(g, "outsider_staff", "/grid/")) == {"3号楼"}
    assert "一车间" not in page(g, "outsider_officer", "/grid/").replace(">一车间</option>", "")


def test_the_list_counts_in_a_constant_number_of_queries(grids: Grids) -> None:
    g = grids
    client = g.world.client("staff")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/grid/").status_code == 200
        return len(ctx.captured_queries)

    staff = g.actor("staff")
    chat = services.save_grid(
        staff, None, {"enterprise": g.world.enterprise_a, "kind": "chat", "name": "群"}
    )
    services.set_members(staff, chat, list(g.world.enterprise_a.employees.all()[:2]))
    before = queries()
    for i in range(8):
        ws = Workshop.objects.create(enterprise=g.world.enterprise_b, name=f"车间{i}")
        make_employee(g.world.enterprise_b, name=f"员工{i}", workshop=ws)
        services.save_grid(staff, None, {"enterprise": g.world.enterprise_b, "workshop": ws})
        chat = services.save_grid(
            staff, None, {"enterprise": g.world.enterprise_b, "kind": "chat", "name": f"群{i}"}
        )
        services.set_members(staff, chat, list(g.world.enterprise_b.employees.all()[:2]))
    assert queries() == before


def add(g: Grids, persona: str, data: dict, *, en: bool = False):
    return client(g, persona, en=en).post("/grid/add/", data)


def test_staff_and_officers_add_grids(grids: Grids) -> None:
    g = grids
    ws3 = Workshop.objects.create(enterprise=g.world.enterprise_a, name="三车间")
    response = add(
        g,
        "staff",
        {
            "enterprise": g.world.enterprise_a.pk,
            "kind": "workshop",
            "workshop": ws3.pk,
            "responsible": g.world.users["volunteer"].pk,
        },
    )
    grid = Grid.objects.get(workshop=ws3)
    assert response.status_code == 302 and response["Location"] == f"/grid/{grid.pk}/"
    assert (grid.name, grid.responsible, grid.enterprise) == (
        "三车间",
        g.world.users["volunteer"],
        g.world.enterprise_a,
    )
    # An officer adds to their own enterprise, whatever enterprise the form names.
    response = add(
        g,
        "officer_b",
        {"enterprise": g.world.enterprise_a.pk, "kind": "dorm", "dorm_prefix": " 5号楼 "},
    )
    assert response.status_code == 302
    dorm = Grid.objects.get(dorm_prefix="5号楼")
    assert dorm.enterprise == g.world.enterprise_b and dorm.name == "5号楼"
    html = page(g, "officer_b", f"/grid/{dorm.pk}/")
    assert names(html) == {"吴别楼"}


WORKSHOP = "Choose a workshop of this enterprise."
MEMBER = "Choose an active member of this community"
R = "responsible"
BAD_INPUT = [
    ("officer_a", {"kind": "workshop", "workshop": "ws_b"}, "workshop", WORKSHOP),
    ("staff", {"enterprise": "a", "workshop": "ws_o"}, "workshop", WORKSHOP),
    ("officer_a", {"kind": "dorm", "dorm_prefix": "  "}, "dorm_prefix", "how the building's"),
    ("officer_a", {"kind": "chat", "name": "群", R: "outsider_member"}, R, MEMBER),
    ("officer_a", {"kind": "chat", "name": "群", R: "officer_b"}, R, MEMBER),
    ("staff", {"enterprise": "other", "kind": "chat", "name": "群"}, "enterprise", "Choose the"),
    ("staff", {"enterprise": "a", "kind": "chat", "name": "一车间"}, "name", "already has a grid"),
    ("staff", {"enterprise": "a", "kind": "hall", "name": "x"}, "kind", "Choose workshop, dorm"),
]  # fmt: skip


@pytest.mark.parametrize(("persona", "data", "field", "message"), BAD_INPUT)
def test_bad_input_is_refused_naming_the_field(grids, persona, data, field, message) -> None:
    g = grids
    ids = {
        "ws_b": g.ws_b.pk,
        "ws_o": g.ws_o.pk,
        "a": g.world.enterprise_a.pk,
        "other": g.world.enterprise_other.pk,
        "outsider_member": g.outsider_member.pk,
        "officer_b": g.world.users["officer_b"].pk,
    }
    data = {k: ids.get(v, v) for k, v in data.items()}
    before = Grid.objects.count()
    response = add(g, persona, data, en=True)
    assert response.status_code == 400
    html = response.content.decode()
    error = re.search(rf'data-testid="error-{field}">([^<]+)<', html)
    assert error, html[:200]
    assert message in error.group(1).replace("&#x27;", "'")
    assert Grid.objects.count() == before


def test_changing_a_grid(grids: Grids) -> None:
    g = grids
    c = client(g, "officer_a", en=True)
    response = c.post(
        f"/grid/{g.g1.pk}/edit/",
        {"kind": "workshop", "workshop": g.ws1.pk, "name": "一车间网格", "responsible": ""},
    )
    assert response.status_code == 302
    g.g1.refresh_from_db()
    assert (g.g1.name, g.g1.responsible) == ("一车间网格", None)
    # Nobody is responsible now: member1's page is empty.
    assert 'data-testid="grid-empty"' in page(g, "member1", "/grid/mine/")
    response = c.post(
        f"/grid/{g.g1.pk}/edit/",
        {"kind": "workshop", "workshop": g.ws_b.pk, "name": "x"},
    )
    assert response.status_code == 400
    assert "Choose a workshop of this enterprise." in response.content.decode()
    g.g1.refresh_from_db()
    assert g.g1.name == "一车间网格"


def test_grid_detail_lists_its_people_for_managers(grids: Grids) -> None:
    g = grids
    html = page(g, "leader", f"/grid/{g.g1.pk}/")
    assert names(html) == {"王已检", "赵隔离", "钱未检"}
    assert 'data-testid="form-grid-edit"' not in html
    assert names(page(g, "officer_a", f"/grid/{g.g1.pk}/?status=checked")) == {"王已检"}
    assert "138****2222" in html and "13811112222" not in html


def test_chat_group_members_editor(grids: Grids) -> None:
    g = grids
    chat = services.save_grid(
        g.actor("officer_a"),
        None,
        {"enterprise": g.world.enterprise_a, "kind": "chat", "name": "防疫群"},
    )
    c = client(g, "officer_a", en=True)
    html = page(g, "officer_a", f"/grid/{chat.pk}/?q=王")
    assert re.findall(r'data-testid="candidate"><span>(\S+) ', html) == ["王已检"]
    wang = g.world.enterprise_a.employees.get(name="王已检")
    qian = g.world.enterprise_a.employees.get(name="钱未检")
    assert (
        c.post(f"/grid/{chat.pk}/members/", {"action": "add", "employee": wang.pk}).status_code
        == 302
    )
    # By the last digits of the mobile; members already in are not offered again.
    html = page(g, "officer_a", f"/grid/{chat.pk}/?q=6666")
    assert re.findall(r'data-testid="candidate"><span>(\S+) ', html) == ["钱未检"]
    assert page(g, "officer_a", f"/grid/{chat.pk}/?q=2222").count('data-testid="candidate"') == 0
    c.post(f"/grid/{chat.pk}/members/", {"action": "add", "employee": qian.pk})
    assert set(chat.members.values_list("name", flat=True)) == {"王已检", "钱未检"}
    assert names(page(g, "officer_a", f"/grid/{chat.pk}/")) == {"王已检", "钱未检"}
    # Someone of another enterprise is refused, naming the members.
    zhou = g.world.enterprise_b.employees.get(name="周发热")
    response = c.post(f"/grid/{chat.pk}/members/", {"action": "add", "employee": zhou.pk})
    assert response.status_code == 400
    assert "Not employees of this enterprise: 周发热." in response.content.decode()
    c.post(f"/grid/{chat.pk}/members/", {"action": "remove", "employee": wang.pk})
    assert list(chat.members.values_list("name", flat=True)) == ["钱未检"]
    # The member editor is for chat groups only.
    assert 'data-testid="members-editor"' not in page(g, "officer_a", f"/grid/{g.g1.pk}/")


def test_fill_from_workshops(grids: Grids) -> None:
    g = grids
    ent = g.world.enterprise_a
    Workshop.objects.create(enterprise=ent, name="三车间")
    Workshop.objects.create(enterprise=ent, name="四车间")
    services.save_grid(
        g.actor("staff"), None, {"enterprise": ent, "kind": "chat", "name": "三车间"}
    )
    response = g.world.client("staff").post("/grid/fill/", {"enterprise": ent.pk})
    assert response.status_code == 302 and response["Location"] == f"/grid/?enterprise={ent.pk}"
    made = Grid.objects.filter(enterprise=ent, kind="workshop").order_by("name")
    assert set(made.values_list("name", flat=True)) == {"一车间", "二车间", "三车间 (2)", "四车间"}
    created = AuditEntry.objects.filter(
        action=AuditEntry.Action.CREATE,
        object_type="grid.grid",
        detail__from="workshop",
    )
    assert created.count() == 2
    # Again: nothing more, and it says so.
    response = client(g, "officer_a", en=True).post("/grid/fill/", {}, follow=True)
    assert "Every workshop of this enterprise already has a grid." in response.content.decode()
    assert Grid.objects.filter(enterprise=ent).count() == 5


def test_delete_asks_then_deletes(grids: Grids) -> None:
    g = grids
    c = client(g, "officer_a")
    html = page(g, "officer_a", f"/grid/{g.g2.pk}/delete/", en=True)
    assert "holds 1 person" in html
    assert Grid.objects.filter(pk=g.g2.pk).exists()
    assert c.post(f"/grid/{g.g2.pk}/delete/").status_code == 302
    assert not Grid.objects.filter(pk=g.g2.pk).exists()
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.DELETE, object_type="grid.grid"
    ).exists()
    assert names(page(g, "member2", "/grid/mine/")) == {"周发热"}


# --- Who may open what -------------------------------------------------------------------------


def test_pages_refuse_weaker_roles_and_other_tenants(grids: Grids) -> None:
    g = grids
    assert_refused(g.world, "/grid/mine/", set(Role), marker="钱未检")
    assert_refused(g.world, "/grid/", {Role.LEADER, Role.STAFF, Role.OFFICER}, marker="二车间")
    assert_refused(
        g.world,
        f"/grid/{g.g1.pk}/",
        {Role.LEADER, Role.STAFF, Role.OFFICER},
        allowed_personas={"leader", "staff", "officer_a"},
    )
    assert_refused(
        g.world,
        f"/grid/{g.g1.pk}/delete/",
        {Role.STAFF, Role.OFFICER},
        allowed_personas={"staff", "officer_a"},
    )


WEAKER = ("leader", "gate_a", "volunteer", "supplier", "employee_a", "member1")


def test_writes_refuse_weaker_roles_and_other_tenants(grids: Grids) -> None:
    g = grids
    a = g.world.enterprise_a.pk
    posts = [
        ("/grid/add/", {"enterprise": a, "kind": "chat", "name": "偷偷建的"}),
        ("/grid/fill/", {"enterprise": a}),
        (f"/grid/{g.g1.pk}/edit/", {"kind": "chat", "name": "改了"}),
        (f"/grid/{g.g1.pk}/members/", {"employee": 1}),
        (f"/grid/{g.g1.pk}/delete/", {}),
    ]
    Workshop.objects.create(enterprise=g.world.enterprise_a, name="新车间")
    before = (Grid.objects.count(), Grid.objects.get(pk=g.g1.pk).name)
    for url, data in posts:
        for persona in WEAKER:
            response = g.world.client(persona).post(url, data)
            assert response.status_code == 403, (url, persona, response.status_code)
        for persona in ("outsider_staff", "outsider_officer", "officer_b"):
            response = g.world.client(persona).post(url, data)
            if url == "/grid/add/":
                # Creates in the caller's own tenant: enterprise A is not theirs to name.
                assert Grid.objects.filter(name="偷偷建的", enterprise_id=a).count() == 0
                continue
            assert response.status_code == 404, (url, persona, response.status_code)
    assert (Grid.objects.filter(name="偷偷建的", enterprise_id=a).count()) == 0
    assert Grid.objects.get(pk=g.g1.pk).name == before[1]
    assert not Grid.objects.filter(workshop__name="新车间").exists()
