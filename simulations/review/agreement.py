"""Inter-annotator agreement: Cohen's kappa per label.

Each label is a yes/no judgement on a turn. Wherever two annotators both annotated the same
turn, that turn is one item of their comparison: did each of them apply the label? Kappa
corrects the observed agreement for the agreement expected by chance from each annotator's
own rate of saying yes:

    kappa = (p_observed - p_chance) / (1 - p_chance)

It is undefined when p_chance is 1 (both annotators gave the same answer to every item):
there is no variation to agree about, and we report None rather than a made-up number.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations, groupby
from operator import itemgetter

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet

from simulations.review.models import Label, TurnAnnotation


@dataclass(frozen=True)
class Table:
    """The 2×2 table of two raters: both yes, only the first, only the second, both no."""

    both: int = 0
    first_only: int = 0
    second_only: int = 0
    neither: int = 0

    @property
    def n(self) -> int:
        return self.both + self.first_only + self.second_only + self.neither

    def __add__(self, other: Table) -> Table:
        return Table(
            self.both + other.both,
            self.first_only + other.first_only,
            self.second_only + other.second_only,
            self.neither + other.neither,
        )


def table_of(pairs: Iterable[tuple[bool, bool]]) -> Table:
    counts = [0, 0, 0, 0]
    for first, second in pairs:
        counts[(0 if second else 1) if first else (2 if second else 3)] += 1
    return Table(*counts)


def cohen_kappa(table: Table) -> float | None:
    n = table.n
    if n == 0:
        return None
    observed = (table.both + table.neither) / n
    first_yes = (table.both + table.first_only) / n
    second_yes = (table.both + table.second_only) / n
    chance = first_yes * second_yes + (1 - first_yes) * (1 - second_yes)
    if chance >= 1.0:
        return None
    return (observed - chance) / (1 - chance)


def kappa_of(pairs: Iterable[tuple[bool, bool]]) -> float | None:
    return cohen_kappa(table_of(pairs))


@dataclass
class PairAgreement:
    first: str
    second: str
    table: Table

    @property
    def kappa(self) -> float | None:
        return cohen_kappa(self.table)


@dataclass
class LabelAgreement:
    label: Label
    pairs: list[PairAgreement] = field(default_factory=list)

    @property
    def table(self) -> Table:
        total = Table()
        for pair in self.pairs:
            total = total + pair.table
        return total

    @property
    def kappa(self) -> float | None:
        """Pooled over every pair of annotators: each (turn, pair) is one item."""
        return cohen_kappa(self.table)

    @property
    def items(self) -> int:
        return self.table.n

    @property
    def applied(self) -> int:
        table = self.table
        return table.both * 2 + table.first_only + table.second_only


def label_agreement(*, annotations: QuerySet[TurnAnnotation]) -> list[LabelAgreement]:
    """Kappa per label over the turns that at least two annotators annotated.

    ``annotations`` is the scope (e.g. the annotations of the simulations a user can see). An
    annotation with no label still counts: that annotator said "no" to every label. One query
    reads each shared turn's annotators and labels in order; the pairs are counted here (at
    the paper's corpus size, faster than a self-join of annotations in the database)."""
    shared_turns = (
        annotations.values("turn_id").annotate(n=Count("*")).filter(n__gte=2).values("turn_id")
    )
    rows = (
        annotations.filter(turn_id__in=shared_turns)
        .values_list("turn_id", "user_id", "labels")
        .order_by("turn_id", "user_id")
    )
    items: Counter[tuple[int, int]] = Counter()  # (first, second annotator) -> shared turns
    said = defaultdict(lambda: [0, 0, 0])  # (pair, label) -> [both, first, second] said yes
    for _, turn_rows in groupby(rows, key=itemgetter(0)):
        applied: dict[int, set[int]] = defaultdict(set)  # annotator -> labels, this turn
        for _, user_id, label_id in turn_rows:
            labels = applied[user_id]
            if label_id is not None:
                labels.add(label_id)
        for (first, first_labels), (second, second_labels) in combinations(applied.items(), 2):
            items[(first, second)] += 1
            for label_id in first_labels & second_labels:
                said[(first, second, label_id)][0] += 1
            for label_id in first_labels:
                said[(first, second, label_id)][1] += 1
            for label_id in second_labels:
                said[(first, second, label_id)][2] += 1
    names = dict(
        get_user_model()
        .objects.filter(pk__in={user for pair in items for user in pair})
        .values_list("pk", "username")
    )
    used = {label_id for _, _, label_id in said}
    labels = Label.objects.filter(Q(active=True) | Q(pk__in=used)).order_by("order", "name")
    out = []
    for label in labels:
        result = LabelAgreement(label=label)
        for (first, second), n in sorted(items.items()):
            yes_both, yes_first, yes_second = said.get((first, second, label.pk), (0, 0, 0))
            first_only, second_only = yes_first - yes_both, yes_second - yes_both
            table = Table(
                yes_both, first_only, second_only, n - yes_both - first_only - second_only
            )
            result.pairs.append(
                PairAgreement(first=names[first], second=names[second], table=table)
            )
        out.append(result)
    return out
