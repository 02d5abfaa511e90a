"""Full-text search across every turn the user may see.

One selector, ``turn_text_search``, over two database paths: PostgreSQL full-text search (an
expression GIN index over ``to_tsvector``, read with django.contrib.postgres's SearchQuery,
SearchRank and SearchHeadline) and, on the default SQLite database, an FTS5 external-content
table kept current by triggers. Both are created by migration 0004_turn_text_search and kept
current by the database itself as turns commit.

A turn's searchable text is its reasoning, its tool arguments (as sent and as parsed), its
observation and its error: mail is in there, since a sent message is a tool call's arguments
and a collaborator's reply is that turn's reasoning.

Queries are words that must all appear, with "quoted phrases"; any other character is taken as
a separator, so no input can break the query syntax. Ranking looks at the first
``CANDIDATES`` matches the filters allow: a common word over millions of turns stays bounded,
and the page says when the cap was reached. On PostgreSQL a quoted phrase is looked for among
the first ``PHRASE_CANDIDATES`` turns holding all its words (see ``_pg_candidates``).
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import OperationalError, connection, transaction
from django.db.models import Exists, Func, OuterRef, QuerySet, TextField, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from simulations.models import Turn
from simulations.review import selectors as review_selectors
from simulations.review.models import TrajectoryFlag
from simulations.review.search.index import FTS_TABLE
from studio.models import LLMCall

# On PostgreSQL each candidate's document is computed to filter and again to rank (the index
# holds no positions): the page's time is about CANDIDATES of those, five pages of hits.
CANDIDATES = 100
PHRASE_CANDIDATES = 200
TIME_LIMIT_MS = 5_000
BULK_TIME_LIMIT_MS = 60_000  # every hit's id, for a queue or a bulk label
PAGE_SIZE = 20
QUERY_LIMIT = 300
# Private-use characters mark the matches in snippets, so the text can be escaped first.
MARK_START, MARK_STOP = "\ue000", "\ue001"
_TERM = re.compile(r'"([^"]*)"|([^\s"]+)')
_WORD = re.compile(r"\w+")


class SearchError(ValueError):
    """A query that cannot be searched; the message is shown to the researcher."""


@dataclass
class SearchFilters:
    action: str = ""
    actor: str = ""
    label: int | None = None
    flag: str = ""
    signal: str = ""
    computer: int | None = None
    occupation: str = ""
    model: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def as_dict(self) -> dict:
        return {
            k: (v.isoformat() if isinstance(v, date) else v)
            for k, v in asdict(self).items()
            if v not in ("", None)
        }


@dataclass
class SearchHit:
    turn: Turn
    rank: float
    snippet: SafeString


@dataclass
class SearchPage:
    query: str
    hits: list[SearchHit] = field(default_factory=list)
    total: int = 0  # matches, counted up to CANDIDATES
    offset: int = 0
    capped: bool = False  # more may match than were ranked

    @property
    def next_offset(self) -> int | None:
        end = self.offset + len(self.hits)
        return end if end < self.total else None

    @property
    def previous_offset(self) -> int | None:
        return max(self.offset - PAGE_SIZE, 0) if self.offset else None


def turn_text() -> Func:
    """A turn's searchable text on PostgreSQL. Slashes, dots and angle brackets become
    spaces: PostgreSQL's parser would otherwise keep "Documents/budget.xlsx" as one token (and
    skip "<b>" as a tag), so "budget" would not find it; SQLite's tokenizer splits there."""
    text = Concat(
        "reasoning",
        Value(" "),
        "raw_arguments",
        Value(" "),
        Coalesce(Cast("arguments", TextField()), Value(""), output_field=TextField()),
        Value(" "),
        "observation",
        Value(" "),
        "error",
        output_field=TextField(),
    )
    return Func(text, Value("/.<>"), Value("    "), function="translate", output_field=TextField())


def turn_document() -> SearchVector:
    """Migration 0004_turn_text_search builds the GIN index from this very expression, so the
    planner matches the two."""
    return SearchVector(turn_text(), config="english")


def query_terms(query: str) -> list[list[str]]:
    """The query as terms, each a list of words (one word, or a quoted phrase's words)."""
    if len(query) > QUERY_LIMIT:
        raise SearchError(f"a search holds at most {QUERY_LIMIT} characters")
    terms = []
    for phrase, word in _TERM.findall(query):
        words = _WORD.findall(phrase or word)
        if words:
            terms.append(words)
    return terms


def _fts5_query(terms: list[list[str]]) -> str:
    # Every word is a double-quoted FTS5 string: no operator or column filter can get through.
    return " ".join('"' + " ".join(words) + '"' for words in terms)


def _pg_query(terms: list[list[str]]) -> SearchQuery:
    # Quoted, so that websearch syntax ("or", "-") is taken as words, as on SQLite.
    text = " ".join('"' + " ".join(words) + '"' for words in terms)
    return SearchQuery(text, config="english", search_type="websearch")


def filtered_turns(*, user, filters: SearchFilters) -> QuerySet[Turn]:
    """The turns ``user`` may see that pass ``filters``, text aside."""
    turns = review_selectors.turn_search(
        user=user,
        filters=review_selectors.TurnFilters(
            label=filters.label, signal=filters.signal, actor=filters.actor, action=filters.action
        ),
    )
    flags = TrajectoryFlag.objects.filter(simulation=OuterRef("simulation_id"))
    if filters.flag == "unflagged":
        turns = turns.filter(~Exists(flags))
    elif filters.flag in TrajectoryFlag.Flag.values:
        turns = turns.filter(Exists(flags.filter(flag=filters.flag)))
    if filters.computer:
        turns = turns.filter(simulation__computer_id=filters.computer)
    if filters.occupation:
        turns = turns.filter(simulation__computer__job_title__icontains=filters.occupation)
    if filters.model:
        calls = LLMCall.objects.filter(simulation_id=OuterRef("simulation_id"))
        turns = turns.filter(Exists(calls.filter(model=filters.model)))
    if filters.date_from:
        turns = turns.filter(created_at__date__gte=filters.date_from)
    if filters.date_to:
        turns = turns.filter(created_at__date__lte=filters.date_to)
    return turns


def turn_text_search(
    *, user, query: str, filters: SearchFilters, offset: int = 0, limit: int = PAGE_SIZE
) -> SearchPage:
    """One page of the turns matching ``query``, best first, with a highlighted snippet each."""
    terms = query_terms(query)
    page = SearchPage(query=query, offset=max(offset, 0))
    if not terms:
        return page
    turns = filtered_turns(user=user, filters=filters)
    if connection.vendor == "postgresql":
        ranked = _pg_ranked(turns, terms)
    else:
        ranked = _sqlite_ranked(turns, terms)
    page.total, rows, page.capped = ranked(page.offset, limit)
    by_id = Turn.objects.select_related("simulation", "simulation__computer").in_bulk(
        [turn_id for turn_id, _, _ in rows]
    )
    page.hits = [
        SearchHit(turn=by_id[turn_id], rank=rank, snippet=_snippet_html(snippet))
        for turn_id, rank, snippet in rows
        if turn_id in by_id
    ]
    return page


def turn_text_search_ids(*, user, query: str, filters: SearchFilters, limit: int) -> list[int]:
    """Every matching turn's id (for bulk labels and queues); SearchError past ``limit``."""
    terms = query_terms(query)
    if not terms:
        raise SearchError("type the words to search for")
    turns = filtered_turns(user=user, filters=filters).order_by().values("pk")
    if connection.vendor == "postgresql":
        with _time_limit(BULK_TIME_LIMIT_MS):
            ids = list(
                turns.annotate(document=turn_document())
                .filter(document=_pg_query(terms))
                .order_by("pk")
                .values_list("pk", flat=True)[: limit + 1]
            )
    else:
        sub_sql, sub_params = turns.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s "
                f"AND rowid IN ({sub_sql}) ORDER BY rowid LIMIT %s",
                [_fts5_query(terms), *sub_params, limit + 1],
            )
            ids = [row[0] for row in cursor.fetchall()]
    if len(ids) > limit:
        raise SearchError(f"more than {limit:,} turns match: narrow the search")
    return ids


@contextmanager
def _time_limit(milliseconds: int = TIME_LIMIT_MS):
    """Bound a search's time on PostgreSQL (a phrase of common words would otherwise re-read
    every turn holding them); running out is a SearchError the page shows."""
    if connection.vendor != "postgresql":
        yield
        return
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = %s", [f"{milliseconds}ms"])
            # Matches come from the index: the planner would scan turns for a common word and
            # compute each one's document; an exact (not lossy) bitmap needs no recheck.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")
            yield
    except OperationalError as exc:
        if "statement timeout" not in str(exc):
            raise
        raise SearchError("this search takes too long: add words or filters") from exc


def _pg_candidates(
    turns: QuerySet[Turn], terms: list[list[str]], search: SearchQuery
) -> tuple[list[int], bool]:
    """The turns to rank, as their own query: computing a turn's document is the cost, so it
    is done for at most CANDIDATES turns (then again only to rank them). Words alone are
    answered by the index; a phrase needs each turn's document again (the index holds no
    positions), so it is looked for among the first PHRASE_CANDIDATES turns holding its words."""
    matching = turns.annotate(document=turn_document()).order_by()
    if all(len(words) == 1 for words in terms):
        ids = list(matching.filter(document=search).values_list("pk", flat=True)[:CANDIDATES])
        return ids, len(ids) >= CANDIDATES
    every_word = _pg_query([[word] for words in terms for word in words])
    holding = list(
        matching.filter(document=every_word).values_list("pk", flat=True)[:PHRASE_CANDIDATES]
    )
    ids = list(
        Turn.objects.filter(pk__in=holding)
        .annotate(document=turn_document())
        .filter(document=search)
        .values_list("pk", flat=True)[:CANDIDATES]
    )
    return ids, len(holding) >= PHRASE_CANDIDATES or len(ids) >= CANDIDATES


def _pg_ranked(turns: QuerySet[Turn], terms: list[list[str]]):
    search = _pg_query(terms)

    def ranked(offset: int, limit: int):
        with _time_limit():
            ids, capped = _pg_candidates(turns, terms, search)
            rows = list(
                Turn.objects.filter(pk__in=ids)
                .annotate(rank=SearchRank(turn_document(), search))
                .order_by("-rank", "-pk")
                .values_list("pk", "rank")[offset : offset + limit]
            )
            headlines = dict(
                Turn.objects.filter(pk__in=[pk for pk, _ in rows])
                .annotate(
                    snippet=SearchHeadline(
                        turn_text(),
                        search,
                        config="english",
                        start_sel=MARK_START,
                        stop_sel=MARK_STOP,
                        max_words=30,
                        min_words=12,
                        max_fragments=2,
                        fragment_delimiter=" … ",
                    )
                )
                .values_list("pk", "snippet")
            )
        return len(ids), [(pk, rank, headlines.get(pk, "")) for pk, rank in rows], capped

    return ranked


def _sqlite_ranked(turns: QuerySet[Turn], terms: list[list[str]]):
    sub_sql, sub_params = turns.order_by().values("pk").query.sql_with_params()
    match = _fts5_query(terms)
    candidates = (
        f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s AND rowid IN ({sub_sql}) "
        "LIMIT %s"
    )

    def ranked(offset: int, limit: int):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM ({candidates})", [match, *sub_params, CANDIDATES])
            total = cursor.fetchone()[0]
            cursor.execute(
                f"SELECT rowid, bm25({FTS_TABLE}), "
                f"snippet({FTS_TABLE}, -1, %s, %s, ' … ', 24) FROM {FTS_TABLE} "
                f"WHERE {FTS_TABLE} MATCH %s AND rowid IN ({candidates}) "
                "ORDER BY bm25(" + FTS_TABLE + "), rowid DESC LIMIT %s OFFSET %s",
                [MARK_START, MARK_STOP, match, match, *sub_params, CANDIDATES, limit, offset],
            )
            # bm25 is lower for better matches; shown as a positive score like PostgreSQL's.
            rows = [(pk, -score, snippet) for pk, score, snippet in cursor.fetchall()]
        return total, rows, total >= CANDIDATES

    return ranked


def _snippet_html(text: str | None) -> SafeString:
    """The snippet escaped, then its match markers turned into <mark>."""
    html = escape(text or "")
    return mark_safe(  # noqa: S308 - escaped above; only our own markers become tags
        html.replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>")
    )
