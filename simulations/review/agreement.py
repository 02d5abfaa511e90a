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

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations

from django.db.models import Count, QuerySet

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
    annotation with no label still counts: that annotator said "no" to every label."""
    shared_turns = (
        annotations.values("turn_id").annotate(n=Count("id")).filter(n__gte=2).values("turn_id")
    )
    shared = annotations.filter(turn_id__in=shared_turns)
    rows = shared.values_list("id", "turn_id", "user_id", "user__username").order_by(
        "turn_id", "user_id"
    )
    by_turn: dict[int, list[tuple[int, int]]] = defaultdict(list)
    names: dict[int, str] = {}
    for annotation_id, turn_id, user_id, username in rows.iterator(chunk_size=2_000):
        by_turn[turn_id].append((annotation_id, user_id))
        names[user_id] = username
    applied: dict[int, set[int]] = defaultdict(set)
    through = TurnAnnotation.labels.through.objects.filter(
        turnannotation_id__in=shared.values("id")
    )
    for annotation_id, label_id in through.values_list("turnannotation_id", "label_id").iterator(
        chunk_size=2_000
    ):
        applied[annotation_id].add(label_id)
    used = {label_id for labels in applied.values() for label_id in labels}
    labels = list(Label.objects.filter(active=True) | Label.objects.filter(pk__in=used))
    pair_items: dict[tuple[int, int], list[tuple[set[int], set[int]]]] = defaultdict(list)
    for entries in by_turn.values():
        for (first_id, first_user), (second_id, second_user) in combinations(entries, 2):
            pair_items[(first_user, second_user)].append((applied[first_id], applied[second_id]))
    # One pass over each pair's items, touching only the labels applied (most items have none).
    tables: dict[tuple[int, int], dict[int, list[int]]] = {}
    for pair, items in pair_items.items():
        counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
        for a, b in items:
            for label_id in a & b:
                counts[label_id][0] += 1
            for label_id in a - b:
                counts[label_id][1] += 1
            for label_id in b - a:
                counts[label_id][2] += 1
        tables[pair] = counts
    out = []
    for label in sorted(set(labels), key=lambda lb: (lb.order, lb.name)):
        result = LabelAgreement(label=label)
        for (first_user, second_user), items in sorted(pair_items.items()):
            both, first_only, second_only = tables[(first_user, second_user)].get(
                label.pk, (0, 0, 0)
            )
            table = Table(
                both, first_only, second_only, len(items) - both - first_only - second_only
            )
            result.pairs.append(
                PairAgreement(first=names[first_user], second=names[second_user], table=table)
            )
        out.append(result)
    return out
