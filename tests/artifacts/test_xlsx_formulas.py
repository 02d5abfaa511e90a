"""Formulas compiled once per shape, and previews that leave costly values out, saying so."""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pytest

from studio.artifacts.formulas import (
    ExcelError,
    FormulaEngine,
    FormulaError,
    FormulaTooCostly,
    display_value,
    with_function_prefixes,
    workbook_formula_values,
)
from studio.artifacts.formulas.compiler import compile_shape
from studio.artifacts.readers import PreviewLimits, extract_text, preview
from studio.artifacts.writers import write_artifact
from studio.generation.schemas import Sheet, WorkbookContent
from tests.artifacts.test_xlsx_reader import build_xlsx

# -- a mixed workbook: every kind of reference, many rows sharing each shape ------------------

ROWS = 60
LAST = ROWS + 1  # orders sit in rows 2..LAST under a header row


def _orders() -> tuple[list[list], dict[str, list]]:
    """Rows for the Orders sheet and, per column, the values Excel would compute."""
    rng = random.Random(7)
    qty = [rng.randint(1, 40) for _ in range(ROWS)]
    price = [round(rng.uniform(0.5, 20), 2) for _ in range(ROWS)]
    vat, discount = 0.2, 0.05
    net = [q * p for q, p in zip(qty, price, strict=True)]
    total = math.fsum(net)
    expected = {
        "Net": net,
        "Gross": [_excel_round(n * (1 + vat), 2) for n in net],
        "Running": [math.fsum(net[: i + 1]) for i in range(ROWS)],
        "Size": ["big" if n > 100 else "small" for n in net],
        "Change": [0.0] + [price[i] - price[i - 1] for i in range(1, ROWS)],
        "Share": [n / total for n in net],
        "Scaled": [q * price[0] for q in qty],
        "Kept": [n * (1 - discount) for n in net],
    }
    rows = []
    for i in range(ROWS):
        r = i + 2
        rows.append(
            [
                qty[i],
                price[i],
                f"=A{r}*B{r}",  # relative
                f"=ROUND(C{r}*(1+Rates!$B$2), 2)",  # absolute, on another sheet
                f"=SUM($C$2:C{r})",  # a range with one fixed and one moving corner
                f'=IF(C{r}>100, "big", "small")',
                f"=B{r}-B{r - 1}" if r > 2 else 0,  # the row above
                f"=C{r}/$E${LAST}",  # a fixed cell that depends on every row
                f"=$A{r}*B$2",  # mixed: fixed column, fixed row
                f"=C{r}*(1-'Rates'!B$3)",  # quoted sheet, row-fixed
            ]
        )
    return rows, expected


def _excel_round(number: float, digits: int) -> float:
    exponent = Decimal(1).scaleb(-digits)  # from 15 significant digits, as Excel rounds
    return float(Decimal(format(number, ".15g")).quantize(exponent, rounding=ROUND_HALF_UP))


def _mixed_workbook(path: Path) -> dict[str, list]:
    rows, expected = _orders()
    content = WorkbookContent(
        summary="s",
        sheets=[
            Sheet(name="Rates", columns=["Name", "Value"], rows=[["VAT", 0.2], ["Discount", 0.05]]),
            Sheet(
                name="Orders",
                columns=["Qty", "Price", *expected],
                rows=rows,
            ),
            Sheet(
                name="Totals",
                columns=["What", "Value"],
                rows=[
                    ["Net", f"=SUM(Orders!C2:C{LAST})"],
                    ["Biggest", f"=MAX(Orders!C2:C{LAST})"],
                    ["Shares", f"=ROUND(SUM(Orders!H2:H{LAST}), 9)"],
                ],
            ),
        ],
    )
    write_artifact(path, "xlsx", content)
    return expected


def _close(shown: str, value) -> bool:
    if isinstance(value, str):
        return shown == value
    return math.isclose(float(shown), value, rel_tol=1e-9, abs_tol=1e-9)


def test_shapes_give_the_same_values_on_a_mixed_workbook(tmp_path: Path) -> None:
    compile_shape.cache_clear()
    expected = _mixed_workbook(tmp_path / "mixed.xlsx")  # values computed when written
    # Each column of row formulas is one shape, parsed once: 8 columns and 3 totals.
    assert compile_shape.cache_info().misses == 8 + 3
    result = preview(tmp_path / "mixed.xlsx", "xlsx")
    assert not result.notes
    orders = result.sheets[1]
    header = [cell.value for cell in orders.rows[0]]
    for name, values in expected.items():
        column = header.index(name)
        shown = [row[column].value for row in orders.rows[1:]]
        assert all(_close(s, v) for s, v in zip(shown, values, strict=True)), name
    assert orders.rows[5][2].formula == "=A6*B6"
    totals = {row[0].value: row[1].value for row in result.sheets[2].rows[1:]}
    assert _close(totals["Net"], math.fsum(expected["Net"]))
    assert _close(totals["Biggest"], max(expected["Net"]))
    assert totals["Shares"] == "1"


def test_shared_shapes_match_one_formula_at_a_time() -> None:
    """The same cells through shared shapes and through one-off, position-free evaluation."""
    cells = {("T", 1, c): float(c) for c in range(1, 12)}
    cells.update({("T", r, 1): float(r) for r in range(2, 12)})
    for r in range(2, 12):
        for c in range(2, 12):
            cells[("T", r, c)] = "=$A{0}*{1}$1+{1}{2}".format(r, "ABCDEFGHIJKL"[c - 1], r - 1)
    compile_shape.cache_clear()
    engine = FormulaEngine(lambda s, r, c: cells.get((s, r, c)), ["T"])
    shared = {key: engine.cell_value(*key) for key in cells}
    assert compile_shape.cache_info().misses == 1  # a 10 x 10 table, one shape
    for key, raw in cells.items():
        if isinstance(raw, str):
            alone = FormulaEngine(lambda s, r, c: shared.get((s, r, c)), ["T"])
            assert alone.evaluate(raw, "T") == shared[key]
    assert shared[("T", 3, 4)] == 3 * 4 + shared[("T", 2, 4)]


# -- the cell budget ---------------------------------------------------------------------


def _ledger_xml(rows: int, total: str = "") -> dict[str, str]:
    """A ledger of row formulas without cached values, and a summary over all of it."""
    body = ['<row r="1"><c r="A1" t="inlineStr"><is><t>Qty</t></is></c></row>']
    for r in range(2, rows + 2):
        body.append(
            f'<row r="{r}"><c r="D{r}"><v>{r % 7 + 1}</v></c><c r="E{r}"><v>{r % 5}.5</v></c>'
            f'<c r="F{r}"><f>D{r}*E{r}</f></c></row>'
        )
    summary = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Grand total</t></is></c>'
        f'<c r="B1"><f>SUM(Ledger!F2:F{rows + 1})</f>{total}</c></row>'
    )
    return {"Ledger": "".join(body), "Summary": summary}


def _ledger_total(rows: int) -> float:
    return math.fsum((r % 7 + 1) * (r % 5 + 0.5) for r in range(2, rows + 2))


def test_costly_value_is_left_out_with_a_note(tmp_path: Path) -> None:
    path = build_xlsx(tmp_path / "ledger.xlsx", _ledger_xml(300))
    result = preview(path, "xlsx", limits=PreviewLimits(max_formula_cells=100))
    ledger, summary = result.sheets
    assert ledger.rows[1][5].value == display_value((2 % 7 + 1) * (2 % 5 + 0.5))
    assert all(row[5].value for row in ledger.rows[1:])  # every row formula still computed
    total = summary.rows[0][1]
    assert (total.formula, total.value) == ("=SUM(Ledger!F2:F301)", "")  # no value, no guess
    assert result.notes == [
        "Some values not computed: =SUM(Ledger!F2:F301) (Summary!B1) depends on at least "
        "300 cells, over the limit of 100."
    ]
    # Under a limit it fits, the same preview computes the total.
    fits = preview(path, "xlsx", limits=PreviewLimits(max_formula_cells=1_000))
    assert fits.sheets[1].rows[0][1].value == display_value(_ledger_total(300))
    assert not fits.notes
    # extract_text has no such limit: the index gets the true total.
    assert f"=SUM(Ledger!F2:F301) → {display_value(_ledger_total(300))}" in extract_text(
        path, "xlsx"
    )


def test_cached_values_are_used_whatever_they_cost(tmp_path: Path) -> None:
    path = build_xlsx(tmp_path / "cached.xlsx", _ledger_xml(300, total="<v>1234.5</v>"))
    result = preview(path, "xlsx", limits=PreviewLimits(max_formula_cells=10))
    assert result.sheets[1].rows[0][1].value == "1234.5"
    assert not result.notes


def test_limit_counts_what_a_value_reads_transitively(tmp_path: Path) -> None:
    # The 80 cells of the range fit under 200, but each of their formulas reads two more;
    # the total in H1 is shown before the rows below it have been computed.
    data = _ledger_xml(80)["Ledger"].replace(
        '<row r="1">', '<row r="1"><c r="H1"><f>SUM(F2:F81)</f></c>'
    )
    path = build_xlsx(tmp_path / "deep.xlsx", {"Data": data})
    result = preview(path, "xlsx", limits=PreviewLimits(max_formula_cells=200))
    rows = result.sheets[0].rows
    assert rows[0][7].value == ""
    assert all(row[5].value for row in rows[1:])
    assert result.notes == [
        "Some values not computed: =SUM(F2:F81) (Data!H1) reads more than 200 cells, the limit "
        "for one value."
    ]


def test_formulas_read_only_so_far_below_the_shown_rows(tmp_path: Path) -> None:
    sheets = _ledger_xml(400)
    sheets["Summary"] = (
        '<row r="1"><c r="A1"><f>Ledger!F30</f></c><c r="B1"><f>Ledger!F400</f></c></row>'
    )
    path = build_xlsx(tmp_path / "far.xlsx", sheets)
    limits = PreviewLimits(max_rows=20, max_formula_cells=50)
    result = preview(path, "xlsx", limits=limits)
    near, far = result.sheets[1].rows[0]
    assert near.value == display_value((30 % 7 + 1) * (30 % 5 + 0.5))
    assert far.value == ""
    assert (
        "Some values not computed: =Ledger!F400 (Summary!B1) needs row 400 of Ledger, "
        "further than a preview reads." in result.notes
    )


def test_engine_limit_leaves_the_cells_it_computed_usable() -> None:
    cells = {("S", r, 1): float(r) for r in range(1, 101)}
    cells.update({("S", r, 2): f"=A{r}*2" for r in range(1, 101)})
    cells[("S", 1, 3)] = "=SUM(B1:B100)"
    engine = FormulaEngine(lambda s, r, c: cells.get((s, r, c)), ["S"], value_cell_limit=150)
    with pytest.raises(FormulaTooCostly, match="more than 150"):
        engine.cell_value("S", 1, 3)
    assert engine.cell_value("S", 50, 2) == 100  # not poisoned by the refusal above
    with pytest.raises(FormulaTooCostly, match="at least 400 cells"):
        engine.evaluate("=SUM(A1:B200)", "S")
    roomy = FormulaEngine(lambda s, r, c: cells.get((s, r, c)), ["S"], value_cell_limit=400)
    assert roomy.cell_value("S", 1, 3) == 10_100


def test_cycles_are_still_unknown_with_shapes() -> None:
    cells = {("S", r, 1): f"=A{r + 1}+1" for r in range(1, 10)}
    cells[("S", 10, 1)] = "=A1"
    engine = FormulaEngine(lambda s, r, c: cells.get((s, r, c)), ["S"])
    with pytest.raises(FormulaError, match="circular"):
        engine.cell_value("S", 1, 1)


# -- 50,000 rows -------------------------------------------------------------------------


def test_preview_of_a_50k_row_workbook_completes(tmp_path: Path, capsys) -> None:
    path = build_xlsx(tmp_path / "big.xlsx", _ledger_xml(50_000), dimension="A1:F50001")
    started = time.perf_counter()
    result = preview(path, "xlsx")
    elapsed = time.perf_counter() - started
    ledger, summary = result.sheets
    assert len(ledger.rows) == 500
    assert ledger.rows[499][5].value == display_value((500 % 7 + 1) * (500 % 5 + 0.5))
    assert summary.rows[0][1].value == ""
    assert result.notes == [
        "Ledger: showing the first 500 rows of 50,001.",
        "Some values not computed: =SUM(Ledger!F2:F50001) (Summary!B1) depends on at least "
        "50,000 cells, over the limit of 20,000.",
    ]
    with capsys.disabled():
        print(f"\n50,000-row xlsx preview: {elapsed * 1000:.0f} ms")


# -- the functions models write, with hand-computed values --------------------------------

# A small price list (rows 1-5), a sorted band table (G1:H4), a date and a few edge cells.
COLUMNS = {
    1: ["Widget", "Gadget", "Gizmo", "Widget Pro", None],
    2: [10.0, 25.0, "n/a", 40.0, 5.0],
    3: ["North", "South", "North", "north", "East"],
    7: [0.0, 10.0, 20.0, 50.0],
    8: ["tiny", "small", "mid", "big"],
    # dates are serial numbers: 45322 and 45352; ISO text reads as a date where one is needed
    10: [dt.datetime(2024, 1, 31), dt.date(2024, 3, 1), "2024-02-15"],
    11: ["a*b"],
}
GRID = {("P", r, c): v for c, values in COLUMNS.items() for r, v in enumerate(values, start=1)}


NA = ExcelError("#N/A")


def _value(formula: str):
    engine = FormulaEngine(lambda s, r, c: GRID.get((s, r, c)), ["P"], sheet_rows=lambda s: 5)
    return engine.evaluate(formula, "P")


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        # lookups
        ('=VLOOKUP("gizmo",A1:C5,3,FALSE)', "North"),
        ('=VLOOKUP("Widget*",A2:B5,2,FALSE)', 40.0),
        ('=VLOOKUP("Nothing",A1:C5,2,FALSE)', NA),
        ("=VLOOKUP(35,G1:H4,2)", "mid"),
        ("=VLOOKUP(-1,G1:H4,2,TRUE)", NA),
        ('=VLOOKUP("Gadget",A1:C5,4,FALSE)', ExcelError("#REF!")),
        ('=VLOOKUP("Gadget",A1:C5,0,FALSE)', ExcelError("#VALUE!")),
        ("=HLOOKUP(20,G3:H4,2,FALSE)", 50.0),
        ('=HLOOKUP("Gadget",A2:B3,2,FALSE)', "Gizmo"),
        ('=_xlfn.XLOOKUP("Gizmo",A1:A5,C1:C5)', "North"),
        ('=_xlfn.XLOOKUP("North",C1:C5,A1:A5,"none",0,-1)', "Widget Pro"),
        ('=XLOOKUP("Nope",A1:A5,B1:B5,"none")', "none"),
        ('=XLOOKUP("Nope",A1:A5,B1:B5)', NA),
        ('=XLOOKUP("Wid*",A1:A5,B1:B5)', NA),  # match mode 0 takes * literally
        ('=XLOOKUP("Wid*",A1:A5,B1:B5,,2)', 10.0),
        ('=SUM(XLOOKUP("Gadget",A1:A5,B1:C5))', 25.0),
        ("=INDEX(A1:C5,2,3)", "South"),
        ("=INDEX(B1:B5,4)", 40.0),
        ("=INDEX(A1:C5,6,1)", ExcelError("#REF!")),
        ("=SUM(INDEX(A1:B5,0,2))", 80.0),
        ('=MATCH("gadget",A1:A5,0)', 2.0),
        ("=MATCH(35,G1:G4,1)", 3.0),
        ("=MATCH(35,G1:G4)", 3.0),
        ("=MATCH(-5,G1:G4,1)", NA),
        ('=MATCH("G?zmo",A1:A5,0)', 3.0),
        ("=MATCH(1,A1:B5,0)", NA),  # two columns: not a list
        ('=CHOOSE(3,"a","b","c")', "c"),
        # conditional aggregates and their criteria
        ('=SUMIF(C1:C5,"north",B1:B5)', 50.0),  # case-insensitive; "n/a" skipped
        ('=SUMIF(C:C,"North",B:B)', 50.0),  # whole columns end at the sheet's last row
        ('=SUMIF(B1:B5,">=25")', 65.0),
        ('=SUMIF(B1:B5,"<>10")', 70.0),
        ('=SUMIF(A1:A5,"*o",B1:B5)', 40.0),  # Widget Pro; Gizmo's "n/a" adds nothing
        ('=SUMIF(A1:A5,"W*",B1:B5)', 50.0),
        ('=SUMIFS(B1:B5,C1:C5,"North",A1:A5,"Widget*")', 50.0),
        ('=SUMIFS(B1:B5,C1:C4,"North")', ExcelError("#VALUE!")),
        ('=COUNTIF(A1:A5,"")', 1.0),
        ('=COUNTIF(A1:A5,"<>")', 4.0),
        ('=COUNTIF(A1:A5,"G?????")', 1.0),
        ('=COUNTIF(K1:K2,"a~*b")', 1.0),
        ("=COUNTIF(B1:B5,10)", 1.0),
        ('=COUNTIF(B1:B5,"<25")', 2.0),
        ('=COUNTIFS(C1:C5,"North",B1:B5,">5")', 2.0),
        ('=AVERAGEIF(C1:C5,"North",B1:B5)', 25.0),
        ('=AVERAGEIFS(B1:B5,C1:C5,"East")', 5.0),
        ('=AVERAGEIF(C1:C5,"West",B1:B5)', ExcelError("#DIV/0!")),
        ('=SUMIFS(B1:B5,J1:J5,">="&DATE(2024,2,1))', 25.0),
        ('=COUNTIFS(J1:J5,">="&DATE(2024,2,1))', 1.0),  # the text date is not a date
        # conditions and errors
        ('=IFERROR(VLOOKUP("x",A1:B5,2,FALSE),"missing")', "missing"),
        ("=IFERROR(B1*2,0)", 20.0),
        ("=IFNA(1/0,0)", ExcelError("#DIV/0!")),
        ('=_xlfn.IFNA(MATCH("x",A1:A5,0),-1)', -1.0),
        ('=IFS(B1>20,"high",B1>5,"mid")', "mid"),
        ('=IFS(B1>20,"high")', NA),
        ('=IF(B3="n/a",NA(),1)', NA),
        ("=ISNA(NA())", True),
        ("=#REF!+1", ExcelError("#REF!")),
        ("=#NAME?", ExcelError("#NAME?")),
        # maths
        ("=SUMPRODUCT(B1:B2,G2:G3)", 10.0 * 10 + 25 * 20),
        ('=SUMPRODUCT((C1:C5="north")*B1:B5)', ExcelError("#VALUE!")),  # "n/a" * TRUE
        ('=SUMPRODUCT((C1:C5="north")*(A1:A5<>"Gizmo"),B1:B5)', 50.0),
        ("=SUMPRODUCT(--(B1:B5>5))", 4.0),  # text sorts above numbers, so "n/a" > 5
        ("=SUMPRODUCT(B1:B2,G1:G3)", ExcelError("#VALUE!")),
        ("=MEDIAN(B1:B5)", 17.5),
        ("=MEDIAN(1,2,3)", 2.0),
        ("=ROUNDUP(3.2,0)", 4.0),
        ("=ROUNDUP(-3.2,0)", -4.0),
        ("=ROUNDUP(0.1+0.2,1)", 0.3),
        ("=ROUNDDOWN(3.99,1)", 3.9),
        ("=ROUNDDOWN(-3.99,0)", -3.0),
        ("=ROUND(1234.5,-2)", 1200.0),
        ("=INT(-3.5)", -4.0),
        ("=MOD(-7,3)", 2.0),
        ("=MOD(7,0)", ExcelError("#DIV/0!")),
        ("=POWER(2,10)", 1024.0),
        ("=SQRT(16)", 4.0),
        ("=SQRT(-4)", ExcelError("#NUM!")),
        ("=B1*15%", 1.5),
        # text
        ("=CONCAT(A1:A2,B1)", "WidgetGadget10"),
        ('=CONCATENATE("a",1,TRUE)', "a1TRUE"),
        ('=1/3&"|"&1E-05&"|"&-2.5E+20&"|"&1E+15', "0.333333333333333|0.00001|-2.5E+20|1E+15"),
        ('=TEXTJOIN(", ",TRUE,A1:A5)', "Widget, Gadget, Gizmo, Widget Pro"),
        ('=TEXTJOIN("-",FALSE,A4:A5,"x")', "Widget Pro--x"),
        ("=LEFT(A4,3)&RIGHT(A4)&MID(A4,8,3)", "WidoPro"),
        ("=LEFT(A1,-1)", ExcelError("#VALUE!")),
        ("=LEN(A4)", 10.0),
        ('=UPPER("abc")&LOWER("DEF")', "ABCdef"),
        ('=TRIM("  a   b  ")', "a b"),
        ('=TEXT(1234.567,"#,##0.00")', "1,234.57"),
        ('=TEXT(0.1234,"0.0%")', "12.3%"),
        ('=TEXT(-42,"0;(0)")', "(42)"),
        ('=TEXT(J1,"yyyy-mm-dd")', "2024-01-31"),
        ('=TEXT(J1,"mmm d, yyyy")', "Jan 31, 2024"),
        ('=TEXT(J1,"dddd d mmmm")', "Wednesday 31 January"),
        ('=TEXT(0.5625,"h:mm AM/PM")', "1:30 PM"),
        ('=TEXT(0.5625,"hh:mm:ss")', "13:30:00"),
        ('=TEXT(TRUE,"0")&TEXT("abc","0")', "TRUEabc"),
        ('=VALUE("1,234.5")', 1234.5),
        ('=VALUE("12%")', 0.12),
        ('=VALUE("abc")', ExcelError("#VALUE!")),
        # dates: cells holding dates are serial numbers
        ("=J1", 45322.0),
        ("=J2-J1", 30.0),
        ("=DATE(2024,1,31)", 45322.0),
        ("=DATE(2024,13,1)", 45658.0),  # 2025-01-01
        ("=YEAR(J1)*10000+MONTH(J1)*100+DAY(J1)", 20240131.0),
        ("=MONTH(J3)", 2.0),  # ISO text reads as a date
        ("=EOMONTH(J1,1)", 45351.0),  # 2024-02-29
        ("=EOMONTH(J1,-1)", 45291.0),  # 2023-12-31
        ("=EDATE(J1,1)", 45351.0),
        ("=EDATE(J1,-12)", 44957.0),  # 2023-01-31
        ('=DATEDIF(J1,J2,"D")', 30.0),
        ('=DATEDIF(DATE(2020,2,29),DATE(2024,2,28),"Y")', 3.0),
        ('=DATEDIF(DATE(2023,5,17),DATE(2024,3,2),"YM")', 9.0),
        ('=DATEDIF(DATE(2023,5,17),DATE(2024,3,2),"MD")', 14.0),
        ('=DATEDIF(J2,J1,"D")', ExcelError("#NUM!")),
        ("=NETWORKDAYS(DATE(2024,3,1),DATE(2024,3,8))", 6.0),
        ("=NETWORKDAYS(DATE(2024,3,8),DATE(2024,3,1),J2)", -5.0),
        ("=WEEKDAY(J1)", 4.0),  # a Wednesday
        ("=WEEKDAY(J1,2)", 3.0),
        ("=WEEKDAY(J1,3)", 2.0),
        ("=DAYS(J2,J1)", 30.0),
    ],
)
def test_functions_models_write(formula: str, expected) -> None:
    value = _value(formula)
    if isinstance(expected, float) and not isinstance(expected, bool):
        assert value == pytest.approx(expected, rel=1e-12), formula
    else:
        assert value == expected, formula


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("=TODAY()", "changes with the clock"),
        ("=NOW()-J1", "changes with the clock"),
        ("=FORECAST(1,B1:B5,G1:G5)", "unsupported function FORECAST"),
        ("=XLOOKUP(1,B1:B5,A1:A5,,1)", "XLOOKUP supports"),
        ("=B1:B5", "a range where one value is expected"),
        ("=INDEX(A1:B5,0,2)", "array"),
        ("=VLOOKUP(1,A1:B5)", "VLOOKUP takes 3 to 4 arguments"),
        ("=ABS(B1:B5)", "a range where one value is expected"),
    ],
)
def test_what_the_evaluator_refuses_says_why(formula: str, message: str) -> None:
    with pytest.raises(FormulaError, match=message):
        _value(formula)


def test_newer_functions_get_their_file_prefix() -> None:
    formula = '=IFS(A1>0,CONCAT("IFS(",A1),TRUE,textjoin(",",TRUE,B:B))+_xlfn.DAYS(A1,A2)'
    assert with_function_prefixes(formula) == (
        '=_xlfn.IFS(A1>0,_xlfn.CONCAT("IFS(",A1),TRUE,_xlfn.textjoin(",",TRUE,B:B))'
        "+_xlfn.DAYS(A1,A2)"
    )
    assert _value("=_xlfn.IFS(TRUE,1)") == _value("=IFS(TRUE,1)") == 1.0


def test_unknown_function_in_an_untaken_branch_is_harmless() -> None:
    assert _value("=IF(TRUE,1,FORECAST(1,B1:B5,G1:G5))") == 1.0
    assert _value("=IFERROR(1,TODAY())") == 1.0


def test_workbook_formula_values_of_an_openpyxl_workbook() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Data"
    sheet.append(["Day", "Amount"])
    sheet.append([dt.datetime(2024, 1, 31), 10])
    sheet.append([dt.datetime(2024, 2, 29), 32.5])
    sheet["C2"] = "=EOMONTH(A2,1)"
    sheet["C2"].number_format = "yyyy-mm-dd"
    sheet["C3"] = "=A3-A2"  # a number of days, not a date
    sheet["C4"] = "=TODAY()"
    sheet["C5"] = "=1/0"
    summary = workbook.create_sheet("Sum up")
    summary["A1"] = "=SUM(Data!B:B)"
    summary["A2"] = "=Data!C4+1"  # depends on a cell we cannot compute
    summary["A3"] = "=Data!B2&\" of \"&'Sum up'!A1"
    before = {ws.title: len(ws._cells) for ws in workbook.worksheets}
    values = workbook_formula_values(workbook)
    assert values == {
        ("Data", "C2"): dt.datetime(2024, 2, 29),
        ("Data", "C3"): 29.0,
        ("Data", "C5"): ExcelError("#DIV/0!"),
        ("Sum up", "A1"): 42.5,
        ("Sum up", "A3"): "10 of 42.5",
    }
    assert {ws.title: len(ws._cells) for ws in workbook.worksheets} == before  # no cells added
