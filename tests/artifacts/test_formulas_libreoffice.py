"""Our formula values against LibreOffice's: a workbook of the formulas models write, over
realistic data (numbers, text, blanks, dates, other sheets), recalculated by headless
LibreOffice and read back through openpyxl as pandas and agents read it."""

from __future__ import annotations

import datetime as dt
import math
import shutil
import subprocess
import uuid
from pathlib import Path

import openpyxl
import pytest

from studio.artifacts.formulas import ExcelError, with_function_prefixes, workbook_formula_values

REGIONS = ["North", "South", "East", "West"]
PRODUCTS = ["Widget", "Gadget", "Gizmo", "Doohickey", "Sprocket", "Widget Pro", "Gadget Mini"]
REPS = ["Ann", "Bob", "Chen", "Dana", "ann"]
ROWS = 24
LAST = ROWS + 1
DATE = "yyyy-mm-dd"

# Formulas filled down the Sales sheet, column by column: {header: (formula for row r, format)}.
ROW_FORMULAS = {
    "Net": ("=E{r}*F{r}", None),
    "Band": ('=IFS(G{r}>=200,"large",G{r}>=50,"medium",TRUE,"small")', None),
    "Category": ('=IFERROR(VLOOKUP(B{r},Lookup!$A$2:$C$8,2,FALSE),"Unknown")', None),
    "Month": ('=TEXT(D{r},"mmm yyyy")', None),
    "Quarter": ('="Q"&ROUNDUP(MONTH(D{r})/3,0)', None),
    "Due": ("=EDATE(D{r},1)", DATE),
    "Weekday": ("=WEEKDAY(D{r},2)", None),
    "Label": ('=UPPER(LEFT(A{r},1))&"-"&LOWER(B{r})', None),
    "Discounted": ("=ROUND(G{r}*(1-Lookup!$E$2),2)", None),
    "Rank": ("=MATCH(G{r},$G$2:$G${last},0)", None),
}

# What a report sheet asks of the data: (formula, number format or None). Functions newer
# than Excel 2007 (IFS, CONCAT...) are written as a model would, without their file prefix.
REPORT = [
    (f"=SUM(Sales!G2:G{LAST})", None),
    ('=SUMIF(Sales!A:A,"North",Sales!G:G)', None),
    (f'=SUMIF(Sales!E2:E{LAST},">=10",Sales!G2:G{LAST})', None),
    (f'=SUMIF(Sales!C2:C{LAST},"ann",Sales!E2:E{LAST})', None),
    (
        f'=SUMIFS(Sales!G2:G{LAST},Sales!A2:A{LAST},"North",Sales!D2:D{LAST},">="&DATE(2024,3,1))',
        None,
    ),
    (f'=SUMIFS(Sales!E2:E{LAST},Sales!B2:B{LAST},"Widget*",Sales!E2:E{LAST},"<>7")', None),
    (f'=COUNTIF(Sales!B2:B{LAST},"Gad*")', None),
    (f'=COUNTIF(Sales!B2:B{LAST},"?izmo")', None),
    (f'=COUNTIF(Sales!C2:C{LAST},"<>Ann")', None),
    (f'=COUNTIF(Sales!E2:E{LAST},"")', None),
    (f"=COUNTIF(Sales!A2:A{LAST},A1)", None),
    (f'=COUNTIFS(Sales!A2:A{LAST},"South",Sales!E2:E{LAST},"<5")', None),
    (f'=COUNTIFS(Sales!D2:D{LAST},">="&DATE(2024,2,1),Sales!D2:D{LAST},"<"&DATE(2024,4,1))', None),
    (f'=AVERAGEIF(Sales!A2:A{LAST},"East",Sales!G2:G{LAST})', None),
    (f'=AVERAGEIFS(Sales!G2:G{LAST},Sales!A2:A{LAST},"West",Sales!E2:E{LAST},">0")', None),
    (f'=AVERAGEIF(Sales!A2:A{LAST},"Nowhere",Sales!G2:G{LAST})', None),
    ('=VLOOKUP("gizmo",Lookup!A2:C8,3,FALSE)', None),
    ("=VLOOKUP(15,Lookup!G2:H6,2,TRUE)", None),
    ("=VLOOKUP(100,Lookup!G2:H6,2)", None),
    ('=VLOOKUP("Nothing",Lookup!A2:C8,2,FALSE)', None),
    ('=VLOOKUP("Widget",Lookup!A2:C8,4,FALSE)', None),
    ('=HLOOKUP("Q3",Lookup!J1:M2,2,FALSE)', None),
    ('=INDEX(Lookup!A2:C8,MATCH("Sprocket",Lookup!A2:A8,0),2)', None),
    ("=INDEX(Lookup!A2:C8,9,1)", None),
    ("=INDEX(Lookup!C2:C8,3)", None),
    ("=INDEX(Lookup!B2:B8,MATCH(MAX(Lookup!C2:C8),Lookup!C2:C8,0))", None),
    (f"=SUM(INDEX(Sales!E2:G{LAST},0,3))", None),
    ("=MATCH(17,Lookup!G2:G6,1)", None),
    ("=MATCH(35,Lookup!N2:N6,-1)", None),
    ('=MATCH("gad*",Lookup!A2:A8,0)', None),
    ("=MATCH(-5,Lookup!G2:G6,1)", None),
    ('=CHOOSE(2,"low","mid","high")', None),
    ('=IFERROR(1/0,"none")', None),
    ('=IFNA(VLOOKUP("Nothing",Lookup!A2:C8,2,FALSE),"missing")', None),
    ('=IFNA(1/0,"missing")', None),
    ('=IFS(B1>100000,"huge",B1>1000,"big",TRUE,"small")', None),
    ('=IFS(B1<0,"negative")', None),
    (f"=SUMPRODUCT(Sales!E2:E{LAST},Sales!F2:F{LAST})", None),
    (f'=SUMPRODUCT((Sales!A2:A{LAST}="North")*Sales!E2:E{LAST})', None),
    (f"=SUMPRODUCT(--(Sales!E2:E{LAST}>5))", None),
    (f"=MEDIAN(Sales!F2:F{LAST})", None),
    (f"=ROUND(AVERAGE(Sales!F2:F{LAST}),3)", None),
    ("=ROUNDUP(B1/7,2)", None),
    ("=ROUNDDOWN(-B1/7,1)", None),
    ("=ROUND(2.675,2)+ROUND(-2.5,0)+ROUNDUP(0.1+0.2,1)", None),
    ("=INT(-3.5)", None),
    ("=MOD(-7,3)", None),
    ("=MOD(7.5,-2)", None),
    ("=POWER(1.05,12)", None),
    ("=SQRT(B1)", None),
    ("=SQRT(-1)", None),
    ("=15%*B1", None),
    ("=PRODUCT(2,3,4)", None),
    (f"=MAX(Sales!D2:D{LAST})", DATE),
    (f"=MIN(Sales!D2:D{LAST})", DATE),
    (f"=COUNTBLANK(Sales!E2:E{LAST})", None),
    (f"=COUNTA(Sales!E2:E{LAST})", None),
    (f"=COUNT(Sales!A2:F{LAST})", None),
    ("=CONCAT(Lookup!A2:A4)", None),
    ('=CONCATENATE("Total: ",B1)', None),
    ('="Net "&ROUND(B1,0)&" over "&COUNT(Sales!G2:G25)&" lines"', None),
    ('=TEXTJOIN(", ",TRUE,Sales!A2:A5,Sales!Z1,"end")', None),
    ('=TEXTJOIN("/",FALSE,Lookup!A2:A3,Sales!Z1)', None),
    ("=LEFT(Sales!C2,2)&RIGHT(Sales!B3,3)", None),
    ('=MID("Quarterly report",5,4)', None),
    ('="x"&1/3&"|"&(0.1+0.2)&"|"&1E-05&"|"&-2.5E-03&"|"&123456789012345', None),
    ("=CONCAT(1/7,Sales!F2:F4)", None),
    ("=LEN(Sales!B2)", None),
    ('=TRIM("  too   many  spaces ")', None),
    ('=PROPER("north region")', None),
    ('=SUBSTITUTE("a-b-c","-","+")', None),
    ('=SUBSTITUTE("a-b-c","-","+",2)', None),
    ('=TEXT(B1,"#,##0.00")', None),
    ('=TEXT(0.256,"0.0%")', None),
    ('=TEXT(1234.5,"$#,##0")', None),
    ('=TEXT(-1234.5,"#,##0;(#,##0)")', None),
    ('=TEXT(2.5,"0")', None),
    ('=TEXT(Sales!D2,"yyyy-mm-dd")', None),
    ('=TEXT(Sales!D2,"mmmm d, yyyy")', None),
    ('=TEXT(Sales!D2,"dd/mm/yyyy")', None),
    ('=TEXT(Sales!D2,"ddd")', None),
    ('=TEXT(Sales!D2,"dddd")', None),
    ('=TEXT(0.75,"hh:mm")', None),
    ('=TEXT("abc","0.00")', None),
    ('=VALUE("1,234.5")', None),
    ('=VALUE("abc")', None),
    ("=DATE(2024,14,35)", DATE),
    ("=DATE(2024,3,0)", DATE),
    ("=YEAR(Sales!D5)+MONTH(Sales!D5)+DAY(Sales!D5)", None),
    ("=EOMONTH(Sales!D2,0)", DATE),
    ("=EOMONTH(DATE(2024,1,31),1)", DATE),
    ("=EOMONTH(DATE(2024,3,15),-3)", DATE),
    ("=EDATE(DATE(2024,1,31),1)", DATE),
    ('=DATEDIF(DATE(2023,5,17),DATE(2024,3,2),"Y")', None),
    ('=DATEDIF(DATE(2023,5,17),DATE(2024,3,2),"M")', None),
    ('=DATEDIF(DATE(2023,5,17),DATE(2024,3,2),"D")', None),
    ('=DATEDIF(DATE(2023,5,17),DATE(2024,3,2),"YM")', None),
    ('=DATEDIF(DATE(2023,5,17),DATE(2024,3,2),"MD")', None),
    ('=DATEDIF(DATE(2023,5,17),DATE(2024,3,2),"YD")', None),
    ('=DATEDIF(DATE(2024,5,17),DATE(2024,3,2),"D")', None),
    ("=NETWORKDAYS(DATE(2024,3,1),DATE(2024,3,31))", None),
    ("=NETWORKDAYS(DATE(2024,3,31),DATE(2024,3,1),Lookup!P2:P3)", None),
    ("=WEEKDAY(DATE(2024,3,3))*100+WEEKDAY(DATE(2024,3,3),2)*10+WEEKDAY(DATE(2024,3,3),3)", None),
    ("=DAYS(DATE(2024,12,25),Sales!D2)", None),
    ("=Sales!D2+30", DATE),
    ("=Sales!D3-Sales!D2", None),
    ('="x"+1', None),
    ("=B1/0", None),
    ("=ISBLANK(Sales!E7)", None),
    ("=ISNUMBER(Sales!E7)", None),
    ("=AND(B1>0,Lookup!E2<1)", None),
    ("=OR(B1<0,Sales!E7>1)", None),
    ("=NOT(ISERROR(1/0))", None),
    ("=Lookup!E2*100", None),
    ("='Lookup'!E2+'Sales'!E2", None),
    ('=IF(Sales!E7="",0,1)', None),
    ('=IF(Sales!E7=0,"zero","other")', None),
]


def _data_workbook() -> openpyxl.Workbook:
    workbook = openpyxl.Workbook()
    sales = workbook.active
    sales.title = "Sales"
    sales.append(["Region", "Product", "Rep", "Date", "Qty", "Price", *ROW_FORMULAS])
    start = dt.datetime(2024, 1, 3)
    for i in range(ROWS):
        r = i + 2
        quantity = None if i in (5, 17) else (i * 7) % 23 + 1  # rows 7 and 19 are blank
        row = [
            REGIONS[i % 4],
            PRODUCTS[(i * 3) % len(PRODUCTS)],
            REPS[i % len(REPS)],
            start + dt.timedelta(days=i * 9),
            quantity,
            round(2.5 + (i * 13) % 17 * 1.75, 2),
        ]
        row += [
            with_function_prefixes(formula.format(r=r, last=LAST))
            for formula, _ in ROW_FORMULAS.values()
        ]
        sales.append(row)
        sales.cell(r, 4).number_format = DATE
        for column, (_, number_format) in enumerate(ROW_FORMULAS.values(), start=7):
            if number_format:
                sales.cell(r, column).number_format = number_format
    lookup = workbook.create_sheet("Lookup")
    categories = ["Tools", "Toys", "Tools", "Misc", "Parts", "Tools", "Toys"]
    for i, (product, category) in enumerate(zip(PRODUCTS, categories, strict=True), start=2):
        lookup.cell(i, 1, product)
        lookup.cell(i, 2, category)
        lookup.cell(i, 3, 10 * i + (i % 3))  # target
    lookup["E1"], lookup["E2"] = "Discount", 0.05
    for i, (floor, band) in enumerate(
        [(0, "tiny"), (10, "small"), (20, "mid"), (50, "big"), (90, "huge")], start=2
    ):
        lookup.cell(i, 7, floor)
        lookup.cell(i, 8, band)
        lookup.cell(i, 14, 60 - 10 * i)  # 40, 30, 20, 10, 0: descending for MATCH -1
    for column, (quarter, goal) in enumerate(
        [("Q1", 100), ("Q2", 120), ("Q3", 150), ("Q4", 90)], start=10
    ):
        lookup.cell(1, column, quarter)
        lookup.cell(2, column, goal)
    lookup["P2"], lookup["P3"] = dt.datetime(2024, 3, 8), dt.datetime(2024, 3, 29)
    report = workbook.create_sheet("Report")
    for row, (formula, number_format) in enumerate(REPORT, start=1):
        report.cell(row, 2, with_function_prefixes(formula))
        if number_format:
            report.cell(row, 2).number_format = number_format
    report["A1"] = "North"
    return workbook


def _recalculated(source: Path, out: Path) -> openpyxl.Workbook:
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice (soffice) is needed: apt-get install libreoffice-calc"
    profile = out / f"lo-profile-{uuid.uuid4().hex}"
    subprocess.run(
        [
            soffice,
            "--headless",
            f"-env:UserInstallation=file://{profile}",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return openpyxl.load_workbook(out / source.name, data_only=True)


@pytest.fixture(scope="module")
def computed(tmp_path_factory) -> tuple[openpyxl.Workbook, dict, openpyxl.Workbook]:
    folder = tmp_path_factory.mktemp("formulas")
    source = folder / "book.xlsx"
    _data_workbook().save(source)
    written = openpyxl.load_workbook(source)
    ours = workbook_formula_values(written)
    (folder / "out").mkdir()
    return written, ours, _recalculated(source, folder / "out")


# Where LibreOffice's error differs from Excel's, documented for each function: we follow
# Excel, and the test checks LibreOffice still answers as recorded.
EXCEL_NOT_LIBREOFFICE = {
    '=VLOOKUP("Widget",Lookup!A2:C8,4,FALSE)': ("#REF!", "#VALUE!"),
    "=INDEX(Lookup!A2:C8,9,1)": ("#REF!", "#VALUE!"),
    "=SQRT(-1)": ("#NUM!", "#VALUE!"),
    '=DATEDIF(DATE(2024,5,17),DATE(2024,3,2),"D")': ("#NUM!", "#VALUE!"),
}


def _same(ours, theirs) -> bool:
    if isinstance(ours, ExcelError):
        return theirs == ours.code
    if isinstance(ours, dt.datetime):
        return isinstance(theirs, dt.datetime) and abs((ours - theirs).total_seconds()) < 1
    if isinstance(ours, bool) or isinstance(theirs, bool):
        return ours == theirs
    if isinstance(ours, float) and isinstance(theirs, int | float):
        return math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-9)
    return ours == theirs


def test_every_formula_matches_libreoffice(computed) -> None:
    written, ours, theirs = computed
    formulas = {
        (sheet.title, cell.coordinate): cell.value.replace("_xlfn.", "")
        for sheet in written.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.value.startswith("=")
    }
    assert len(formulas) == ROWS * len(ROW_FORMULAS) + len(REPORT)
    assert set(ours) == set(formulas), "formulas we could not compute"
    mismatches = []
    for (sheet, coordinate), value in ours.items():
        formula, recalculated = formulas[sheet, coordinate], theirs[sheet][coordinate].value
        excel, libreoffice = EXCEL_NOT_LIBREOFFICE.get(formula, (None, None))
        if excel is not None:
            same = str(value) == excel and recalculated == libreoffice
        else:
            same = _same(value, recalculated)
        if not same:
            mismatches.append(
                f"{sheet}!{coordinate} {formula}: ours {value!r}, LibreOffice {recalculated!r}"
            )
    assert not mismatches, "\n".join(mismatches)


def test_the_workbook_exercises_errors_text_and_dates(computed) -> None:
    """The comparison above covers every kind of value, not numbers alone."""
    _, ours, _ = computed
    kinds = {type(value) for value in ours.values()}
    assert {float, str, bool, dt.datetime, ExcelError} <= kinds
    codes = {value.code for value in ours.values() if isinstance(value, ExcelError)}
    assert codes == {"#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NUM!"}
