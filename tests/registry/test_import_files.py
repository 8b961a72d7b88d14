"""Reading roster files: formats, encodings, header rows, and files that are not rosters."""

from __future__ import annotations

import io
import zipfile

import pytest
import xlsxwriter
from django.utils import translation

from tests.registry import (
    HEADER,
    make_import,
    no_progress,
    officer,
    person_id,
    write_csv,
    write_xlsx,
)
from workgate.registry.importing import pipeline
from workgate.registry.importing.readers import ImportFileError
from workgate.registry.models import Employee


@pytest.fixture(autouse=True)
def _media_and_language(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        yield


ROWS = [
    HEADER,
    *[[i, f"员工{i}", person_id(i), "13812345678", "一车间", "2020-02-10"] for i in (1, 2)],
]


def imported(world, path):
    roster_import = make_import(world.enterprise_a, path)
    result = pipeline.run(roster_import, no_progress, actor=officer(world))
    names = sorted(
        Employee.objects.filter(enterprise=world.enterprise_a)
        .exclude(name="张三")
        .values_list("name", flat=True)
    )
    return result, names


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gbk", "gb18030"),
        ("gb18030", "gb18030"),
        ("utf-16", "utf-16"),
    ],
)
def test_csv_encodings_are_detected(world, tmp_path, encoding, detected):
    path = write_csv(tmp_path / "r.csv", ROWS, encoding=encoding)
    analysis = pipeline.analyse(path, enterprise=world.enterprise_a)
    assert (analysis.file_kind, analysis.encoding) == ("csv", detected)
    assert analysis.sample_rows[0][1] == "员工1"
    result, names = imported(world, path)
    assert result["created"] == 2 and names == ["员工1", "员工2"]


def test_gbk_rows_after_an_ascii_start_are_not_taken_for_utf8(world, tmp_path):
    rows = [["name", "ID number"], *[[f"w{i}", person_id(i)] for i in range(1, 3000)]]
    rows.append(["王五", person_id(5000)])
    path = write_csv(tmp_path / "r.csv", rows, encoding="gbk")
    assert pipeline.analyse(path, enterprise=world.enterprise_a).encoding == "gb18030"
    _result, names = imported(world, path)
    assert "王五" in names


@pytest.mark.parametrize("delimiter", ["\t", ";"])
def test_tab_and_semicolon_separated_text(world, tmp_path, delimiter):
    path = write_csv(tmp_path / "r.csv", ROWS, encoding="gbk", delimiter=delimiter)
    result, names = imported(world, path)
    assert result["created"] == 2 and names == ["员工1", "员工2"]


def test_header_found_under_title_rows_and_blank_lines(world, tmp_path):
    book = xlsxwriter.Workbook(str(tmp_path / "r.xlsx"))
    sheet = book.add_worksheet()
    sheet.merge_range(1, 1, 1, 6, "宁波某某公司员工花名册")
    sheet.write(2, 1, "填报日期：2020年2月5日")
    for r, row in enumerate(ROWS, start=4):
        sheet.write_row(r, 1, row)
    book.close()
    analysis = pipeline.analyse(tmp_path / "r.xlsx", enterprise=world.enterprise_a)
    assert analysis.header_row == 4
    assert analysis.headers == HEADER
    assert analysis.proposed == {
        1: "name",
        2: "id_number",
        3: "mobile",
        4: "workshop",
        5: "arrival_date",
    }
    assert analysis.sample_rows[0][2] == person_id(1)[:6] + "********" + person_id(1)[-4:]
    assert analysis.sample_rows[0][3] == "138****5678"
    roster_import = make_import(world.enterprise_a, tmp_path / "r.xlsx", header_row=4)
    roster_import.mapping = {str(k): v for k, v in analysis.proposed.items()}
    roster_import.save()
    result = pipeline.run(roster_import, no_progress, actor=officer(world))
    assert result["created"] == 2
    roster_import.refresh_from_db()
    assert roster_import.errors == []


def test_headers_with_marks_and_english_headers_are_recognised(world, tmp_path):
    headers = ["*姓名", "身份证号码（必填）", "Mobile No.", "紧急联系人电话", "员工宿舍号", "Shift"]
    assert pipeline.propose(headers) == {
        0: "name",
        1: "id_number",
        2: "mobile",
        4: "dorm_room",
        5: "shift",
    }
    english = ["Name", "ID Number", "Mobile", "Workshop", "Arrival date", "Status"]
    assert sorted(pipeline.propose(english).values()) == sorted(
        ["name", "id_number", "mobile", "workshop", "arrival_date", "job_status"]
    )


def test_missing_required_column_is_reported(world, tmp_path):
    path = write_csv(
        tmp_path / "r.csv", [["姓名", "手机", "车间"], ["王五", "13812345678", "一车间"]]
    )
    analysis = pipeline.analyse(path, enterprise=world.enterprise_a)
    assert analysis.missing_required == ["id_number"]
    assert analysis.header_row == 0


def _password_xlsx(tmp_path):
    import msoffcrypto.format.ooxml

    plain = write_xlsx(tmp_path / "plain.xlsx", ROWS)
    target = tmp_path / "locked.xlsx"
    with plain.open("rb") as fh, target.open("wb") as out:
        msoffcrypto.format.ooxml.OOXMLFile(fh).encrypt("secret", out)
    return target


def _broken_zip(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    path = tmp_path / "letter.xlsx"
    path.write_bytes(buffer.getvalue())
    return path


def _empty_sheet(tmp_path):
    book = xlsxwriter.Workbook(str(tmp_path / "empty.xlsx"))
    book.add_worksheet()
    book.close()
    return tmp_path / "empty.xlsx"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda p: (
                (p / "x.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR") and p / "x.png"
            ),
            "not an Excel or CSV",
        ),
        (
            lambda p: (p / "x.pdf").write_bytes(b"%PDF-1.4\n\x00\x01\x02binary") and p / "x.pdf",
            "not an Excel or CSV",
        ),
        (lambda p: (p / "x.csv").write_bytes(b"") or p / "x.csv", "The file is empty"),
        (lambda p: (p / "x.csv").write_text("\n\n  \n") and p / "x.csv", "The file is empty"),
        (_password_xlsx, "protected by a password"),
        (_broken_zip, "not an Excel or CSV"),
        (_empty_sheet, "sheets are empty"),
        (
            lambda p: write_csv(p / "x.csv", [["a", "b"], ["1", "2"]]),
            "no header row with a name and an ID number column",
        ),
        (
            lambda p: write_csv(p / "x.csv", [["姓名", "身份证号码"]]),
            "no people under its header row",
        ),
    ],
    ids=[
        "png",
        "pdf",
        "empty",
        "blank",
        "password",
        "docx-ish",
        "empty-sheet",
        "no-header",
        "header-only",
    ],
)
def test_unreadable_files_give_one_clear_message(world, tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(ImportFileError) as caught:
        pipeline.analyse(path, enterprise=world.enterprise_a)
    assert message in caught.value.message
    if "no header row" in message:
        return  # a mapping the user chose by hand is used as chosen
    # The worker meets the same file with the same words (the upload may have been analysed
    # before the file was replaced).
    roster_import = make_import(world.enterprise_a, path, mapping={"0": "name", "1": "id_number"})
    with pytest.raises(ImportFileError) as caught:
        pipeline.preview(roster_import, no_progress)
    assert message in caught.value.message


def test_a_vanished_upload_fails_the_import_cleanly(world, tmp_path):
    roster_import = make_import(world.enterprise_a, write_csv(tmp_path / "r.csv", ROWS))
    (pipeline.file_path(roster_import)).unlink()
    with pytest.raises(ImportFileError):
        pipeline.run(roster_import, no_progress, actor=officer(world))
    roster_import.refresh_from_db()
    assert (
        roster_import.status == "failed" and "no longer there" in roster_import.errors[0]["reason"]
    )


def test_rows_shorter_than_the_header_are_padded(world, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("姓名,身份证号码,手机\n王一," + person_id(1) + "\n", encoding="utf-8")
    result, names = imported(world, path)
    assert result["created"] == 1 and names == ["王一"]
