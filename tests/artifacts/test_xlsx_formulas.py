"""Formulas compiled once per shape, and previews that leave costly values out, saying so."""

from __future__ import annotations

import math
import random
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from studio.artifacts import formulas
from studio.artifacts.formulas import FormulaEngine, FormulaTooCostly, display_value
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
    exponent = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(number)).quantize(exponent, rounding=ROUND_HALF_UP))


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
    formulas._compile_shape.cache_clear()
    expected = _mixed_workbook(tmp_path / "mixed.xlsx")  # values computed when written
    # Each column of row formulas is one shape, parsed once: 8 columns and 3 totals.
    assert formulas._compile_shape.cache_info().misses == 8 + 3
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
    formulas._compile_shape.cache_clear()
    engine = FormulaEngine(lambda s, r, c: cells.get((s, r, c)), ["T"])
    shared = {key: engine.cell_value(*key) for key in cells}
    assert formulas._compile_shape.cache_info().misses == 1  # a 10 x 10 table, one shape
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
    with pytest.raises(formulas.FormulaError, match="circular"):
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
