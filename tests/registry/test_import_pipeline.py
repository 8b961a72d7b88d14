"""Roster import end to end: what an officer sees after uploading a messy roster."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import translation
from python_calamine import CalamineWorkbook

from tests.factories import make_employee
from tests.registry import (
    HEADER,
    make_import,
    no_progress,
    officer,
    person_id,
    write_csv,
    write_xlsx,
)
from workgate.core.models import AuditEntry
from workgate.registry.importing import pipeline, writer
from workgate.registry.models import (
    Employee,
    ImportMapping,
    RosterImport,
    Shift,
    TimelineEvent,
    Workshop,
)


@pytest.fixture(autouse=True)
def _media_and_language(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        yield


def good_rows(n: int, start: int = 1) -> list[list[object]]:
    return [
        [i, f"王{i}", person_id(i), f"1381234{i:04d}", "一车间", dt.date(2020, 2, 10)]
        for i in range(start, start + n)
    ]


def run_file(world, path, **kw):
    roster_import = make_import(world.enterprise_a, path, **kw)
    result = pipeline.run(roster_import, no_progress, actor=officer(world))
    roster_import.refresh_from_db()
    return roster_import, result


def employees(world):
    return Employee.objects.filter(enterprise=world.enterprise_a).exclude(name="张三")


def test_valid_file_creates_files_with_derived_fields(world, tmp_path):
    path = write_xlsx(tmp_path / "r.xlsx", [HEADER, *good_rows(3)], title="某公司员工花名册")
    roster_import, result = run_file(world, path)
    assert (result["created"], result["updated"], result["unchanged"]) == (3, 0, 0)
    assert result["errors"] == []
    assert roster_import.status == RosterImport.Status.DONE
    assert roster_import.total_rows == 3
    person = employees(world).get(name="王1")
    assert person.id_number == person_id(1)
    assert person.sex in ("M", "F") and person.birth_date == dt.date(1970, 1, 2)
    assert person.hukou_region_id == "330206" and person.is_local
    assert person.mobile == "13812340001"
    assert person.arrival_date == dt.date(2020, 2, 10)
    assert person.workshop.name == "一车间"


def test_messy_cells_are_normalised(world, tmp_path):
    number = person_id(5, county="110105")
    other = person_id(6, county="110105")
    x_number = next(
        person_id(n, county="110105") for n in range(1, 400) if person_id(n, "110105")[-1] == "X"
    )
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number)
    rows = [
        HEADER,
        [1, " 李\u200b四 ", full_width, "138 1234 5678", "一车间", "2020/2/10"],
        [2, "赵　五", " " + x_number.lower() + " ", "+86 13912345678", " 一车间 ", "2020年2月11日"],
        [3, "钱六", f"{other[:6]} {other[6:14]} {other[14:]}", "１３８１２３４５６７９", "", ""],
    ]
    _imp, result = run_file(world, write_xlsx(tmp_path / "r.xlsx", rows))
    assert result["errors"] == []
    li = employees(world).get(name="李四")
    assert li.id_number == number and li.mobile == "13812345678"
    assert li.arrival_date == dt.date(2020, 2, 10)
    zhao = employees(world).get(name="赵五")
    assert zhao.id_number == x_number and zhao.mobile == "13912345678"
    assert zhao.arrival_date == dt.date(2020, 2, 11)
    assert zhao.workshop_id == li.workshop_id  # " 一车间 " is the same workshop
    assert employees(world).get(name="钱六").mobile == "13812345679"


def test_excel_mangled_ids_are_explained_with_masked_values(world, tmp_path):
    good = person_id(7)
    rows = [
        HEADER,
        [1, "甲", float(good), "", "", ""],  # typed as a number: digits lost
        [2, "乙", "3.30206E+17", "", "", ""],  # scientific notation kept as text
        [3, "丙", good[:15] + "000", "", "", ""],  # Excel's 15 significant digits
        [4, "丁", good[:17], "", "", ""],  # a digit lost
        [5, "戊", good[:17] + ("1" if good[17] != "1" else "2"), "", "", ""],  # wrong check digit
    ]
    _imp, result = run_file(world, write_xlsx(tmp_path / "r.xlsx", rows))
    reasons = {e["row"]: e for e in result["errors"]}
    assert "stored by Excel as a number" in reasons[2]["reason"]
    assert "scientific notation" in reasons[3]["reason"]
    assert "ends in 000" in reasons[4]["reason"]
    assert "17 digits instead of 18" in reasons[5]["reason"]
    assert "check digit" in reasons[6]["reason"]
    assert all(e["column"] == "身份证号码" for e in result["errors"])
    assert reasons[6]["value"] == good[:6] + "********" + reasons[6]["value"][-4:]
    assert good not in json.dumps(result["errors"])
    assert result["created"] == 0


def test_old_15_digit_ids_are_upgraded(world, tmp_path):
    from stdnum.cn import ric

    body = "33020619800101123"
    eighteen = body[:17] + ric.calc_check_digit(body[:17] + "0")
    fifteen = eighteen[:6] + eighteen[8:17]
    rows = [HEADER, [1, "老张", fifteen, "", "", ""]]
    _imp, result = run_file(world, write_xlsx(tmp_path / "r.xlsx", rows))
    assert result["created"] == 1
    assert employees(world).get().id_number == eighteen


def test_sex_and_birth_date_contradicting_the_id_are_errors_on_their_column(world, tmp_path):
    number = person_id(11)  # born 1970-01-12
    sex = "男" if int(number[16]) % 2 == 0 else "女"  # the wrong one
    rows = [
        ["姓名", "身份证号", "性别", "出生日期"],
        ["甲", number, sex, "1970-01-12"],
        ["乙", person_id(12), "", "1971-01-01"],
    ]
    _imp, result = run_file(world, write_csv(tmp_path / "r.csv", rows))
    by_row = {e["row"]: e for e in result["errors"]}
    assert by_row[2]["column"] == "性别"
    assert "The ID number says" in by_row[2]["reason"]
    assert by_row[3]["column"] == "出生日期"
    assert "1970-01-13" in by_row[3]["reason"]


def test_workshops_are_created_once_and_unknown_shifts_listed(world, tmp_path):
    Shift.objects.create(enterprise=world.enterprise_a, name="早班", starts="08:00", ends="16:00")
    Shift.objects.create(enterprise=world.enterprise_a, name="夜班", starts="00:00", ends="08:00")
    rows = [["姓名", "身份证号码", "车间", "班次"]]
    rows += [[f"工{i}", person_id(100 + i), "注塑车间", "早班"] for i in range(5)]
    rows += [["工9", person_id(200), "注塑车间", "白班"], ["工10", person_id(201), "", "早"]]
    _imp, result = run_file(world, write_csv(tmp_path / "r.csv", rows))
    assert Workshop.objects.filter(enterprise=world.enterprise_a, name="注塑车间").count() == 1
    assert result["created"] == 6
    [error] = result["errors"]
    assert error["row"] == 7 and error["column"] == "班次"
    assert "白班" in error["reason"] and "早班、夜班" in error["reason"]
    assert employees(world).get(name="工10").shift.name == "早班"


def test_row_numbers_count_title_and_header_rows(world, tmp_path):
    rows = [HEADER, *good_rows(3), [9, "坏", "12345", "", "", ""]]
    path = write_xlsx(tmp_path / "r.xlsx", rows, title="员工花名册 2020年2月")
    _imp, result = run_file(world, path)
    [error] = result["errors"]
    assert error["row"] == 6  # title 1, header 2, people 3–5, the bad one 6
    assert error["column"] == "身份证号码" and error["value"] == "*****"


def test_duplicates_in_the_file_name_each_other(world, tmp_path):
    rows = [HEADER, *good_rows(4)]
    rows.append([5, "重复", person_id(2), "", "", ""])
    _imp, result = run_file(world, write_csv(tmp_path / "r.csv", rows))
    reasons = {e["row"]: e["reason"] for e in result["errors"]}
    assert reasons == {
        3: "The same ID number is also on row 6.",
        6: "The same ID number is also on row 3.",
    }
    assert result["created"] == 3
    assert not employees(world).filter(id_number=person_id(2)).exists()


def test_id_in_another_enterprise_is_refused_naming_it(world, tmp_path):
    make_employee(world.enterprise_b, name="在乙厂", id_number=person_id(3))
    make_employee(world.enterprise_other, name="外社区", id_number=person_id(4))
    _imp, result = run_file(world, write_csv(tmp_path / "r.csv", [HEADER, *good_rows(4)]))
    [error] = result["errors"]
    assert error["row"] == 4 and world.enterprise_b.name in error["reason"]
    assert Employee.objects.get(id_number=person_id(3)).enterprise == world.enterprise_b
    # Another community is another tenant: the same person may have a file there too.
    assert result["created"] == 3


def test_reimport_changes_nothing_and_a_corrected_file_updates_only_changes(world, tmp_path):
    path = write_xlsx(tmp_path / "r.xlsx", [HEADER, *good_rows(4)])
    run_file(world, path)
    before = {e.id_number: e.updated_at for e in employees(world)}
    first_events = TimelineEvent.objects.filter(kind="registry.imported").count()
    assert first_events == 4

    _imp, again = run_file(world, path)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 4)
    assert {e.id_number: e.updated_at for e in employees(world)} == before

    corrected = good_rows(4)
    corrected[1][3] = "13999990000"  # a new phone for 王2
    corrected[2][4] = "二车间"  # 王3 moved
    roster_import, result = run_file(world, write_xlsx(tmp_path / "c.xlsx", [HEADER, *corrected]))
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 2, 2)
    after = {e.id_number: e for e in employees(world)}
    assert after[person_id(2)].mobile == "13999990000"
    assert after[person_id(3)].workshop.name == "二车间"
    assert after[person_id(1)].updated_at == before[person_id(1)]
    assert after[person_id(2)].updated_at > before[person_id(2)]
    events = TimelineEvent.objects.filter(kind="registry.updated").order_by("employee__name")
    assert [(e.employee.name, e.params["fields"]) for e in events] == [
        ("王2", ["mobile"]),
        ("王3", ["workshop"]),
    ]
    assert {e.params["import"] for e in events} == {str(roster_import.pk)}


def test_timeline_events_for_created_files(world, tmp_path):
    roster_import, _result = run_file(world, write_csv(tmp_path / "r.csv", [HEADER, *good_rows(2)]))
    event = TimelineEvent.objects.get(employee__name="王1")
    assert event.kind == "registry.imported"
    assert event.params["import"] == str(roster_import.pk)
    assert {"name", "id_number", "mobile", "workshop"} <= set(event.params["fields"])
    assert event.actor_label == "officer_a"


def test_all_or_nothing_refuses_a_file_with_any_bad_row(world, tmp_path):
    rows = [HEADER, *good_rows(3), [4, "坏", "123", "", "", ""]]
    path = write_csv(tmp_path / "r.csv", rows)
    roster_import, result = run_file(world, path, policy=RosterImport.Policy.ALL_OR_NOTHING)
    assert roster_import.status == RosterImport.Status.REFUSED
    assert (result["created"], len(result["errors"])) == (0, 1)
    assert not employees(world).exists()
    assert not Workshop.objects.filter(enterprise=world.enterprise_a, name="一车间").exists()
    assert roster_import.report_file  # the officer still gets the list of what to fix

    roster_import, result = run_file(world, path, policy=RosterImport.Policy.VALID_ROWS)
    assert roster_import.status == RosterImport.Status.DONE
    assert result["created"] == 3 and employees(world).count() == 3


def test_all_or_nothing_with_a_clean_file_imports_everything(world, tmp_path):
    path = write_csv(tmp_path / "r.csv", [HEADER, *good_rows(3)])
    roster_import, result = run_file(world, path, policy=RosterImport.Policy.ALL_OR_NOTHING)
    assert roster_import.status == RosterImport.Status.DONE and result["created"] == 3


def test_a_crash_mid_import_leaves_nothing_written(world, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "BATCH", 5)
    calls = {"n": 0}
    real_create = writer.EmployeeWriter.create

    def failing_create(self, rows):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return real_create(self, rows)

    monkeypatch.setattr(writer.EmployeeWriter, "create", failing_create)
    roster_import = make_import(
        world.enterprise_a, write_csv(tmp_path / "r.csv", [HEADER, *good_rows(20)])
    )
    with pytest.raises(RuntimeError):
        pipeline.run(roster_import, no_progress, actor=officer(world))
    assert calls["n"] == 3  # two batches had been written before the failure
    assert not employees(world).exists()
    assert not TimelineEvent.objects.filter(kind="registry.imported").exists()
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.FAILED


def test_rows_are_written_in_batches(world, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "BATCH", 4)
    sizes = []
    real_create = writer.EmployeeWriter.create
    monkeypatch.setattr(
        writer.EmployeeWriter,
        "create",
        lambda self, rows: (sizes.append(len(rows)), real_create(self, rows))[1],
    )
    _imp, result = run_file(world, write_csv(tmp_path / "r.csv", [HEADER, *good_rows(10)]))
    assert result["created"] == 10 and sizes == [4, 4, 2]


def test_preview_counts_without_writing(world, tmp_path):
    make_employee(world.enterprise_a, name="王1", id_number=person_id(1), mobile="13812340001")
    rows = [HEADER, *good_rows(3), [4, "坏", "123", "", "", ""]]
    roster_import = make_import(world.enterprise_a, write_csv(tmp_path / "r.csv", rows))
    summary = pipeline.preview(roster_import, no_progress)
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.PREVIEWED
    # 王1 exists with another workshop (none): an update; 王2 and 王3 are new.
    assert (roster_import.created, roster_import.updated, roster_import.unchanged) == (2, 1, 0)
    assert roster_import.error_count == 1 and roster_import.errors[0]["row"] == 5
    assert summary["new_workshops"] == ["一车间"]
    assert employees(world).count() == 1
    assert not Workshop.objects.filter(enterprise=world.enterprise_a).exists()


def test_report_lists_bad_rows_with_reasons_and_neutralises_formulas(world, tmp_path):
    rows = [HEADER, *good_rows(2), [3, '=HYPERLINK("http://x")', "123", "@SUM(1)", "", ""]]
    roster_import, _result = run_file(world, write_csv(tmp_path / "r.csv", rows))
    from django.conf import settings

    book = CalamineWorkbook.from_path(str(settings.MEDIA_ROOT / roster_import.report_file))
    summary, errors = (book.get_sheet_by_index(i).to_python() for i in (0, 1))
    assert errors[0] == ["Row", *HEADER, "Errors"]
    assert len(errors) == 2
    row = errors[1]
    assert row[0] == 4.0
    assert row[2] == '\'=HYPERLINK("http://x")' and row[4] == "'@SUM(1)"
    assert "身份证号码: The ID number must have 18 characters" in row[-1]
    assert "手机号码: That is not a mobile number" in row[-1]
    labels = {r[0]: r[1] for r in summary}
    assert labels["New files"] == 2 and labels["Rows with errors"] == 1


def test_one_audit_entry_with_counts_and_no_personal_data(world, tmp_path):
    rows = [HEADER, *good_rows(2), [3, "坏", person_id(9)[:17], "", "", ""]]
    roster_import, _result = run_file(world, write_csv(tmp_path / "r.csv", rows))
    [entry] = AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT)
    assert entry.object_id == str(roster_import.pk)
    assert entry.enterprise_id == world.enterprise_a.pk
    assert entry.detail["created"] == 2 and entry.detail["errors"] == 1
    text = json.dumps(entry.detail, ensure_ascii=False) + entry.object_repr
    assert person_id(1) not in text and "王1" not in text and person_id(9)[:12] not in text


def test_confirmed_mapping_is_remembered_and_proposed_next_time(world, tmp_path):
    rows = [["工号", "员工", "证件", "备注"], ["A1", "王一", person_id(1), ""]]
    path = write_csv(tmp_path / "r.csv", rows)
    with pytest.raises(pipeline.ImportFileError):
        pipeline.analyse(path, enterprise=world.enterprise_a)  # no header it recognises
    mapping = {"1": "name", "2": "id_number"}
    _imp, result = run_file(world, path, mapping=mapping)
    assert result["created"] == 1
    remembered = ImportMapping.objects.get(enterprise=world.enterprise_a).mapping
    assert remembered["员工"] == "name" and remembered["证件"] == "id_number"
    again = pipeline.analyse(path, enterprise=world.enterprise_a)
    assert again.proposed == {1: "name", 2: "id_number"}
    assert again.missing_required == []
    # Another enterprise has its own memory.
    with pytest.raises(pipeline.ImportFileError):
        pipeline.analyse(path, enterprise=world.enterprise_b)


def test_remember_mapping_records_columns_the_user_left_out():
    headers = ["姓名", "身份证号", "电话"]
    assert pipeline.propose(headers) == {0: "name", 1: "id_number", 2: "mobile"}
    remembered = {"姓名": "name", "身份证号": "id_number", "电话": ""}
    assert pipeline.propose(headers, remembered) == {0: "name", 1: "id_number"}


def test_errors_on_the_import_row_are_capped(world, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "ERROR_LIMIT", 5)
    rows = [HEADER, *[[i, f"坏{i}", "123", "", "", ""] for i in range(12)]]
    roster_import, _result = run_file(world, write_csv(tmp_path / "r.csv", rows))
    assert roster_import.error_count == 12 and len(roster_import.errors) == 5


def test_blank_rows_and_footnotes_are_skipped(world, tmp_path):
    rows = [HEADER, *good_rows(2), ["", "", "", "", "", ""], ["制表人：张三", "", "", "", "", ""]]
    roster_import, result = run_file(world, write_xlsx(tmp_path / "r.xlsx", rows))
    assert result["created"] == 2 and result["errors"] == []
    assert roster_import.total_rows == 2


def test_places_set_whereabouts_and_household_registration(world, tmp_path):
    rows = [
        ["姓名", "身份证号码", "户籍地", "现居住地", "在岗状态"],
        ["甲", person_id(1, county="420102"), "湖北武汉", "湖北省武汉市江岸区", "未返岗"],
        ["乙", person_id(2, county="420102"), "浙江宁波北仑", "宁波", "在岗"],
        ["丙", person_id(3), "火星", "宁波", "在岗"],
    ]
    _imp, result = run_file(world, write_csv(tmp_path / "r.csv", rows))
    jia = employees(world).get(name="甲")
    assert jia.hukou_region_id == "420102" and not jia.is_local  # the ID is more precise
    assert jia.current_region_id == "420102" and jia.current_address == "湖北省武汉市江岸区"
    assert jia.job_status == Employee.JobStatus.AWAY and not jia.arrived
    yi = employees(world).get(name="乙")
    assert yi.hukou_region_id == "330206" and yi.is_local  # registration moved to Ningbo
    assert yi.job_status == Employee.JobStatus.ACTIVE and yi.arrived
    [error] = result["errors"]
    assert error["column"] == "户籍地" and "not recognised" in error["reason"]


def test_errors_are_in_the_uploaders_language(world, tmp_path):
    path = write_csv(tmp_path / "r.csv", [HEADER, [1, "坏", "123", "", "", ""]])
    roster_import = make_import(world.enterprise_a, path)
    with translation.override("zh-hans"):
        zh = pipeline.preview(roster_import, no_progress)["errors"][0]["reason"]
    with translation.override("en"):
        en = pipeline.preview(roster_import, no_progress)["errors"][0]["reason"]
    assert en.startswith("The ID number must have 18 characters")
    assert zh != en or zh.startswith("The ID number")  # zh-hans once the catalogue has it


def test_a_crash_on_the_reading_side_leaves_nothing_written(world, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "BATCH", 3)
    real_parse = pipeline.parse_id
    calls = {"n": 0}

    def failing_parse(cell):
        calls["n"] += 1
        if calls["n"] == 10:  # three batches are with the writing side by now
            raise RuntimeError("reader broke")
        return real_parse(cell)

    monkeypatch.setattr(pipeline, "parse_id", failing_parse)
    roster_import = make_import(
        world.enterprise_a, write_csv(tmp_path / "r.csv", [HEADER, *good_rows(20)])
    )
    with pytest.raises(RuntimeError, match="reader broke"):
        pipeline.run(roster_import, no_progress, actor=officer(world))
    assert not employees(world).exists()
    assert not TimelineEvent.objects.filter(kind="registry.imported").exists()
    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.FAILED


def test_updates_over_several_batches_change_each_persons_own_fields(world, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "BATCH", 3)
    rows = [HEADER, *good_rows(8)]
    run_file(world, write_csv(tmp_path / "a.csv", rows))
    corrected = good_rows(8)
    corrected[0][3] = "13999990001"  # a new phone
    corrected[2][4] = "三车间"  # a workshop the enterprise does not have yet
    corrected[4][5] = dt.date(2020, 3, 1)  # a new arrival date
    corrected[6][3], corrected[6][5] = "13999990007", dt.date(2020, 3, 2)
    roster_import, result = run_file(world, write_xlsx(tmp_path / "b.xlsx", [HEADER, *corrected]))
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 4, 4)
    people = {e.name: e for e in employees(world).select_related("workshop")}
    assert people["王1"].mobile == "13999990001"
    assert people["王3"].workshop.name == "三车间"
    assert people["王5"].arrival_date == dt.date(2020, 3, 1)
    assert (people["王7"].mobile, people["王7"].arrival_date) == (
        "13999990007",
        dt.date(2020, 3, 2),
    )
    assert people["王2"].mobile == "13812340002" and people["王2"].workshop.name == "一车间"
    events = TimelineEvent.objects.filter(
        kind="registry.updated", params__import=str(roster_import.pk)
    )
    assert sorted((e.employee.name, e.params["fields"]) for e in events) == [
        ("王1", ["mobile"]),
        ("王3", ["workshop"]),
        ("王5", ["arrival_date"]),
        ("王7", ["arrival_date", "mobile"]),
    ]


def test_empty_cells_take_defaults_and_are_not_named_in_the_event(world, tmp_path):
    rows = [
        HEADER,
        [1, "甲", person_id(1), "", "", ""],
        [2, "乙", person_id(2), "13812340002", "一车间", ""],
    ]
    _imp, result = run_file(world, write_csv(tmp_path / "r.csv", rows))
    assert result["created"] == 2
    jia = employees(world).get(name="甲")
    assert (jia.mobile, jia.workshop_id, jia.arrival_date) == ("", None, None)
    assert jia.job_status == Employee.JobStatus.ACTIVE and not jia.arrived
    fields = {e.employee.name: set(e.params["fields"]) for e in TimelineEvent.objects.all()}
    assert "mobile" not in fields["甲"] and "workshop" not in fields["甲"]
    assert {"mobile", "workshop"} <= fields["乙"]


def test_an_empty_household_cell_keeps_the_registered_region_on_update(world, tmp_path):
    header = ["姓名", "身份证号码", "户籍地"]
    number = person_id(1, county="420102")
    run_file(world, write_csv(tmp_path / "a.csv", [header, ["甲", number, "浙江宁波北仑"]]))
    assert employees(world).get().hukou_region_id == "330206"
    _imp, result = run_file(world, write_csv(tmp_path / "b.csv", [header, ["甲", number, ""]]))
    assert (result["updated"], result["unchanged"]) == (0, 1)
    assert employees(world).get().hukou_region_id == "330206"
