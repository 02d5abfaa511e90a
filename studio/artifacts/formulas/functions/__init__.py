"""The worksheet functions the evaluator knows, by family."""

from studio.artifacts.formulas.functions import criteria, dates, lookup, maths, text
from studio.artifacts.formulas.functions.common import Function
from studio.artifacts.formulas.functions.dates import VOLATILE

FUNCTIONS: dict[str, Function] = {
    **maths.FUNCTIONS,
    **criteria.FUNCTIONS,
    **lookup.FUNCTIONS,
    **text.FUNCTIONS,
    **dates.FUNCTIONS,
}
# Functions whose arguments combine ranges element by element, as in SUMPRODUCT((A2:A9="x")*B2:B9).
ARRAY_FUNCTIONS = frozenset({"SUMPRODUCT"})

__all__ = ["ARRAY_FUNCTIONS", "FUNCTIONS", "VOLATILE", "Function"]
