"""Write the sample rosters in this folder: `.venv/bin/python docs/samples/make_samples.py`.

Each is a roster as enterprises really send them, with a handful of the usual mistakes; the
README says which, and what the import answers. tests/registry/test_import_samples.py checks
that the import still answers that.
"""

# ruff: noqa: E501 - one roster row per line reads better than one cell per line

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import xlsxwriter
import xlwt
from stdnum.cn import ric

HERE = Path(__file__).resolve().parent
HEADER = ["序号", "姓名", "性别", "身份证号码", "手机号码", "户籍地", "现居住地"]
HEADER += ["车间", "班次", "宿舍号", "到岗日期", "在岗状态"]


def id_number(county: str, birth: str, seq: int) -> str:
    body = f"{county}{birth}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def sex_of(number: str) -> str:
    return "男" if int(number[16]) % 2 else "女"


def wrong_check(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def _x_number(county: str, birth: str) -> str:
    return next(n for n in (id_number(county, birth, s) for s in range(1, 999)) if n.endswith("X"))


def gbk_csv_rows() -> list[list[str]]:
    a = id_number("330206", "19880312", 101)
    b = id_number("420102", "19950704", 212)
    c = id_number("341221", "19921130", 313)
    x = _x_number("511302", "19900215")
    d = id_number("522601", "19870509", 415)
    e = id_number("330203", "19990101", 516)
    f = id_number("430104", "19931212", 617)
    return [
        HEADER,
        ["1", "王建国", sex_of(a), a, "13805741234", "浙江宁波北仑", "宁波北仑", "一车间", "早班", "", "2020-02-10", "在岗"],
        ["2", "李　娜", sex_of(b), b, "139 5742 2345", "湖北省武汉市", "湖北武汉江岸区", "一车间", "早班", "3号楼-201", "2020-02-24", "未返岗"],
        ["3", "张伟", sex_of(c), full_width(c), "15888883456", "安徽阜阳临泉县", "宁波", "装配车间", "中班", "3号楼-202", "2020/2/12", "在岗"],
        ["4", "刘洋", sex_of(x), x.lower(), "13605744567", "四川南充", "宁波", "装配车间", "中班", "5号楼-101", "2020年2月13日", "在岗"],
        ["5", "陈静", sex_of(d), " " + d[:6] + " " + d[6:] + " ", "1380574567", "贵州黔东南", "贵州凯里", "包装车间", "早班", "", "2020-03-01", "延迟返岗"],
        ["6", "杨磊", sex_of(e), wrong_check(e), "13705745678", "宁波", "宁波", "包装车间", "早班", "", "2020-02-10", "在岗"],
        ["7", "赵敏", sex_of(f), f[:17], "18905746789", "湖南长沙", "宁波", "一车间", "中班", "5号楼-102", "2020-02-15", "在岗"],
        ["8", "王建国", sex_of(a), a, "13805741234", "浙江宁波北仑", "宁波北仑", "一车间", "早班", "", "2020-02-10", "在岗"],
    ]  # fmt: skip


def title_xlsx(path: Path) -> None:
    g = id_number("330206", "19850620", 121)
    h = id_number("330211", "19911018", 232)
    i = id_number("420106", "19890303", 343)
    j = id_number("341203", "19940808", 454)
    k = id_number("360121", "19970417", 565)
    m = id_number("500101", "19860930", 676)
    x = _x_number("330206", "19820707")
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("员工花名册")
    title = book.add_format({"bold": True, "font_size": 14, "align": "center"})
    sheet.merge_range(
        0, 0, 0, len(HEADER) - 1, "宁波恒达精密制造有限公司员工花名册 2020年2月", title
    )
    sheet.write_row(1, 0, HEADER, book.add_format({"bold": True}))
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    rows: list[list[object]] = [
        [1, "周杰", sex_of(g), g, 13957412345, "浙江省宁波市北仑区", "宁波北仑", "冲压车间", "早班", "", dt.date(2020, 2, 10), "在岗"],
        [2, "吴芳", sex_of(h), float(h), 13857423456, "浙江宁波镇海", "宁波镇海", "冲压车间", "早班", "", dt.date(2020, 2, 10), "在岗"],
        [3, "郑强", sex_of(i), "4.20106E+17", 15057434567, "湖北武汉", "湖北武汉", "注塑车间", "中班", "2号楼-301", dt.date(2020, 3, 2), "未返岗"],
        [4, "孙丽", "男" if sex_of(j) == "女" else "女", j, 18657445678, "安徽宣城", "宁波", "注塑车间", "中班", "2号楼-302", dt.date(2020, 2, 17), "在岗"],
        [5, "马超", sex_of(k), "  " + k + " ", 13757456789, "江西南昌", "宁波", "注塑车间", "早班", "2号楼-303", dt.date(2020, 2, 18), "在岗"],
        [6, "朱秀英", sex_of(m), m, "1375745678a", "重庆万州", "宁波", "冲压车间", "中班", "2号楼-304", dt.date(2020, 2, 19), "在岗"],
        [7, "胡明", sex_of(x), x[:17] + "x", 13657467890, "宁波北仑", "宁波北仑", "冲压车间", "早班", "", dt.date(2020, 2, 10), "在岗"],
    ]  # fmt: skip
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), dates)
            elif isinstance(value, (int, float)):
                sheet.write_number(r, c, value)  # how Excel keeps digits typed into a cell
            else:
                sheet.write_string(r, c, value)
    sheet.set_column(0, len(HEADER) - 1, 14)
    book.close()


def old_xls(path: Path) -> None:
    old15 = id_number("330206", "19700101", 131)
    old15 = old15[:6] + old15[8:17]  # a first-generation 15-digit number
    n = id_number("330225", "19780524", 242)
    p = id_number("330206", "19830909", 353)
    q = id_number("330281", "19960611", 464)
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    rows = [
        ["姓名", "身份证号", "联系电话", "部门", "班组", "返岗日期"],
        ["钱大伯", old15, "13306741111", "仓储部", "早班", "2020.2.10"],
        ["孙阿姨", n, "0574-86801234", "仓储部", "早班", "2020.2.10"],
        ["李师傅", p, "13306743333", "仓储部", "白班", "2020.2.11"],
        ["周小妹", q, "13306744444", "行政部", "早班", "2月12日"],
    ]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.save(str(path))


def main() -> None:
    with (HERE / "roster-gbk.csv").open("w", encoding="gbk", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(gbk_csv_rows())
    title_xlsx(HERE / "roster-title-row.xlsx")
    old_xls(HERE / "roster-old.xls")
    print(f"Wrote the samples to {HERE}")


if __name__ == "__main__":
    main()
