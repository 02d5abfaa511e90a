"""The offline engine's generation responders, called directly and checked against the contracts.

Run without Django: ``pytest tests/offline -q -p no:django -p no:cacheprovider``.
"""

from __future__ import annotations

import collections
import datetime as dt
import random
import re
import statistics
import time

import pytest

from studio.artifacts.formulas import FormulaEngine, column_index
from studio.generation import schemas as s
from studio.llm.offline import generation  # noqa: F401  (registers the responders)
from studio.llm.offline.domains import FAMILIES, infer_family
from studio.llm.offline.gen_figures import metric_value, plant_error, read_error
from studio.llm.offline.gen_names import latest_possible
from studio.llm.offline.gen_plan_mail import thread_partner
from studio.llm.offline.registry import STRUCTURED, make_request
from tests.offline.builders import (
    CONTENT,
    PAPER_MIX,
    ask,
    dependency_view,
    envelope_for,
    flat,
    make_outline,
    make_plan,
    make_policy,
    make_profile,
    render,
    render_all,
)

NURSE = (
    "A pediatric nurse who coordinates care on a busy children's ward and mentors new graduates."
)
CFO = "A CFO of a mid-size manufacturing company who owns the budget and reports to the board."
SWE = "A senior software engineer on a payments platform team who takes on-call shifts."

# -- determinism -------------------------------------------------------------------------------


def test_same_seed_same_output_and_different_seed_differs():
    a, b, c = make_profile(NURSE, 3), make_profile(NURSE, 3), make_profile(NURSE, 4)
    assert a == b
    assert a != c
    policy = make_policy(a, 3)
    assert policy == make_policy(a, 3)
    assert make_outline(a, policy, 111, 3) == make_outline(a, policy, 111, 3)
    assert make_outline(a, policy, 111, 3) != make_outline(a, policy, 111, 4)
    _, _, files = make_plan(NURSE, 3, 111)
    for kind in CONTENT:
        f = next(x for x in files if x["kind"] == kind)
        assert render(a, f, [], seed=9) == render(a, f, [], seed=9), kind
        assert render(a, f, [], seed=9) != render(a, f, [], seed=10), kind


# -- profile -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "family"),
    [
        (NURSE, "healthcare"),
        (CFO, "finance"),
        (SWE, "engineering"),
        ("A middle school science teacher who runs the robotics club.", "education"),
        ("An employment attorney at a regional law firm.", "legal"),
        ("A brand manager launching a new snack line.", "marketing"),
        ("An account executive selling industrial equipment.", "sales"),
        ("A recruiter in talent acquisition at a retailer.", "hr"),
        ("A postdoctoral researcher in a molecular biology laboratory.", "research"),
        ("A warehouse manager at a logistics company.", "operations"),
        ("A policy analyst in city government working on housing.", "government"),
        ("A civil engineer managing a bridge construction site.", "construction"),
        ("An executive chef at a boutique hotel restaurant.", "hospitality"),
        ("An investigative journalist in a city newsroom.", "media"),
        ("Enjoys hiking and board games on weekends.", "general business"),
    ],
)
def test_occupation_family_is_inferred_from_the_persona(persona, family):
    assert infer_family(persona).name == family
    assert make_profile(persona, 2)["occupation_family"] == family


def test_profile_is_complete_and_fits_the_field():
    prof = make_profile(NURSE, 1)
    assert prof["job_title"] == "Pediatric Nurse"
    domain = prof["email"].split("@")[1]
    people = prof["collaborators"]
    assert 5 <= len(people) <= 8
    assert len({p["name"] for p in people}) == len(people)
    assert prof["full_name"] not in {p["name"] for p in people}
    internal = [p for p in people if p["email"].endswith("@" + domain)]
    external = [p for p in people if not p["email"].endswith("@" + domain)]
    assert internal and external, "colleagues at the employer and at least one vendor"
    assert len({p["communication_style"] for p in people}) >= 4
    nursing_roles = {
        "Charge Nurse",
        "Unit Manager",
        "Clinical Pharmacist",
        "Director of Nursing",
        "Infection Prevention Nurse",
        "Nurse Educator",
        "Attending Physician",
        "Quality & Safety Lead",
        "Staffing Coordinator",
    }
    assert len(nursing_roles & {p["role"] for p in internal}) == len(internal)
    assert 2 <= len(prof["projects"]) <= 4
    codes = [p["code"] for p in prof["projects"]]
    assert len(set(codes)) == len(codes)
    for project in prof["projects"]:
        assert project["key_figures"]
        assert any("$" in v for v in project["key_figures"].values())
        assert all(re.search(r"\d", v) for v in project["key_figures"].values())
    assert 0.0 <= prof["tidiness"] <= 1.0


def test_profile_honours_given_attributes():
    prof = make_profile(
        "Someone who works with numbers.",
        4,
        name="Priya Raman",
        role="Chief Financial Officer",
        org="Northwind Traders",
        location="Leeds, UK",
        industry="Wholesale",
    )
    assert (prof["full_name"], prof["first_name"], prof["last_name"]) == (
        "Priya Raman",
        "Priya",
        "Raman",
    )
    assert prof["job_title"] == "Chief Financial Officer"
    assert prof["employer"] == "Northwind Traders"
    assert prof["location"] == "Leeds, UK"
    assert prof["industry"] == "Wholesale"
    assert prof["occupation_family"] == "finance"
    assert prof["email"] == "priya.raman@northwindtraders.com"


def test_profiles_differ_across_personas_and_seeds():
    names = {make_profile(NURSE, seed)["full_name"] for seed in range(8)}
    projects = {make_profile(NURSE, seed)["projects"][0]["name"] for seed in range(8)}
    assert len(names) >= 7
    assert len(projects) >= 3


# -- policy and outline ------------------------------------------------------------------------


def test_policy_timeline_and_home():
    for seed in range(10):
        policy = make_policy(make_profile(SWE, seed), seed)
        start = dt.date.fromisoformat(policy["timeline_start"])
        end = dt.date.fromisoformat(policy["timeline_end"])
        assert end.year == 2026
        assert 80 <= (end - start).days <= 300
        home = policy["home_display"]
        assert (
            home.startswith("C:\\Users\\")
            if policy["os_flavour"] == "windows"
            else (home.startswith("/Users/"))
        )
        assert set(policy["default_locations"]) >= {"documents", "desktop", "downloads", "mail"}


def _mean_depth(outline: dict) -> float:
    total = sum(f["file_count"] for f in outline["folders"])
    return sum((f["path"].count("/") + 2) * f["file_count"] for f in outline["folders"]) / total


@pytest.mark.parametrize("target", [20, 111, 2000])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_outline_sums_exactly_to_the_target(target, seed):
    prof = make_profile(CFO, seed)
    outline = make_outline(prof, make_policy(prof, seed), target, seed)
    folders = outline["folders"]
    assert sum(f["file_count"] for f in folders) == target
    paths = [f["path"] for f in folders]
    assert len(set(paths)) == len(paths)
    assert all(f["file_count"] >= 1 for f in folders)
    assert "Mail" in paths and "Calendar" in paths
    assert next(f for f in folders if f["path"] == "Calendar")["file_count"] == 1
    assert 3.0 <= _mean_depth(outline) <= 3.8


@pytest.mark.parametrize("persona", [NURSE, CFO, SWE])
def test_outline_mean_depth_near_paper(persona):
    depths = []
    for seed in range(1, 6):
        prof = make_profile(persona, seed)
        outline = make_outline(prof, make_policy(prof, seed), 111, seed)
        depths.append(_mean_depth(outline))
        assert 3.0 <= depths[-1] <= 3.8, depths
    assert 3.2 <= statistics.mean(depths) <= 3.6


def test_outline_names_project_folders_and_gets_untidy():
    messy_seen = False
    for seed in range(1, 12):
        prof = make_profile(NURSE, seed)
        paths = [
            f["path"] for f in make_outline(prof, make_policy(prof, seed), 111, seed)["folders"]
        ]
        assert any(
            p["name"] in path or p["code"] in path for p in prof["projects"] for path in paths
        )
        if prof["tidiness"] < 0.6:
            messy_seen |= (
                any(w in path for path in paths for w in ("New Folder", "old", "to sort", "- Copy"))
                or "Documents" in paths
            )
    assert messy_seen


# -- file plan ---------------------------------------------------------------------------------


def _topological(files: list[dict]) -> list[str]:
    indeg = {f["key"]: 0 for f in files}
    children = collections.defaultdict(list)
    for f in files:
        for d in f["depends_on"]:
            indeg[f["key"]] += 1
            children[d["key"]].append(f["key"])
    ready = [k for k, n in indeg.items() if n == 0]
    order = []
    while ready:
        k = ready.pop()
        order.append(k)
        for c in children[k]:
            indeg[c] -= 1
            if indeg[c] == 0:
                ready.append(c)
    return order


@pytest.mark.parametrize("persona", [NURSE, CFO, SWE])
def test_full_plan_matches_the_paper_and_is_well_formed(persona):
    shares = collections.defaultdict(list)
    for seed in (1, 2, 3):
        # the pipeline shows each folder the last 60 planned files, without dates
        profile, policy, files = make_plan(persona, seed, 111, window=60, dates=False)
        assert len(files) == 111
        by_key = {f["key"]: f for f in files}
        assert len(by_key) == 111
        assert len({f["path"].lower() for f in files}) == 111
        kinds = collections.Counter(f["kind"] for f in files)
        for kind, target in PAPER_MIX.items():
            share = 100 * kinds[kind] / 111
            shares[kind].append(share)
            assert abs(share - target) <= 6, (kind, share)
        other = 100 * sum(kinds[k] for k in ("md", "txt", "csv", "eml", "ics")) / 111
        assert abs(other - 26.5) <= 6
        for f in files:
            assert f["purpose"].strip() and "\n" not in f["purpose"] and len(f["purpose"]) < 300
            assert (f["kind"] == "eml") == f["path"].startswith("Mail/")
            assert (f["kind"] == "ics") == f["path"].startswith("Calendar/")
            for d in f["depends_on"]:
                assert d["key"] in by_key, "dangling edge"
        assert kinds["ics"] == 1
        assert len(_topological(files)) == len(files), "dependency cycle"
        start = dt.datetime.fromisoformat(policy["timeline_start"])
        end = dt.datetime.fromisoformat(policy["timeline_end"]) + dt.timedelta(days=1)
        assert all(start <= dt.datetime.fromisoformat(f["date"]) <= end for f in files)


def test_dependencies_are_dated_before_their_dependents_and_edges_are_realistic():
    relations = collections.Counter()
    for seed in (1, 2, 3, 4):
        _, _, files = make_plan(CFO, seed, 111)
        by_key = {f["key"]: f for f in files}
        for f in files:
            for d in f["depends_on"]:
                relations[d["relation"]] += 1
                dep = by_key[d["key"]]
                assert dep["date"] < f["date"], (dep, f)
                if d["relation"] == "version_of":
                    assert dep["title"] == f["title"] and dep["kind"] == f["kind"]
                if d["relation"] == "derived_from" and f["kind"] == "pptx":
                    assert dep["kind"] != "pptx"
    assert all(relations[r] > 0 for r in ("references", "derived_from", "version_of", "replies_to"))


@pytest.mark.parametrize(
    ("path", "title", "bound"),
    [
        ("Mail/20260313-0734 Re_ Budget.eml", "Re: Budget", "2026-03-13"),
        ("Documents/2026-03-14_Audit_Report.docx", "Audit Report", "2026-03-14"),
        ("Documents/MSA-26-AuditReport-140326.docx", "Audit Report", "2026-03-14"),
        ("Documents/audit.docx", "Audit Report – March 2026", "2026-03-31"),
        ("Documents/notes.md", "Unit Huddle Notes 6 Feb 2026", "2026-02-06"),
        ("Documents/tracker.xlsx", "Audit Tracker Q4 2025", "2025-12-31"),
        ("Documents/audit report_v2.docx", "Audit Report – March 2026", None),
        ("Documents/plan.docx", "Project Plan", None),
    ],
)
def test_undated_files_are_bounded_by_their_name_or_title(path, title, bound):
    got = latest_possible(path, title)
    assert (got.date().isoformat() if got else None) == bound


def test_pipeline_without_dates_still_orders_most_dependencies():
    edges = late = 0
    for persona in (NURSE, CFO, SWE):
        for seed in (1, 2, 3):
            _, _, files = make_plan(persona, seed, 111, window=60, dates=False)
            by_key = {f["key"]: f for f in files}
            for f in files:
                for d in f["depends_on"]:
                    edges += 1
                    late += by_key[d["key"]]["date"] >= f["date"]
    assert late <= 0.05 * edges, (late, edges)


def test_mail_threads_reply_in_order_and_alternate_senders():
    profile, _, files = make_plan(SWE, 2, 111)
    by_key = {f["key"]: f for f in files}
    mails = [f for f in files if f["kind"] == "eml"]
    assert len(mails) >= 6
    sender_re = re.compile(r"^From (?P<sender>.+?) to (?P<to>.+?): ")
    roots = 0
    for mail in mails:
        replies = [d for d in mail["depends_on"] if d["relation"] == "replies_to"]
        chain = [mail]
        while replies:
            assert len(replies) == 1
            parent = by_key[replies[0]["key"]]
            assert parent["kind"] == "eml" and parent["date"] < chain[-1]["date"]
            chain.append(parent)
            replies = [d for d in parent["depends_on"] if d["relation"] == "replies_to"]
        root = chain[-1]
        roots += mail is root
        depth = len(chain) - 1
        if depth:
            assert mail["title"] == "Re: " + root["title"]
        partner = thread_partner(root["key"], profile["collaborators"])["name"]
        expected = partner if depth % 2 == 0 else profile["full_name"]
        m = sender_re.match(mail["purpose"])
        assert m and m["sender"] == expected, (mail["purpose"], expected)
        assert {m["sender"], m["to"]} == {partner, profile["full_name"]}
    assert 1 <= roots < len(mails), "messages come in threads"


def test_file_names_follow_the_naming_convention():
    for convention, pattern in (
        ("YYYY-MM-DD_topic", r"^\d{4}-\d{2}-\d{2}_\S+"),
        ("ProjectCode-Topic-DDMMYY", r"^[A-Z0-9-]+-[A-Za-z0-9&+]+-\d{6}"),
        ("lowercase-with-dashes", r"^[a-z0-9-]+$"),
    ):
        prof = make_profile(CFO, 5, naming_convention=convention, tidiness=1.0)
        policy = make_policy(prof, 5)
        folder = {"path": "Documents/Reports", "purpose": "reports", "file_count": 12}
        ctx = {
            "profile": prof,
            "policy": policy,
            "folder": folder,
            "existing": [],
            "key_prefix": "r_",
            "seed": 5,
        }
        stems = [
            f["path"].rsplit("/", 1)[1].rsplit(".", 1)[0] for f in ask("FilePlan", ctx, 5)["files"]
        ]
        matching = [st for st in stems if re.match(pattern, st)]
        assert len(matching) == len(stems), (convention, stems)


# -- collaborator files and planted errors ------------------------------------------------------


def test_collaborator_files_plant_an_error_the_content_carries():
    profile, policy, files = make_plan(NURSE, 6, 60)
    existing = [{k: f[k] for k in ("key", "path", "kind", "title", "project")} for f in files][-60:]
    keys = {e["key"] for e in existing}
    planted = 0
    for i, person in enumerate(profile["collaborators"]):
        ctx = {
            "profile": profile,
            "policy": policy,
            "collaborator": person,
            "existing": existing,
            "key_prefix": f"c{i:02d}_",
            "seed": 6,
        }
        out = ask("CollaboratorFiles", ctx, 60 + i)
        s.FilePlan.model_validate(out)
        assert 1 <= len(out["files"]) <= 3
        assert any(f["planted_error"] for f in out["files"])
        for f in out["files"]:
            assert f["owner"] == person["name"]
            assert f["key"].startswith(f"c{i:02d}_") and f["key"] not in keys
            assert "/" in f["path"] and not f["path"].startswith(("Documents", "/"))
            assert all(d["key"] in keys for d in f["depends_on"])
            if not f["planted_error"]:
                continue
            label, wrong, right = read_error(f["planted_error"])
            assert wrong != right
            content = render(profile, f, [])
            assert content["facts"][label] == wrong
            text = flat(content)
            assert wrong in text and right not in text
            planted += 1
    assert planted >= 5


def test_planted_errors_are_real_mistakes_for_every_metric():
    rng = random.Random(5)
    for family in FAMILIES.values():
        for metric in family.metrics:
            for _ in range(12):
                right = metric_value(metric, rng)
                wrong, description = plant_error(metric.label, right, rng)
                assert read_error(description) == (metric.label, wrong, right)
                assert wrong != right and right not in wrong, (metric, right, wrong)


# -- contents ----------------------------------------------------------------------------------

HEALTH_WORDS = ("patient", "ward", "shift", "medication", "nurse", "handover", "falls", "RN")
FINANCE_WORDS = ("budget", "forecast", "variance", "accrual", "cash", "ledger", "EBITDA")
SOFTWARE_WORDS = ("deploy", "incident", "sprint", "latency", "SLO", "migration", "runbook")


def _hits(text: str, words: tuple[str, ...]) -> int:
    return sum(len(re.findall(rf"\b{re.escape(w)}", text, re.IGNORECASE)) for w in words)


@pytest.mark.parametrize(
    ("persona", "own", "others"),
    [
        (NURSE, HEALTH_WORDS, (FINANCE_WORDS, SOFTWARE_WORDS)),
        (CFO, FINANCE_WORDS, (HEALTH_WORDS, SOFTWARE_WORDS)),
        (SWE, SOFTWARE_WORDS, (HEALTH_WORDS, FINANCE_WORDS)),
    ],
)
def test_content_speaks_the_profession(persona, own, others):
    profile, _, files = make_plan(persona, 8, 40)
    docs = [f for f in files if f["kind"] in ("docx", "pptx", "md")][:12]
    text = " ".join(flat(render(profile, f, [])) for f in docs)
    own_hits = _hits(text, own)
    assert own_hits >= 40
    for words in others:
        assert own_hits > 3 * _hits(text, words)


def test_every_kind_renders_within_its_contract_limits():
    profile, _, files = make_plan(CFO, 4, 111)
    written = render_all(profile, files)
    seen = set()
    for f in files:
        c = written[f["key"]]
        seen.add(f["kind"])
        assert c["summary"]
        if f["kind"] in ("docx", "pdf"):
            assert 8 <= len(c["blocks"]) <= 30
            types = {b["type"] for b in c["blocks"]}
            assert {"heading", "paragraph", "table"} <= types
            assert "lorem" not in flat(c).lower()
        elif f["kind"] == "pptx":
            assert 5 <= len(c["slides"]) <= 12
            assert all(sl["bullets"] and sl["notes"] for sl in c["slides"])
        elif f["kind"] == "xlsx":
            assert 2 <= len(c["sheets"]) <= 4
        elif f["kind"] == "csv":
            assert 10 <= len(c["rows"]) <= 200
            assert all(len(r) == len(c["columns"]) for r in c["rows"])
        elif f["kind"] == "ics":
            assert 10 <= len(c["events"]) <= 40
            assert all(e["attendees"] and e["end"] > e["start"] for e in c["events"])
        elif f["kind"] == "eml":
            is_reply = any(d["relation"] == "replies_to" for d in f["depends_on"])
            assert c["subject"].startswith("Re: ") == is_reply
            sender = envelope_for(profile, {x["key"]: x for x in files}, f)["sender"]["name"]
            signature = " ".join(c["body"].rstrip().splitlines()[-3:])
            assert sender.split(" ")[0][0] in signature and sender not in c["body"][:40]
        elif f["kind"] == "md":
            assert c["text"].startswith("# ")
    assert seen == set(CONTENT)


def test_dependency_facts_are_reused_verbatim():
    profile = make_profile(CFO, 11)
    dep = {
        "key": "f000_001",
        "relation": "references",
        "path": "Documents/Budget.xlsx",
        "kind": "xlsx",
        "title": "Budget Model FY2026",
        "summary": "The budget.",
        "facts": {"Total budget": "$1,240,000", "Headcount": "42 FTE"},
    }
    base = {
        "key": "f001_000",
        "date": "2026-03-10T10:00",
        "project": "",
        "purpose": "x",
        "depends_on": [{"key": "f000_001", "relation": "references"}],
    }
    memo = render(
        profile, {**base, "kind": "docx", "title": "Memo – Budget", "path": "a.docx"}, [dep]
    )
    blocks_text = flat(memo["blocks"])
    assert "$1,240,000" in blocks_text and "42 FTE" in blocks_text
    assert memo["facts"]["Total budget"] == "$1,240,000"
    deck = render(
        profile,
        {**base, "kind": "pptx", "title": "Budget Review", "path": "a.pptx"},
        [{**dep, "relation": "derived_from"}],
    )
    assert "$1,240,000" in flat(deck["slides"])
    mail = render(
        profile,
        {**base, "kind": "eml", "title": "Budget", "path": "Mail/a.eml"},
        [dep],
        envelope={
            "sender": {"name": profile["full_name"], "email": profile["email"]},
            "to": [profile["collaborators"][0]],
            "date": base["date"],
        },
        thread=[],
    )
    assert "$1,240,000" in mail["body"]
    book = render(
        profile, {**base, "kind": "xlsx", "title": "Budget Model FY2026", "path": "b.xlsx"}, [dep]
    )
    values = evaluate_workbook(book)
    assert values[("Summary", "Total budget")] == pytest.approx(1_240_000)
    assert book["facts"]["Total budget"] == "$1,240,000"


def test_first_file_of_a_project_states_its_key_figures():
    profile = make_profile(NURSE, 12)
    project = profile["projects"][0]
    f = {
        "key": "k1",
        "kind": "docx",
        "title": f"{project['name']} Status Report",
        "path": "a.docx",
        "date": "2026-02-02T09:00",
        "project": project["name"],
        "purpose": "status",
        "depends_on": [],
    }
    content = render(profile, f, [])
    for label, value in project["key_figures"].items():
        assert content["facts"][label] == value
        assert value in flat(content["blocks"])


# -- workbooks ---------------------------------------------------------------------------------

_REF = re.compile(
    r"(?:'(?P<sheet>[^']+)'!)?\$?(?P<col>[A-Z]{1,3})\$?(?P<row>\d+)"
    r"(?::\$?(?P<col2>[A-Z]{1,3})\$?(?P<row2>\d+))?"
)


def evaluate_workbook(book: dict) -> dict[tuple[str, str], object]:
    """Evaluate every formula; return {(sheet, first-column label): value of column B}."""
    sheets = {sh["name"]: sh for sh in book["sheets"]}

    def lookup(sheet: str, row: int, col: int):
        sh = sheets[sheet]
        if row == 1:
            return sh["columns"][col - 1] if col <= len(sh["columns"]) else None
        if row - 2 < len(sh["rows"]) and col - 1 < len(sh["rows"][row - 2]):
            return sh["rows"][row - 2][col - 1]
        return None

    engine = FormulaEngine(lookup, list(sheets))
    labels = {}
    for name, sh in sheets.items():
        for r, row in enumerate(sh["rows"], start=2):
            for c, cell in enumerate(row, start=1):
                if isinstance(cell, str) and cell.startswith("="):
                    check_references(sheets, name, cell)
                    value = engine.cell_value(name, r, c)
                    assert isinstance(value, int | float), (name, cell, value)
                    if c == 2:
                        labels[(name, row[0])] = value
    return labels


def check_references(sheets: dict, sheet: str, formula: str) -> None:
    for m in _REF.finditer(formula[1:]):
        target = sheets[m["sheet"] or sheet]
        cells = [(m["col"], int(m["row"]))]
        if m["col2"]:
            cells.append((m["col2"], int(m["row2"])))
        for col, row in cells:
            assert 2 <= row <= len(target["rows"]) + 1, (formula, row)
            assert column_index(col) <= len(target["columns"]), (formula, col)
            value = target["rows"][row - 2][column_index(col) - 1]
            assert value not in (None, ""), (formula, col, row)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_workbook_formulas_point_at_emitted_cells_and_add_up(family):
    persona = f"A {FAMILIES[family].titles[0].lower()}"
    profile = make_profile(persona, 3, occupation_family=family)
    titles = [d.title for d in FAMILIES[family].doc_types if d.kind == "xlsx"]
    titles += ["{project} Budget {year}", "Risk Register", "{project} Action Tracker"]
    for i, title in enumerate(titles):
        project = profile["projects"][i % len(profile["projects"])]
        f = {
            "key": f"w{i}",
            "kind": "xlsx",
            "title": title.replace("{project}", project["name"]),
            "path": "w.xlsx",
            "date": "2026-04-01T10:00",
            "project": project["name"],
            "purpose": "numbers",
            "depends_on": [],
        }
        book = render(profile, f, [], seed=i)
        values = evaluate_workbook(book)
        names = [sh["name"] for sh in book["sheets"]]
        assert len(set(names)) == len(names)
        for sheet in book["sheets"]:
            assert set(sheet.get("number_formats", {})) <= set(sheet["columns"])
            assert all(len(row) == len(sheet["columns"]) for row in sheet["rows"])
        figures = next(sh for sh in book["sheets"] if sh["name"] == "Key figures")
        for label, value in project["key_figures"].items():
            assert [label, value] in [r[:2] for r in figures["rows"]]
        for (sheet, label), value in values.items():
            if sheet == "Summary" and label in book["facts"] and "$" in book["facts"][label]:
                stated = float(re.sub(r"[^\d.-]", "", book["facts"][label]))
                assert value == pytest.approx(stated, abs=1), (label, value, stated)


# -- speed -------------------------------------------------------------------------------------


def test_per_call_time(capsys):
    """Reported, not asserted: the benchmark compares generation to raw writer cost."""
    profile, policy, files = make_plan(CFO, 21, 111)
    by_key = {f["key"]: f for f in files}
    written = render_all(profile, files)
    timings: dict[str, list[float]] = collections.defaultdict(list)
    for _ in range(3):
        for f in files:
            deps = dependency_view(by_key, written, f)
            extra = {}
            if f["kind"] == "eml":
                extra = {"envelope": envelope_for(profile, by_key, f), "thread": []}
            name = CONTENT[f["kind"]]
            ctx = {"profile": profile, "file": f, "dependencies": deps, "seed": 1, **extra}
            req = make_request(context=ctx, messages=[], schema_name=name, tools=[], seed=1)
            t0 = time.perf_counter()
            STRUCTURED[name](req)
            timings[name].append(time.perf_counter() - t0)
    for name, ctx in (
        ("FolderOutline", {"profile": profile, "policy": policy, "target_files": 2000}),
        ("Profile", {"persona": CFO, "attributes": {}}),
    ):
        req = make_request(context=ctx, messages=[], schema_name=name, tools=[], seed=1)
        t0 = time.perf_counter()
        STRUCTURED[name](req)
        timings[name].append(time.perf_counter() - t0)
    with capsys.disabled():
        print()
        for name, ts in sorted(timings.items()):
            ms = sorted(t * 1000 for t in ts)
            print(
                f"  {name:20s} calls={len(ms):4d} median={statistics.median(ms):.3f} ms "
                f"p95={ms[int(len(ms) * 0.95) - 1]:.3f} ms"
            )
