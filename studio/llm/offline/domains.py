"""Occupation families and the vocabulary the offline engine writes with.

Each family carries what a person in that line of work would name, count and write
about: job titles, collaborator roles with their authority, project templates, metrics
with plausible ranges, document types, table schemas, sentences, meetings and tools.
The tables are written in a compact pipe-separated notation and parsed once at import,
so adding a family is mostly writing words, not code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Metric:
    label: str
    lo: float
    hi: float
    fmt: str  # money | int | pct | float | ratio
    unit: str = ""


@dataclass(frozen=True, slots=True)
class ColSpec:
    header: str
    kind: (
        str  # item | choice | person | unit | topic | date | id | int | money | pct | float | calc
    )
    choices: tuple[str, ...] = ()
    lo: float = 0.0
    hi: float = 0.0
    # calc columns: left header, operator, right header, result format
    left: str = ""
    op: str = ""
    right: str = ""
    fmt: str = ""


@dataclass(frozen=True, slots=True)
class TableSpec:
    name: str
    columns: tuple[ColSpec, ...]


@dataclass(frozen=True, slots=True)
class DocType:
    kind: str
    category: str
    title: str
    purpose: str


@dataclass(frozen=True, slots=True)
class Family:
    name: str
    keywords: tuple[str, ...]
    titles: tuple[str, ...]
    departments: tuple[str, ...]
    industries: tuple[str, ...]
    orgs: tuple[str, ...]
    tld: str
    responsibilities: tuple[str, ...]
    roles: tuple[tuple[str, str], ...]
    vendors: tuple[tuple[str, str, str], ...]
    projects: tuple[tuple[str, str], ...]
    metrics: tuple[Metric, ...]
    units: tuple[str, ...]
    topics: tuple[str, ...]
    terms: tuple[str, ...]
    cost_lines: tuple[str, ...]
    risks: tuple[str, ...]
    actions: tuple[str, ...]
    doc_types: tuple[DocType, ...]
    folders: tuple[str, ...]
    tables: tuple[TableSpec, ...]
    csv_tables: tuple[TableSpec, ...]
    sentences: tuple[str, ...]
    slide_topics: tuple[str, ...]
    meetings: tuple[str, ...]
    tools: tuple[str, ...]


# -- notation parsers ----------------------------------------------------------------------


def _s(spec: str) -> tuple[str, ...]:
    """'a|b|c' (newlines allowed) -> ('a', 'b', 'c')."""
    return tuple(p.strip() for p in spec.replace("\n", "|").split("|") if p.strip())


def _pairs(spec: str, arity: int = 2) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(b.strip() for b in p.split(":", arity - 1)) for p in _s(spec))


def _metrics(spec: str) -> tuple[Metric, ...]:
    out = []
    for part in _s(spec):
        label, lo, hi, fmt, *unit = part.split(":")
        out.append(Metric(label, float(lo), float(hi), fmt, unit[0] if unit else ""))
    return tuple(out)


_CALC = re.compile(r"^(?P<left>.+?) (?P<op>[-+*/]) (?P<right>.+)$")


def _col(spec: str) -> ColSpec:
    header, kind, *args = (b.strip() for b in spec.split(":"))
    if kind in ("item", "choice", "id"):
        return ColSpec(header, kind, choices=tuple(c.strip() for c in args[0].split("/")))
    if kind in ("int", "money", "pct", "float"):
        return ColSpec(header, kind, lo=float(args[0]), hi=float(args[1]))
    if kind == "calc":
        m = _CALC.match(args[0])
        if m is None:
            raise ValueError(f"bad calc column {spec!r}")
        return ColSpec(header, kind, left=m["left"], op=m["op"], right=m["right"], fmt=args[1])
    return ColSpec(header, kind)


def _tables(spec: str) -> tuple[TableSpec, ...]:
    out = []
    for line in (ln.strip() for ln in spec.strip().splitlines()):
        if line:
            name, cols = line.split("=", 1)
            out.append(TableSpec(name.strip(), tuple(_col(c) for c in cols.split(";"))))
    return tuple(out)


def _doc_types(spec: str) -> tuple[DocType, ...]:
    out = []
    for line in (ln.strip() for ln in spec.strip().splitlines()):
        if line:
            kind, category, title, purpose = (b.strip() for b in line.split(":", 3))
            out.append(DocType(kind, category, title, purpose))
    return tuple(out)


def _family(**kw: str) -> Family:
    return Family(
        name=kw["name"],
        keywords=_s(kw["keywords"]),
        titles=_s(kw["titles"]),
        departments=_s(kw["departments"]),
        industries=_s(kw["industries"]),
        orgs=_s(kw["orgs"]),
        tld=kw["tld"],
        responsibilities=_s(kw["responsibilities"]),
        roles=_pairs(kw["roles"]),  # type: ignore[arg-type]
        vendors=_pairs(kw["vendors"], 3),  # type: ignore[arg-type]
        projects=_pairs(kw["projects"]),  # type: ignore[arg-type]
        metrics=_metrics(kw["metrics"]),
        units=_s(kw["units"]),
        topics=_s(kw["topics"]),
        terms=_s(kw["terms"]),
        cost_lines=_s(kw["cost_lines"]),
        risks=_s(kw["risks"]),
        actions=_s(kw["actions"]),
        doc_types=_doc_types(kw["doc_types"]),
        folders=_s(kw["folders"]),
        tables=_tables(kw["tables"]),
        csv_tables=_tables(kw["csv_tables"]),
        sentences=_s(kw["sentences"]),
        slide_topics=_s(kw["slide_topics"]),
        meetings=_s(kw["meetings"]),
        tools=_s(kw["tools"]),
    )


# -- shared vocabulary ---------------------------------------------------------------------

NAMING_CONVENTIONS: tuple[str, ...] = (
    "YYYY-MM-DD_topic",
    "Topic_vN",
    "topic final_v2",
    "ProjectCode-Topic-DDMMYY",
    "lowercase-with-dashes",
)

COMMUNICATION_STYLES: tuple[str, ...] = _s(
    """terse: one-line replies, expects you to fill the gaps
    formal: full sentences, proper greetings, copies managers in
    chatty: friendly, long messages with personal asides
    detail-obsessed: numbered points, asks for sources and exact figures
    direct: states the decision first, then the reason
    diplomatic: softens requests, proposes options rather than demands
    last-minute: replies late, often the evening before a deadline
    visual: prefers a chart or table over paragraphs"""
)

WRITING_STYLES: tuple[str, ...] = _s(
    """concise, leads with the conclusion and uses short bullet lists
    thorough, long paragraphs with explicit assumptions
    informal, first person, lots of quick notes to self
    structured, numbered headings and tables for every figure
    polite and careful, hedges estimates and cites sources"""
)

COMMON_TOOLS: tuple[str, ...] = _s(
    """keeps Outlook open all day and files mail by project
    drafts in Word, then exports to PDF for anything that leaves the team
    tracks numbers in Excel before they go anywhere else
    uses Teams chat for quick questions instead of email
    keeps a running to-do list in a Markdown file on the Desktop
    saves attachments straight to Downloads and rarely moves them
    builds decks from last quarter's PowerPoint rather than a template"""
)

ROLE_NOUNS: frozenset[str] = frozenset(
    _s(
        """nurse|manager|engineer|teacher|analyst|director|officer|lead|specialist|
        coordinator|consultant|developer|accountant|lawyer|attorney|scientist|
        researcher|editor|reporter|journalist|chef|architect|planner|recruiter|
        administrator|designer|producer|assistant|executive|controller|cfo|ceo|cto|
        coo|principal|lecturer|professor|surveyor|supervisor|paralegal|counsel|
        associate|strategist|buyer|agent|technician|therapist|pharmacist|physician|
        doctor|midwife|advisor|adviser|representative|coach|instructor|tutor|writer
        |photographer|founder|partner|clerk|estimator|economist|auditor|actuary|
        dispatcher|foreman|electrician|marketer|programmer|postdoc"""
    )
)

# Where things live in a home folder unless the filesystem policy says otherwise.
DEFAULT_LOCATIONS: dict[str, str] = {
    "documents": "Documents",
    "desktop": "Desktop",
    "downloads": "Downloads",
    "mail": "Mail",
    "calendar": "Calendar",
}

# A constant pool so rosters and logs can name extra people without a Faker call per row.
FIRST_NAMES: tuple[str, ...] = _s(
    """Aaliyah|Adrian|Aisha|Alejandro|Amara|Andre|Anika|Ben|Bianca|Caleb|Camila|Chen|Chloe|Daniel
    Deepa|Diego|Elena|Eli|Emeka|Fatima|Felix|Grace|Hana|Hugo|Imani|Isaac|Jamal|Jana|Jonah|Keisha
    Kenji|Lara|Leon|Lucia|Malik|Maya|Mateo|Mei|Nadia|Nikhil|Noah|Olivia|Omar|Priya|Quinn|Rafael
    Rosa|Ruth|Samir|Sofia|Tariq|Tessa|Theo|Uma|Valeria|Victor|Wen|Yara|Yusuf|Zoe"""
)
LAST_NAMES: tuple[str, ...] = _s(
    """Abbott|Adeyemi|Alvarez|Bauer|Bennett|Brooks|Castillo|Chowdhury|Cohen|Delgado|Dubois|Ellis
    Fischer|Fitzgerald|Garcia|Greene|Gupta|Hayes|Herrera|Hoang|Ibrahim|Jensen|Kaur|Kowalski|Larsen
    Lopez|Mahmoud|Marsh|Mendez|Murphy|Nakamura|Nguyen|Novak|Okafor|Olsen|Patel|Pereira|Quinn
    Ramirez|Reyes|Rossi|Sato|Schmidt|Shah|Silva|Sullivan|Tanaka|Thompson|Torres|Vasquez|Walsh
    Weber|Wright|Yamamoto|Young|Zhang"""
)

GENERIC_DOC_TYPES: tuple[DocType, ...] = _doc_types(
    """
    docx:memo:Memo – {Topic}:Briefs {collab_first} and the team on {topic} and the decision it needs.
    docx:minutes:{Meeting} Minutes {date}:Records decisions and actions from the {meeting} held on {date}.
    docx:report:{project} Status Report – {month}:Reports progress, figures and open issues on {project} for {month}.
    docx:plan:{project} Project Plan:Sets scope, milestones, owners and budget for {project}.
    docx:proposal:Proposal – {Topic}:Proposes a change to how we handle {topic}, with costs and options.
    docx:agenda:{Meeting} Agenda {date}:Agenda and pre-reading list for the {meeting} on {date}.
    docx:letter:Letter to {collab_last} re {Topic}:Formal letter to {collab} confirming what was agreed on {topic}.
    xlsx:budget:{project} Budget {year}:Line-by-line budget and actuals for {project} in {year}.
    xlsx:tracker:{project} Action Tracker:Tracks open actions, owners and due dates on {project}.
    xlsx:analysis:{Topic} Analysis {quarter}:Works through the {topic} numbers for {quarter} behind the summary figures.
    xlsx:tracker:Risk Register {project}:Logs risks, likelihood, impact and mitigations for {project}.
    pptx:deck:{project} Status Update {month}:Slides for the {meeting} summarising {project} progress in {month}.
    pptx:deck:{Topic} Review {quarter}:Review deck on {topic} for leadership covering {quarter}.
    pdf:report:{project} Final Report:Signed-off report on {project} as circulated to stakeholders.
    pdf:form:Expense Claim {month}:Expense claim submitted for {month} travel and supplies.
    pdf:policy:{org} Travel and Expenses Policy:Company travel and expenses policy kept for reference.
    pdf:invoice:Invoice {n} – {vendor}:Invoice from {vendor} awaiting approval against the {project} budget.
    pdf:guide:{Term} Quick Reference Guide:Reference guide on {term} downloaded for the team.
    md:minutes:{Meeting} notes {date}:Quick notes from the {meeting} on {date} with action items.
    md:todo:To-do {month}:Personal running to-do list for {month}.
    md:readme:README – {project}:Explains what is in the {project} folder and which file is current.
    md:notes:Ideas – {Topic}:Rough thinking on {topic} before writing it up properly.
    txt:notes:notes {topic}:Plain-text scratch notes on {topic} taken during calls.
    txt:notes:call with {collab_first} {date}:Notes from a phone call with {collab} on {date}.
    txt:notes:figures to check:Numbers copied from emails that still need checking.
    csv:export:{topic} export {date}:Raw export on {topic} pulled on {date} for analysis.
    csv:log:{project} activity log:Running log of activity on {project} exported from the team tool.
    """
)

GENERIC_SENTENCES: tuple[str, ...] = _s(
    """This note pulls together where {project} stands as of {date} and what still needs a decision.
    {collab} ({collab_role}) owns the next step and has asked for comments by {deadline}.
    The {fact_l} is {value}; that is the figure to quote in anything that goes out this month.
    We agreed to keep the scope of {project} unchanged until the {meeting} on {deadline}.
    The main open question is how {topic} affects {unit}, and nobody has the full picture yet.
    {collab_first} pointed out that the {term} assumptions were last checked in {month}.
    If we slip past {deadline}, the knock-on effect lands on {unit} first.
    Feedback so far has been constructive, with most comments about {topic} rather than the overall approach.
    Figures in this version supersede anything circulated before {date}.
    I have kept the wording close to what {collab_first} proposed so the change is easy to review.
    Two items remain open: {topic} and the {term}.
    Workload peaks in {month}, which is why the timeline leaves slack around {deadline}.
    {collab_first} and I walked through the {topic} numbers line by line and agreed on the approach.
    The {meeting} asked for a one-page summary of {project} rather than the full pack.
    Nothing here changes the {fact_l} ({value}); the adjustments are within existing lines."""
)

GENERIC_BULLETS: tuple[str, ...] = _s(
    """Confirm the {fact_l} ({value}) with {collab_first} before it goes further
    Share the revised draft with {collab_first} by {deadline}
    Add {topic} to the agenda for the next {meeting}
    Check the {term} figures against the latest export
    Decide who owns {topic} on {unit} going forward
    Archive superseded versions so only the current file stays in the folder
    Ask {collab_first} for the source behind the {topic} numbers
    Book 30 minutes with {collab_first} to close out {topic}"""
)

GENERIC_RISKS: tuple[str, ...] = _s(
    """Key people unavailable during {month}|Scope creep on {project}|Late sign-off from {collab_role}
    Data quality in the {topic} export|Budget pressure if the {fact_l} moves"""
)

VENDOR_SUFFIXES: tuple[str, ...] = _s("Consulting|Solutions|Group|Partners|Services|Associates")


# -- the families --------------------------------------------------------------------------

_HEALTHCARE = _family(
    name="healthcare",
    keywords="""nurse|nursing|hospital|clinic|clinical|patient|physician|doctor|medical|pharmacist
    pharmacy|health care|healthcare|ward|icu|surgeon|therapist|midwife|paramedic|dental|dentist
    care home|pediatric|paediatric|oncology|radiolog|emergency room|caregiver""",
    titles="""Registered Nurse|Charge Nurse|Nurse Manager|Clinical Nurse Educator
    Clinical Nurse Specialist|Unit Manager|Physician Assistant""",
    departments="""Pediatrics|Medical-Surgical Nursing|Intensive Care|Emergency Department|Oncology
    Nursing Quality & Safety""",
    industries="Healthcare|Hospital & Health Care|Pediatric Health Care",
    orgs="""{city} General Hospital|St. {last} Medical Center|{city} Children's Hospital
    {last} Health Partners|{city} Regional Health""",
    tld="org",
    responsibilities="""coordinate patient care across day and night shifts
    run monthly medication administration audits on the unit
    mentor newly qualified nurses through preceptorship
    report and follow up patient safety incidents
    keep the unit's infection-control compliance on target
    contribute to nurse staffing and skill-mix planning""",
    roles="""Charge Nurse: assigns shifts and approves shift swaps
    Unit Manager: signs off staffing plans and overtime
    Clinical Pharmacist: final say on medication protocols and high-alert drug checks
    Director of Nursing: approves budget and policy changes
    Infection Prevention Nurse: can halt procedures on infection-control grounds
    Nurse Educator: approves competency sign-offs
    Attending Physician: owns treatment decisions for admitted patients
    Quality & Safety Lead: decides which incidents go to root-cause review
    Staffing Coordinator: books agency cover within the weekly cap""",
    vendors="""Account Manager: {last} Medical Supply: negotiates pricing, no internal authority
    Agency Staffing Consultant: {last} Nurse Staffing: confirms agency shift availability""",
    projects="""{unit} Staffing Redesign: Rebalance nurse-to-patient ratios and skill mix on {unit} ahead of winter demand.
    Medication Safety Audit {year}: Quarterly audit of medication administration records and high-alert double checks.
    Falls Prevention Program: Reduce inpatient falls on {unit} through hourly rounding and bed-alarm use.
    EHR Charting Upgrade: Move {unit} nursing documentation onto the new EHR flowsheets with minimal downtime.
    Hand Hygiene Campaign: Raise hand hygiene compliance on {unit} above the hospital target.
    New Graduate Preceptorship: Onboard new graduate nurses with structured preceptor pairings.""",
    metrics="""Bed count:12:40:int:beds|Nurse-to-patient ratio:3:6:ratio
    Overtime budget:40000:400000:money|Medication error rate:0.3:4:pct
    Hand hygiene compliance:72:98:pct|Average length of stay:2.5:7:float:days
    Patient falls per month:1:9:int:falls|Agency shifts booked:10:120:int:shifts
    Training completion:60:99:pct|Staffing budget:800000:4500000:money|Bed occupancy:70:99:pct""",
    units="""Ward 4B|Pediatric Ward|PICU|Ward 7 Med-Surg|Emergency Department|Step-Down Unit
    Day Surgery Unit|Oncology Ward""",
    topics="""medication safety|patient falls|shift staffing|infection control|discharge planning
    hand hygiene|pressure injury prevention|handover quality|sepsis screening""",
    terms="""MAR|skill mix|acuity score|SBAR handover|high-alert medication list|bed-alarm protocol
    preceptorship checklist|incident report|root-cause analysis|EHR flowsheet|agency cover""",
    cost_lines="""Core RN hours|Agency RN shifts|Overtime|Healthcare assistant hours|Education time
    Bank staff|Medical supplies|Equipment maintenance|Bed alarms|Infection-control consumables""",
    risks="""Night-shift RN vacancies on {unit}|Agency spend over the weekly cap
    Medication double checks skipped at handover|Bed alarms out of stock
    EHR downtime during go-live|New graduates without a senior RN on shift""",
    actions="""re-audit MAR charts on {unit}|update the {topic} procedure with pharmacy comments
    book agency cover for night shifts on {unit}|brief the morning huddle on the new {term}
    complete incident follow-up with {collab_first}|confirm bed-alarm stock with the supplier
    schedule preceptor check-ins for the new graduates|send the roster draft to the charge nurses""",
    doc_types="""
    docx:roster:Shift Roster {unit} – {month}:Shift-by-shift nurse roster for {unit} covering {month}.
    docx:report:Medication Audit Report – {month}:Summarises the {month} medication administration audit on {unit}.
    docx:policy:{Topic} Procedure – {unit}:Unit-level procedure for {topic} on {unit}.
    docx:report:Incident Review – {unit} {date}:Review of a patient safety incident on {unit} and the actions taken.
    docx:plan:Care Pathway Draft – {Topic}:Draft care pathway for {topic} for clinical review.
    xlsx:roster:Staffing Model {unit} {year}:Staffing model with hours, ratios and costs per shift for {unit}.
    xlsx:tracker:Medication Audit Tracker {quarter}:Chart-by-chart results of the {quarter} medication audit.
    xlsx:budget:Overtime and Agency Spend {quarter}:Overtime and agency spend against budget for {quarter}.
    pdf:guide:Clinical Guideline – {Topic}:Hospital clinical guideline on {topic} kept for reference.
    pdf:policy:Hospital Policy – {Topic}:Hospital-wide policy on {topic}.
    pdf:form:Competency Sign-off Form {month}:Completed competency sign-off forms for new staff.
    pptx:deck:{Topic} Update for Nursing Council:Slides on {topic} for the monthly nursing council.
    csv:log:incident log {unit}:Incident reporting system export for {unit}.
    csv:roster:shift export {month}:Staffing portal export of worked shifts in {month}.
    md:minutes:Unit Huddle Notes {date}:Notes from the {unit} safety huddle on {date}.
    txt:notes:handover notes {date}:Scratch notes from handover on {date}.
    """,
    folders="Staffing|Audits|Policies & Procedures|Incidents|Education|Quality Improvement",
    tables="""
    Shift Roster=Date:date;Shift:choice:Day/Evening/Night;Nurse:person;Role:choice:RN/Charge RN/HCA/Agency RN;Unit:unit;Hours:int:8:12
    Medication Audit=Unit:unit;Charts audited:int:20:80;Errors found:int:0:6;Error rate:calc:Errors found / Charts audited:pct;Auditor:person
    """,
    csv_tables="""
    incident_log=Incident ID:id:INC;Date:date;Unit:unit;Category:choice:Fall/Medication/Pressure injury/Equipment/Other;Severity:choice:Low/Moderate/High;Reported by:person;Status:choice:Open/Under review/Closed
    shift_export=Date:date;Shift:choice:Day/Evening/Night;Nurse:person;Role:choice:RN/Charge RN/HCA/Agency RN;Hours:int:8:12;Overtime hours:int:0:4
    """,
    sentences="""Night shift on {unit} ran {n} RNs short twice this month, so agency cover was booked through the staffing office.
    {collab_first} flagged that {term} checks on {unit} were skipped during the busiest handovers.
    The {fact_l} of {value} is what the unit manager expects us to report at the next nursing council.
    Patient safety stays the priority: any change to {topic} practice goes through the {term} review first.
    We compared the {month} audit with the previous one and the gap is concentrated on weekend shifts.
    Pharmacy has asked for a second signature on every high-alert medication given on {unit}.
    Falls on {unit} cluster between 02:00 and 05:00, when toileting rounds are stretched.
    Skill mix on {unit} leans on new graduates, so each shift needs at least one senior RN on the floor.
    Families on {unit} told us discharge instructions were rushed, which ties back to {topic}.
    The {term} was updated after the last incident review and staff sign-off is still incomplete.""",
    slide_topics="""Staffing gaps by shift|Medication error trends|Falls and harm events
    Agency spend vs budget|Education and competencies|Patient and family feedback""",
    meetings="Unit safety huddle|Nursing council|Staffing review|Medication safety committee|Preceptor check-in",
    tools="""charts in the EHR flowsheets|builds rosters in Excel before entering them in the staffing portal
    logs incidents in Datix|uses Teams for unit chat""",
)

_FINANCE = _family(
    name="finance",
    keywords="""cfo|chief financial|finance|financial|accountant|accounting|controller|comptroller
    treasury|fp&a|budgeting|investment|banker|banking|tax|auditor|actuary|actuarial|portfolio
    credit analyst|bookkeep|cpa|equity|hedge fund|wealth""",
    titles="""Chief Financial Officer|Financial Controller|FP&A Manager|Senior Financial Analyst
    Treasury Manager|Accounting Manager""",
    departments="Finance|FP&A|Treasury|Corporate Accounting|Tax",
    industries="Financial Services|Manufacturing|Consumer Goods|Software|Logistics",
    orgs="""{last} Holdings|{last} & {last2} Capital|{city} Manufacturing Group|{last} Industries
    {last} Partners""",
    tld="com",
    responsibilities="""own the annual budget and quarterly reforecast
    present monthly variance analysis to the executive team
    manage the cash position and banking relationships
    lead month-end close and audit readiness
    evaluate capital expenditure requests
    maintain the three-statement financial model""",
    roles="""Chief Executive Officer: approves the annual budget and any unbudgeted spend over $250k
    Financial Controller: signs off month-end close and journal entries
    FP&A Analyst: prepares models, no approval authority
    Head of Sales: owns the revenue forecast
    VP Operations: approves operating cost plans
    Treasury Analyst: executes payments within approved limits
    Audit Committee Chair: final approval of audited statements
    Tax Manager: decides tax positions and provisions
    Procurement Lead: approves vendor contracts under $50k""",
    vendors="""Audit Partner: {last} & {last2} LLP: signs the audit opinion
    Relationship Manager: {city} Commercial Bank: sets credit facility terms""",
    projects="""FY{year} Budget: Build the FY{year} operating budget with department owners and agree it with the board.
    Q{q} Reforecast: Reforecast revenue and opex for the remaining quarters from year-to-date actuals.
    ERP Migration: Move the general ledger, AP and AR from the legacy system to the new ERP.
    Cost Reduction Program: Find and deliver opex savings across {topic} and vendor spend.
    Annual Audit {year}: Prepare schedules and evidence for the external auditors.
    Capex Review: Rank capital expenditure requests and set the investment envelope.""",
    metrics="""Total budget:800000:25000000:money|Revenue forecast:5000000:120000000:money
    EBITDA margin:8:28:pct|Cash runway:9:36:float:months|DSO:32:68:int:days
    Headcount cost:2000000:30000000:money|Savings target:200000:4000000:money
    Capex envelope:500000:12000000:money|Gross margin:30:65:pct|Opex variance:1:6:pct""",
    units="Corporate|EMEA region|North America|Manufacturing division|Shared Services|Retail segment",
    topics="""opex variance|revenue recognition|cash flow|working capital|capital expenditure
    month-end close|vendor spend|headcount cost|pricing""",
    terms="""accrual schedule|EBITDA bridge|run-rate|reforecast|general ledger|cost centre hierarchy
    variance bridge|DSO|free cash flow|covenant test""",
    cost_lines="""Salaries & benefits|Contractors|Software licences|Travel & entertainment|Facilities
    Marketing programs|Professional fees|Depreciation|Insurance|Training""",
    risks="""FX exposure on EMEA revenue|Late close due to the ERP cutover|Covenant headroom below 15 %
    Vendor price increases|Revenue slippage into next quarter|Audit adjustments to accruals""",
    actions="""reconcile the {unit} accruals|update the variance bridge for {month}
    send the reforecast template to budget owners|chase {collab_first} for the revenue forecast
    book audit fieldwork dates|review capex requests above $100k""",
    doc_types="""
    docx:memo:Budget Memo – {project}:Explains the main assumptions behind the {project} numbers for the executive team.
    docx:report:Monthly Variance Commentary – {month}:Explains actual versus budget variances by cost centre for {month}.
    docx:policy:Expense and Approval Policy:Sets approval limits and expense rules for budget owners.
    xlsx:budget:Budget Model FY{year}:Line-by-line FY{year} operating budget with department splits.
    xlsx:analysis:Cash Flow Forecast {quarter}:13-week cash flow forecast with receipts and payments.
    xlsx:tracker:Month-End Close Checklist {month}:Close tasks, owners and sign-off status for {month}.
    xlsx:analysis:Variance Analysis {month}:Compares {month} actuals with budget by cost centre.
    pdf:report:Board Pack – {quarter}:Board pack with financial statements and KPIs for {quarter}.
    pptx:deck:{quarter} Financial Review:Presents {quarter} results, variance and outlook to leadership.
    pptx:deck:{project} Board Presentation:Summarises {project} for the board.
    csv:export:gl export {month}:General-ledger export for {month} used in the variance analysis.
    csv:log:ap invoices {month}:Accounts-payable invoice register for {month}.
    md:notes:Close notes {month}:Working notes on open close items for {month}.
    """,
    folders="Budgets|Forecasts|Month-End Close|Audit|Board Packs|Treasury",
    tables="""
    Cost Centre Variance=Cost centre:unit;Budget:money:50000:900000;Actual:money:50000:950000;Variance:calc:Actual - Budget:money;Owner:person
    Cash Flow=Week:item:W01/W02/W03/W04/W05/W06/W07/W08/W09/W10/W11/W12/W13;Receipts:money:200000:1500000;Payments:money:200000:1400000;Net cash flow:calc:Receipts - Payments:money
    """,
    csv_tables="""
    gl_export=Journal ID:id:JE;Posting date:date;Account:choice:6100 Salaries/6200 Contractors/6300 Software/6400 Travel/6500 Facilities/4000 Revenue;Cost centre:unit;Amount:money:-20000:80000;Posted by:person
    ap_invoices=Invoice:id:INV;Vendor:choice:Apex Office Supply/Brightline IT/Summit Facilities/Harbor Legal/Keystone Travel;Invoice date:date;Amount:money:500:60000;Terms (days):int:15:60;Status:choice:Approved/Pending/Paid/On hold
    """,
    sentences="""The {fact_l} of {value} assumes the current run-rate holds through {month}.
    Most of the variance sits in {unit}, where contractor spend ran ahead of plan.
    {collab_first} wants the reforecast locked before the board pre-read goes out.
    We reclassified two accruals after the {term} review, which moves the bridge but not the total.
    Cash conversion improved, but DSO is still above the level the lenders look at.
    Budget owners in {unit} have until {deadline} to confirm their {topic} numbers.
    Until the ERP cutover date is confirmed, the close calendar for {month} stays provisional.
    The {term} was reconciled to the general ledger before being carried into this version.
    Headcount cost is the biggest lever left, and {collab_first} is reluctant to touch it before year end.
    The forecast now carries a contingency line rather than spreading risk across {topic}.""",
    slide_topics="""Results vs budget|Variance bridge|Cash position|Forecast outlook|Cost savings delivered
    Capex priorities|Risks to the plan""",
    meetings="Month-end close review|Budget owner check-in|Executive finance review|Audit committee prep|Forecast call",
    tools="""lives in Excel with Power Query|posts journals in NetSuite|runs the forecast in Adaptive Planning
    builds board decks from the PowerPoint template""",
)

_ENGINEERING = _family(
    name="engineering",
    keywords="""software|developer|programmer|devops|sre|site reliability|backend|frontend|full-stack
    full stack|data engineer|machine learning|ml engineer|cloud|platform engineer|qa engineer
    tester|cto|tech lead|coding|web developer|mobile developer|engineer|engineering|api""",
    titles="""Senior Software Engineer|Staff Engineer|Backend Engineer|Engineering Manager
    Site Reliability Engineer|Tech Lead|Platform Engineer""",
    departments="Platform Engineering|Product Engineering|Infrastructure|Data Platform|Payments Engineering",
    industries="Software|Fintech|E-commerce|SaaS|Developer Tools",
    orgs="{last}soft|{last} Labs|{city} Cloud|{last}ly|Stackwise {city}|{last} Systems",
    tld="io",
    responsibilities="""design and review services for the platform team
    lead incident response during on-call weeks
    plan sprints and break epics into tickets
    write design docs and RFCs for larger changes
    keep CI pipelines and deploys fast and green
    mentor junior engineers through code review""",
    roles="""Engineering Manager: approves sprint scope and headcount requests
    Product Manager: owns the roadmap and acceptance criteria
    Principal Engineer: final say on architecture decisions
    SRE Lead: can block a release on reliability grounds
    QA Lead: signs off release candidates
    Security Engineer: approves changes touching auth and secrets
    Data Engineer: owns the event pipeline schemas
    Designer: owns UX decisions on the feature
    Director of Engineering: approves budget and vendor contracts""",
    vendors="""Solutions Architect: {last} Cloud Services: advises, no authority over our roadmap
    Contract Developer: {last} Dev Partners: delivers tickets within the agreed scope""",
    projects="""{topic_title} Migration: Migrate {unit} to the new {term} with no customer-visible downtime.
    Checkout Latency Reduction: Cut p95 latency on the checkout API below the SLO target.
    Observability Revamp: Replace ad-hoc dashboards with SLO-based alerting for {unit}.
    Auth Service Rewrite: Rewrite the legacy auth service with token rotation and audit logging.
    Q{q} Reliability Sprint: Burn down the top incident follow-ups and flaky tests.
    Data Pipeline v2: Move batch jobs to streaming ingestion for {unit}.""",
    metrics="""p95 latency:120:900:int:ms|Error budget remaining:20:95:pct|Deploys per week:5:60:int:deploys
    Open incidents:1:12:int:incidents|Sprint velocity:20:70:int:points|Test coverage:55:92:pct
    Cloud spend:8000:180000:money|Uptime:99.5:99.99:pct|MTTR:15:240:int:minutes
    Story points committed:25:80:int:points|Backlog size:40:400:int:tickets""",
    units="""checkout service|payments API|auth service|search cluster|mobile backend|billing pipeline
    notifications service|data warehouse""",
    topics="""service latency|on-call load|database migration|flaky tests|deployment pipeline
    API versioning|observability|cost of cloud compute|incident follow-ups""",
    terms="""Kubernetes cluster|feature flag|SLO|runbook|canary deploy|p95 latency|postmortem
    message queue|schema migration|rate limiter|CI pipeline""",
    cost_lines="""Compute|Managed databases|Object storage|CDN and egress|Observability tooling
    CI minutes|Contract developers|Security scanning|Load testing|Support plan""",
    risks="""Schema migration locks the orders table|On-call fatigue in the platform team
    Vendor API deprecation before cutover|Flaky integration tests hiding regressions
    Cloud spend over the monthly commit|Single point of failure in the {unit}""",
    actions="""write the postmortem for the {unit} outage|add alerting on {term} saturation
    split the migration ticket into smaller PRs|review {collab_first}'s design doc
    update the runbook for the {unit}|pair with {collab_first} on the flaky tests""",
    doc_types="""
    docx:report:Design Doc – {Topic}:Design doc proposing how we handle {topic} in the {unit}.
    docx:report:Postmortem – {unit} Incident {date}:Blameless postmortem for the {unit} incident on {date}.
    docx:plan:Sprint Plan {date}:Sprint goals, committed tickets and capacity for the sprint starting {date}.
    docx:proposal:RFC – {Term}:Request for comments on introducing a {term} for the {unit}.
    xlsx:tracker:Sprint Capacity {month}:Team capacity, committed points and carry-over for {month}.
    xlsx:budget:Cloud Cost Breakdown {quarter}:Cloud spend by service against the {quarter} budget.
    xlsx:tracker:Incident Tracker {quarter}:Incidents, severity, time to resolve and follow-ups for {quarter}.
    pdf:guide:{Term} Vendor Documentation:Vendor documentation on the {term} saved for reference.
    pptx:deck:{project} Architecture Review:Architecture review slides for {project}.
    pptx:deck:Sprint Demo {date}:Sprint demo slides for stakeholders on {date}.
    csv:log:deploy log {month}:CI/CD deploy log for {month}.
    csv:export:jira export {date}:Ticket export from Jira pulled on {date}.
    md:readme:README – {unit}:Service README: setup, runbooks and owners for the {unit}.
    md:minutes:Standup notes {date}:Standup and blocker notes from {date}.
    md:notes:On-call handoff {date}:On-call handoff notes with open alerts as of {date}.
    txt:notes:debug notes {unit}:Raw debugging notes and commands used on the {unit}.
    """,
    folders="Design Docs|Incidents|Sprints|Runbooks|Architecture|On-call",
    tables="""
    Sprint Backlog=Ticket:id:PLAT;Summary:topic;Owner:person;Points:int:1:8;Status:choice:To do/In progress/In review/Done
    Service SLOs=Service:unit;Requests (millions):float:2:400;Errors:int:50:9000;Errors per million:calc:Errors / Requests (millions):float;p95 latency (ms):int:80:900
    """,
    csv_tables="""
    deploy_log=Deploy ID:id:DEP;Date:date;Service:unit;Author:person;Result:choice:success/success/success/rolled back/failed;Duration (min):int:3:40
    jira_export=Key:id:PLAT;Created:date;Summary:topic;Assignee:person;Story points:int:1:8;Status:choice:To do/In progress/In review/Done;Priority:choice:P1/P2/P3/P4
    """,
    sentences="""The {unit} breached its SLO twice in {month}, both times during the nightly batch window.
    {collab_first} proposed putting the change behind a feature flag so we can roll back without a deploy.
    The {fact_l} is {value}, which leaves little headroom before the next traffic peak.
    Most of the on-call pages this sprint came from the {term}, not from application errors.
    We should land the schema migration in two steps so the old readers keep working during the rollout.
    The postmortem found no single root cause; alert fatigue delayed the response by roughly {n} minutes.
    CI time has crept up, and flaky tests in the {unit} suite are the main reason.
    {collab_first} will own the runbook update once the {term} change is merged.
    Load tests against staging reproduced the p95 regression only with production-sized data.
    Until the auth team signs off, the {unit} keeps reading tokens from the legacy store.""",
    slide_topics="""Architecture overview|Latency and error trends|Incident summary|Migration plan
    Sprint outcomes|Cloud cost|Open technical risks""",
    meetings="Sprint planning|Architecture review|Incident review|Team standup|Backlog refinement",
    tools="""keeps design docs in Markdown next to the code|tracks work in Jira
    watches Grafana dashboards during on-call|drafts RFCs in Google Docs before moving them to Word""",
)

_EDUCATION = _family(
    name="education",
    keywords="""teacher|teaching|school|student|pupil|classroom|curriculum|principal|headteacher
    lecturer|tutor|education|kindergarten|grade|instructor|dean|special education|math teacher
    science teacher|english teacher|high school|elementary|middle school""",
    titles="""Secondary Science Teacher|Grade 5 Teacher|Head of Mathematics|Assistant Principal
    Curriculum Coordinator|Special Education Teacher""",
    departments="Science Department|Mathematics Department|Elementary Grades|Student Support|Curriculum Office",
    industries="Primary & Secondary Education|Education|Public Schools",
    orgs="""{city} High School|{last} Elementary School|{city} Unified School District|{last} Academy
    {city} Middle School""",
    tld="edu",
    responsibilities="""plan and teach units across several class groups
    grade assessments and report progress to parents
    adapt lessons for students with learning plans
    coordinate the department's curriculum mapping
    run parent-teacher conferences each term
    supervise lab safety and field trips""",
    roles="""Principal: approves trips, budget requests and policy exceptions
    Assistant Principal: handles discipline escalations and timetabling
    Head of Department: signs off assessments and unit plans
    School Counselor: owns student wellbeing plans
    Special Education Coordinator: approves learning plan accommodations
    Teaching Assistant: supports lessons, no decision authority
    Lab Technician: controls lab materials and safety checks
    Parent Association Chair: organises volunteers, advisory only
    District Curriculum Specialist: sets district assessment requirements""",
    vendors="""Education Consultant: {last} Learning: runs training sessions by contract
    Sales Representative: {last} Education Publishing: quotes textbook and license prices""",
    projects="""{topic_title} Unit Redesign: Rewrite the {topic} unit with new labs and assessments for {unit}.
    Grade {grade} Reading Intervention: Small-group reading intervention for students below benchmark.
    STEM Fair {year}: Organise the school STEM fair with judging, volunteers and a budget.
    Assessment Calendar {year}: Align test dates across departments to avoid overload.
    Parent Engagement Plan: Improve attendance at parent conferences and weekly updates.
    Chromebook Rollout: Roll out 1:1 devices to {unit} with usage guidelines.""",
    metrics="""Class size:18:34:int:students|Average test score:62:88:pct|Attendance rate:88:98:pct
    Students below benchmark:4:30:int:students|Department budget:4000:60000:money
    Parent conference attendance:40:92:pct|Homework completion:55:95:pct
    Devices deployed:60:600:int:devices|Instructional hours:28:40:int:hours per week""",
    units="""Grade 7 Science|Year 10 Chemistry|Grade 5 Room 12|Algebra I|AP Biology|Grade 3|Learning Support""",
    topics="""photosynthesis|fractions|lab safety|reading comprehension|parent communication
    grading policy|differentiated instruction|formative assessment|classroom behaviour""",
    terms="""rubric|IEP|lesson plan|formative assessment|exit ticket|gradebook|scope and sequence
    learning objective|reading benchmark|seating plan""",
    cost_lines="""Lab consumables|Textbooks|Classroom supplies|Field trip transport|Substitute cover
    Printing|Software licences|Professional development|Library books|Event materials""",
    risks="""Substitute cover unavailable during exams|Lab kit delivery delayed
    Low parent turnout at conferences|Assessment overload in the same week
    Devices not charged for testing|Budget cut mid-year""",
    actions="""grade the {unit} quizzes|email parents about the {topic} project
    update the {term} for {unit}|book the lab for the {topic} practical
    meet {collab_first} about the IEP reviews|submit the field trip forms""",
    doc_types="""
    docx:plan:Lesson Plan – {Topic}:Lesson plan for {unit} on {topic} with objectives and activities.
    docx:plan:Unit Plan {unit} – {Topic}:Unit plan with scope, lessons and assessments on {topic}.
    docx:letter:Parent Letter – {Topic}:Letter to parents of {unit} about {topic}.
    docx:report:Term Report Comments {unit}:Report card comments for {unit} this term.
    xlsx:tracker:Gradebook {unit} {quarter}:Grades and averages for {unit} in {quarter}.
    xlsx:budget:Department Budget {year}:Department spending against budget for {year}.
    xlsx:tracker:Reading Benchmark Tracker:Benchmark scores per student across the intervention.
    pdf:policy:District Grading Policy:District grading policy kept for reference.
    pdf:form:Field Trip Permission Form:Blank and signed permission forms for the trip.
    pptx:deck:{Topic} Lesson Slides:Classroom slides for the {topic} lesson.
    pptx:deck:Back to School Night {year}:Slides presented to parents at back to school night.
    csv:export:gradebook export {date}:Export from the school information system on {date}.
    csv:roster:class roster {unit}:Class roster for {unit}.
    md:todo:Marking to-do {month}:List of marking and prep still outstanding for {month}.
    md:minutes:Department meeting notes {date}:Notes from the department meeting on {date}.
    txt:notes:parent calls {month}:Log of calls with parents during {month}.
    """,
    folders="Lesson Plans|Assessments|Grades|Parent Communication|Department|Professional Development",
    tables="""
    Gradebook=Student:person;Quiz 1:int:40:100;Quiz 2:int:40:100;Lab report:int:50:100;Quiz total:calc:Quiz 1 + Quiz 2:int;Comment:choice:On track/Needs support/Excellent/Missing work
    Assessment Plan=Assessment:item:Diagnostic quiz/Lab report/Unit test/Project/Exit tickets/Final exam;Date:date;Weight:pct:5:40;Class:unit;Marked by:person
    """,
    csv_tables="""
    gradebook_export=Student ID:id:S;Student:person;Class:unit;Assignment:choice:Quiz/Lab report/Homework/Unit test;Score:int:35:100;Submitted:date
    class_roster=Student ID:id:S;Student:person;Class:unit;Support plan:choice:None/None/None/IEP/504 plan;Guardian contact:choice:Email/Phone/Both
    """,
    sentences="""Most of {unit} met the learning objective, but a group of {n} students still struggles with {topic}.
    {collab_first} suggested moving the unit test a week later so it does not clash with the district assessment.
    The {fact_l} this term is {value}, which is in line with last year.
    Exit tickets showed confusion about {topic}, so Thursday's lesson will revisit it with a hands-on activity.
    Parents asked for clearer information on the {term}, especially how late work is graded.
    Lab safety briefings are logged before every practical, and {unit} completed theirs on {date}.
    The IEP accommodations for two students require extra time and a separate room for assessments.
    Attendance dips before holidays, so key assessments are scheduled away from those weeks.
    {collab_first} will co-teach the {topic} lessons with me while the new {term} is trialled.
    The department agreed on one {term} so grades are comparable across classes.""",
    slide_topics="""Learning objectives|Key vocabulary|Class activity|Assessment and grading
    Homework expectations|How parents can help""",
    meetings="Department meeting|Parent-teacher conference|IEP review|Grade-level team meeting|Staff briefing",
    tools="""plans lessons in Google Docs and exports to Word|keeps the gradebook in Excel before entering it in PowerSchool
    posts slides to Google Classroom|emails parents from Outlook""",
)

_LEGAL = _family(
    name="legal",
    keywords="""lawyer|attorney|counsel|paralegal|legal|law firm|litigation|litigator|solicitor
    barrister|judge|court|contracts manager|in-house counsel|general counsel|compliance officer
    intellectual property|patent""",
    titles="""Senior Associate|In-House Counsel|Paralegal|Legal Operations Manager|Partner
    Contracts Manager""",
    departments="Legal|Litigation|Corporate & Commercial|Compliance|Intellectual Property",
    industries="Legal Services|Law Practice|Corporate Legal",
    orgs="""{last} & {last2} LLP|{last} Law Group|{last}, {last2} & Partners|{city} Legal Aid""",
    tld="law",
    responsibilities="""draft and negotiate commercial contracts
    manage litigation deadlines and discovery
    advise business teams on regulatory risk
    keep the matter budget and billing on track
    prepare board and compliance reporting
    supervise paralegals on document review""",
    roles="""Partner: approves strategy, settlements and fee estimates
    General Counsel: final sign-off on contracts above threshold
    Senior Associate: drafts filings, reviews associate work
    Paralegal: manages document production, no approval authority
    Compliance Officer: decides regulatory reporting
    Client Relationship Lead: owns client communications
    Billing Coordinator: controls invoices and write-offs
    Litigation Support Manager: runs e-discovery platform
    Business Unit Head: accepts commercial risk on deals""",
    vendors="""Opposing Counsel: {last} & {last2} LLP: represents the other side
    E-discovery Consultant: {last} Discovery Services: processes and hosts documents""",
    projects="""{last} v. {last2} Litigation: Defend the breach-of-contract claim through discovery and mediation.
    Vendor Contract Refresh: Renegotiate top vendor agreements to the new standard terms.
    GDPR Compliance Review: Map personal data flows and update processing agreements.
    {topic_title} Policy Update: Update the company policy on {topic} and train managers.
    Acquisition Due Diligence: Legal due diligence on the target's contracts and IP.
    Trademark Portfolio Cleanup: Renew or abandon marks across jurisdictions.""",
    metrics="""Matter budget:40000:900000:money|Billable hours:120:1800:int:hours|Documents reviewed:2000:90000:int:documents
    Contracts in review:6:60:int:contracts|Settlement range:50000:2000000:money
    Days to filing deadline:5:60:int:days|Write-off rate:2:12:pct|Average contract cycle:9:45:int:days""",
    units="Commercial contracts|Litigation team|Privacy office|IP group|Employment matters|Regulatory affairs",
    topics="""limitation of liability|data processing|discovery|indemnities|non-compete clauses
    termination rights|regulatory filings|privilege review|settlement strategy""",
    terms="""master services agreement|NDA|motion to compel|privilege log|redline|data processing addendum
    engagement letter|statement of work|deposition|cure period""",
    cost_lines="""Partner time|Associate time|Paralegal time|E-discovery hosting|Expert witness
    Court filing fees|Travel|Translation|Local counsel|Transcripts""",
    risks="""Missed filing deadline|Privilege waiver in production|Client budget overrun
    Unfavourable expert report|Counterparty refuses liability cap|Regulator inquiry""",
    actions="""send the redline to {collab_first}|file the motion before {deadline}
    update the privilege log|circulate the draft NDA|prepare deposition outline for {collab_first}
    check the cure period in the {term}""",
    doc_types="""
    docx:memo:Legal Memo – {Topic}:Advice memo on {topic} for the business team.
    docx:report:Case Strategy – {project}:Strategy note on {project} with options and exposure.
    docx:letter:Engagement Letter {collab_last}:Engagement letter setting scope and fees.
    docx:plan:Contract Draft – {Term}:Draft {term} with tracked changes for negotiation.
    xlsx:tracker:Contract Review Tracker:Status of contracts in review, owners and deadlines.
    xlsx:budget:Matter Budget {project}:Budget versus fees billed on {project}.
    xlsx:tracker:Privilege Log {project}:Documents withheld as privileged on {project}.
    pdf:report:Court Filing {date}:Filed copy of the submission dated {date}.
    pdf:policy:Code of Conduct:Company code of conduct for reference.
    pptx:deck:{Topic} Training for Managers:Training slides on {topic} for managers.
    csv:export:document review export {date}:Review platform export of coded documents.
    csv:log:matter time entries {month}:Time entries recorded on matters in {month}.
    md:notes:Deadlines {month}:Running list of court and contract deadlines for {month}.
    txt:notes:call notes {collab_last}:Notes from calls with {collab}.
    """,
    folders="Matters|Contracts|Compliance|Templates|Court Filings|Billing",
    tables="""
    Contract Review=Contract:id:CTR;Counterparty:choice:Apex Logistics/Brightline IT/Summit Facilities/Harbor Foods/Keystone Media;Type:choice:MSA/NDA/SOW/DPA/Amendment;Owner:person;Value:money:10000:900000;Status:choice:Drafting/With counterparty/Signed/On hold
    Deadline Schedule=Deadline:item:Initial disclosures/Document production/Expert reports/Deposition window/Mediation/Dispositive motions;Date:date;Owner:person;Status:choice:Done/On track/At risk
    """,
    csv_tables="""
    review_export=Doc ID:id:DOC;Custodian:person;Date:date;Responsive:choice:Yes/No/No/Yes;Privileged:choice:No/No/No/Yes;Issue tag:topic
    time_entries=Entry:id:TE;Date:date;Timekeeper:person;Matter:unit;Hours:float:0.2:8;Narrative:topic
    """,
    sentences="""Opposing counsel has not yet produced the {term}, and we will raise it at the meet-and-confer.
    The {fact_l} stands at {value}, which the client approved in the last budget review.
    {collab_first} wants a firmer position on {topic} before the next round of redlines.
    Our exposure on {topic} is limited by the cap in the {term}, subject to the usual carve-outs.
    The privilege review is behind schedule because {n} custodians produced late.
    We recommend accepting the counterparty's cure period in exchange for a tighter liability cap.
    Any settlement above authority must go back to the client for written approval.
    The court's scheduling order leaves little room if the expert report slips past {deadline}.
    {collab_first} flagged that the {term} was signed on an outdated template.
    All comments in this draft are privileged and confidential.""",
    slide_topics="""What the law requires|Common mistakes|Contract approval workflow|Case timeline
    Exposure and budget|Next steps for managers""",
    meetings="Case team meeting|Client call|Contract review session|Compliance committee|Billing review",
    tools="""drafts everything in Word with tracked changes|files matters in iManage
    keeps deadlines in an Excel tracker|compares drafts with Litera""",
)

_MARKETING = _family(
    name="marketing",
    keywords="""marketing|marketer|brand|campaign|seo|content strategist|content marketing|social media
    advertising|public relations|pr manager|growth|demand generation|copywriter|product marketing
    communications manager|influencer""",
    titles="""Marketing Manager|Brand Manager|Content Strategist|Demand Generation Lead
    Product Marketing Manager|Social Media Manager""",
    departments="Marketing|Brand & Communications|Growth|Product Marketing",
    industries="Consumer Goods|Retail|SaaS|Food & Beverage|Travel",
    orgs="{last} Brands|{city} Outfitters|{last} & Co.|{last} Foods|Bright{last}",
    tld="com",
    responsibilities="""plan and run integrated campaigns
    own the content calendar and brand voice
    report on funnel metrics and channel ROI
    manage the agency and media budget
    launch products with sales enablement
    run A/B tests on landing pages and email""",
    roles="""CMO: approves campaign budgets and brand changes
    Creative Director: final say on creative and copy
    Performance Marketing Specialist: manages paid channels within budget
    Sales Director: owns lead follow-up and pipeline targets
    Product Manager: confirms features and launch dates
    Data Analyst: owns attribution reporting
    Legal Reviewer: approves claims in ads
    Social Media Coordinator: schedules posts, no budget authority
    Events Manager: runs trade shows and sponsorship deals""",
    vendors="""Account Director: {last} Creative Agency: delivers creative within the retainer
    Media Buyer: {last} Media: books placements on approved plans""",
    projects="""{season} {year} Campaign: Integrated campaign for the {season} launch across paid, social and email.
    Brand Refresh: Update the visual identity and messaging guidelines.
    Website Relaunch: Rebuild the website with new landing pages and tracking.
    {topic_title} Content Series: Monthly content series on {topic} to grow organic traffic.
    Product Launch – {product}: Go-to-market plan for {product}.
    Loyalty Program Pilot: Pilot a loyalty program in {unit}.""",
    metrics="""Campaign budget:20000:900000:money|Cost per lead:8:140:money|Conversion rate:0.8:6:pct
    Email open rate:14:48:pct|Leads generated:300:12000:int:leads|Organic sessions:5000:250000:int:sessions
    Return on ad spend:1.5:7:float:x|Social followers:2000:180000:int:followers|Click-through rate:0.4:4.5:pct""",
    units="Paid social|Email|Search|Web|Retail partners|Events|Influencers",
    topics="""brand awareness|lead quality|content calendar|paid social|email nurture|launch messaging
    customer segmentation|attribution|landing page conversion""",
    terms="""creative brief|UTM parameters|A/B test|media plan|brand guidelines|persona|funnel
    call to action|lookalike audience|content calendar""",
    cost_lines="""Paid social|Search ads|Agency retainer|Content production|Influencer fees
    Events and sponsorship|Email platform|Photography|Printed collateral|Analytics tools""",
    risks="""Creative approval delayed by legal|CPL rising on paid social|Launch date moves
    Tracking gaps after the site relaunch|Agency over the retainer|Brand guideline drift""",
    actions="""send the creative brief to {collab_first}|set up UTM parameters for the {unit} ads
    review the A/B test results|update the content calendar for {month}
    approve the media plan with {collab_first}|brief the agency on {topic}""",
    doc_types="""
    docx:plan:Creative Brief – {project}:Creative brief for the agency on {project}.
    docx:plan:Campaign Plan {project}:Channels, budget and timeline for {project}.
    docx:report:Campaign Results – {month}:Results of {month} campaigns against targets.
    docx:policy:Brand Voice Guidelines:Guidelines on tone of voice and messaging.
    xlsx:budget:Media Plan {quarter}:Media spend by channel and week for {quarter}.
    xlsx:analysis:Funnel Report {month}:Leads, conversion and cost per lead by channel for {month}.
    xlsx:tracker:Content Calendar {quarter}:Planned content pieces, owners and publish dates.
    pdf:report:Agency Proposal – {project}:Agency proposal and quote for {project}.
    pdf:guide:Brand Guidelines {year}:Brand guidelines PDF from the creative team.
    pptx:deck:{project} Launch Deck:Launch presentation for sales and leadership.
    pptx:deck:{month} Marketing Review:Monthly marketing performance review.
    csv:export:ads export {date}:Ad platform export pulled on {date}.
    csv:export:email campaign stats {month}:Email platform stats for {month}.
    md:notes:Campaign ideas {month}:Ideas for upcoming campaigns.
    txt:notes:copy drafts {topic}:Draft taglines and copy on {topic}.
    """,
    folders="Campaigns|Brand|Content|Analytics|Agencies|Events",
    tables="""
    Channel Performance=Channel:unit;Spend:money:2000:120000;Leads:int:40:3000;Cost per lead:calc:Spend / Leads:money;Conversions:int:5:400
    Content Calendar=Publish date:date;Piece:topic;Format:choice:Blog/Video/Email/Social/Webinar;Owner:person;Status:choice:Idea/Drafting/In review/Scheduled/Published
    """,
    csv_tables="""
    ads_export=Date:date;Campaign:choice:Spring Launch/Retargeting/Brand Search/Lookalike Test;Impressions:int:2000:90000;Clicks:int:20:3000;Spend:money:50:4000;Conversions:int:0:90
    email_stats=Send date:date;Email:topic;Recipients:int:2000:60000;Opens:int:400:20000;Clicks:int:20:3000;Unsubscribes:int:0:80
    """,
    sentences="""Paid social drove most of the leads in {month}, but the {fact_l} came in at {value}.
    {collab_first} wants the creative to lean harder on {topic} for the next flight.
    The A/B test on the landing page headline was inconclusive after {n} days, so we are extending it.
    Attribution is still patchy because the UTM parameters were missing on the {unit} links.
    Legal asked us to soften two claims in the ad copy before the campaign goes live.
    The agency's first round of concepts felt off-brand, and we sent back detailed notes.
    Email nurture is quietly our best channel for lead quality.
    We will reallocate budget from {unit} if cost per lead does not improve by {deadline}.
    {collab_first} is pulling the funnel numbers for the {meeting}.
    The content calendar is full through {month}, with {topic} pieces every other week.""",
    slide_topics="""Campaign objectives|Audience and personas|Channel mix|Creative concepts|Results vs targets
    Budget and spend|Learnings and next tests""",
    meetings="Campaign stand-up|Agency status call|Marketing review|Content planning|Launch readiness",
    tools="""builds reports in Google Analytics and Excel|keeps the content calendar in Asana
    reviews creative in Figma|presents from PowerPoint decks""",
)

_SALES = _family(
    name="sales",
    keywords="""sales|salesperson|account executive|account manager|business development|quota
    pipeline|crm|sdr|territory|key account|sales representative|sales rep|inside sales|retail manager
    store manager|customer success""",
    titles="""Account Executive|Regional Sales Manager|Key Account Manager|Sales Director
    Business Development Manager|Customer Success Manager""",
    departments="Sales|Enterprise Sales|Channel Sales|Customer Success",
    industries="SaaS|Industrial Equipment|Medical Devices|Wholesale|Telecommunications",
    orgs="{last} Technologies|{last} Supply Co.|{city} Equipment|{last}Tel|{last} Solutions",
    tld="com",
    responsibilities="""own a territory quota and the pipeline behind it
    run discovery calls, demos and negotiations
    keep the CRM accurate for the weekly forecast
    build account plans for the top customers
    coordinate pricing approvals with finance
    hand over closed deals to onboarding""",
    roles="""VP of Sales: approves discounts above 20 % and quota changes
    Sales Manager: runs the forecast call and approves deal strategy
    Sales Engineer: owns technical demos and proofs of concept
    Deal Desk Analyst: approves non-standard terms within policy
    Customer Success Manager: owns renewals after onboarding
    Marketing Manager: provides leads and campaign support
    Finance Business Partner: checks margin on quotes
    SDR: books meetings, no pricing authority
    Procurement Contact: negotiates terms on the customer side""",
    vendors="""Procurement Manager: {last} Manufacturing: decides on the customer's purchase
    Channel Partner: {last} Resellers: resells within the partner agreement""",
    projects="""{unit} Territory Plan {year}: Plan accounts, coverage and targets for {unit} in {year}.
    {last} Enterprise Deal: Close the multi-year deal with {last} Group.
    Q{q} Pipeline Push: Build enough pipeline to cover next quarter's quota three times.
    Partner Program Launch: Recruit and enable channel partners in {unit}.
    Renewal Campaign {year}: Secure renewals for accounts expiring this year.
    Pricing Update {year}: Roll out the new price book with the team.""",
    metrics="""Quarterly quota:300000:4000000:money|Pipeline value:600000:12000000:money|Win rate:12:38:pct
    Average deal size:8000:250000:money|Sales cycle:25:150:int:days|Discount given:5:25:pct
    Accounts in territory:20:180:int:accounts|Renewal rate:75:97:pct|Meetings booked:15:120:int:meetings""",
    units="Northeast territory|Midwest territory|West Coast|Enterprise accounts|Mid-market|Channel partners",
    topics="""pipeline coverage|discounting|renewals|competitive deals|pricing|forecast accuracy
    account planning|lead handover|deal desk approvals""",
    terms="""MEDDIC|mutual action plan|price book|forecast category|proof of concept|order form
    champion|procurement cycle|quote|commit""",
    cost_lines="""Travel|Customer entertainment|Demo equipment|Trade show booth|Sales tools
    Partner incentives|Training|Samples|CRM licences|Lead lists""",
    risks="""Champion leaves the account|Competitor undercuts on price|Procurement delays past quarter end
    Legal redlines on liability|Budget freeze at the customer|Forecast relies on one large deal""",
    actions="""update the CRM before the forecast call|send the mutual action plan to {collab_first}
    get deal desk approval for the discount|book the demo with {collab_first}
    follow up on the proof of concept|prepare the QBR for the top account""",
    doc_types="""
    docx:plan:Account Plan – {project}:Account plan with stakeholders, whitespace and next steps for {project}.
    docx:proposal:Proposal for {customer}:Commercial proposal for {customer} with pricing and terms.
    docx:report:Win-Loss Review {quarter}:Why deals were won or lost in {quarter}.
    xlsx:analysis:Pipeline Forecast {quarter}:Deal-by-deal pipeline and forecast for {quarter}.
    xlsx:budget:Quote {customer} {date}:Quote with line items and discount for {customer}.
    xlsx:tracker:Territory Accounts {year}:Accounts, owners and status across the territory.
    pdf:report:Signed Order Form {customer}:Countersigned order form from {customer}.
    pdf:guide:Price Book {year}:Current price book for reference.
    pptx:deck:QBR {customer} {quarter}:Quarterly business review for {customer}.
    pptx:deck:{project} Pitch Deck:Pitch deck used in first meetings for {project}.
    csv:export:crm opportunities {date}:CRM opportunity export pulled on {date}.
    csv:log:call log {month}:Calls and meetings logged in {month}.
    md:notes:Deal notes {customer}:Running notes on the {customer} deal.
    txt:notes:forecast call {date}:Notes from the forecast call on {date}.
    """,
    folders="Accounts|Proposals|Forecasts|Pricing|Territory|Customer Meetings",
    tables="""
    Pipeline=Opportunity:id:OPP;Account:choice:Apex Logistics/Brightline Health/Summit Foods/Harbor Retail/Keystone Energy/Northgate Labs;Stage:choice:Discovery/Proposal/Negotiation/Commit;Amount:money:8000:300000;Probability:pct:10:90;Weighted:calc:Amount * Probability:money
    Quote Lines=Item:item:Platform licence/Implementation/Training days/Premium support/Additional seats/Data migration;Quantity:int:1:40;Unit price:money:200:20000;Line total:calc:Quantity * Unit price:money
    """,
    csv_tables="""
    crm_opportunities=Opportunity ID:id:OPP;Account:choice:Apex Logistics/Brightline Health/Summit Foods/Harbor Retail/Keystone Energy;Owner:person;Stage:choice:Discovery/Proposal/Negotiation/Closed won/Closed lost;Amount:money:5000:300000;Close date:date
    call_log=Date:date;Account:choice:Apex Logistics/Brightline Health/Summit Foods/Harbor Retail;Contact:person;Type:choice:Call/Demo/Email/Meeting;Outcome:choice:Next step booked/No answer/Sent proposal/Lost
    """,
    sentences="""The {fact_l} is {value}, and we need three times coverage to feel safe about the quarter.
    {collab_first} thinks the champion at the account has gone quiet because procurement took over.
    We lost two competitive deals on price, both in {unit}.
    Deal desk will approve the discount only if the term goes to three years.
    The proof of concept closed successfully and the customer wants an order form by {deadline}.
    Forecast accuracy improved once everyone updated the CRM before the Monday call.
    {collab_first} asked for a mutual action plan so both sides agree the close date.
    Renewals in {unit} look healthy, but {n} accounts still have no executive sponsor.
    We moved the deal to commit after legal accepted our liability language.
    The new price book raises list prices, so existing quotes need revalidating before {deadline}.""",
    slide_topics="""Business objectives|Current solution and value delivered|Usage and adoption|Roadmap highlights
    Commercial proposal|Mutual action plan""",
    meetings="Forecast call|Deal review|QBR|Pipeline review|Sales kickoff",
    tools="""lives in Salesforce|builds quotes in Excel before CPQ|presents QBRs from PowerPoint
    logs calls from the Outlook plug-in""",
)

_HR = _family(
    name="hr",
    keywords="""human resources|hr manager|hr business partner|hrbp|recruiter|recruiting|talent acquisition
    payroll|people operations|hiring|benefits|onboarding|workforce|learning and development
    compensation|employee relations|people partner""",
    titles="""HR Business Partner|Talent Acquisition Lead|People Operations Manager|Compensation Analyst
    HR Generalist|Learning & Development Manager""",
    departments="People Operations|Talent Acquisition|Compensation & Benefits|Learning & Development",
    industries="Manufacturing|Retail|Software|Healthcare Services|Logistics",
    orgs="{last} Industries|{city} Foods|{last} Group|{last} Retail|{last} & {last2}",
    tld="com",
    responsibilities="""partner with managers on hiring and performance
    run the annual compensation review
    manage employee relations cases
    keep onboarding and offboarding compliant
    report headcount and attrition to leadership
    organise training and leadership programs""",
    roles="""Chief People Officer: approves policy changes and compensation budgets
    Hiring Manager: decides on candidates and offers within band
    Payroll Specialist: processes payroll, no policy authority
    Employment Counsel: advises on legal risk in cases
    Finance Partner: approves headcount budget
    Recruiter: manages candidates and interview loops
    Benefits Administrator: runs enrolment and carrier contact
    Team Lead: first line on performance issues
    Works Council Representative: must be consulted on policy changes""",
    vendors="""Benefits Broker: {last} Benefits Group: advises on plans and renewals
    Agency Recruiter: {last} Talent Partners: submits candidates on contingency""",
    projects="""Annual Compensation Review {year}: Run merit and promotion cycles within the approved budget.
    {unit} Hiring Plan: Hire for open roles in {unit} by quarter end.
    Onboarding Redesign: Rebuild the first 90 days experience for new hires.
    Engagement Survey {year}: Run the survey and action plans with managers.
    Leadership Academy: Six-month leadership program for new managers.
    HRIS Migration: Move employee records to the new HR system.""",
    metrics="""Open requisitions:5:60:int:roles|Time to hire:21:70:int:days|Attrition rate:6:22:pct
    Merit budget:3:6:pct|Engagement score:58:84:pct|Headcount:120:2400:int:employees
    Offer acceptance rate:65:95:pct|Training hours per employee:6:40:int:hours|Cost per hire:2500:14000:money""",
    units="Operations|Engineering|Customer Service|Sales|Warehouse|Head Office",
    topics="""attrition|compensation bands|onboarding|performance reviews|hybrid work policy|parental leave
    interview process|employee engagement|succession planning""",
    terms="""job requisition|pay band|performance improvement plan|offer letter|exit interview
    calibration session|HRIS|benefits enrolment|headcount plan|competency framework""",
    cost_lines="""Recruitment advertising|Agency fees|Relocation|Training programs|Engagement survey
    Background checks|Benefits consulting|Wellbeing program|HRIS licences|Team events""",
    risks="""Key roles unfilled past quarter end|Merit budget exceeded|Grievance escalates to tribunal
    Low survey participation|Data errors after HRIS migration|Managers skip calibration""",
    actions="""send offer letter to the {unit} candidate|prepare calibration pack for {collab_first}
    update the {term} in the HRIS|schedule exit interviews|review pay bands for {unit}
    draft the {topic} FAQ""",
    doc_types="""
    docx:policy:{Topic} Policy:Company policy on {topic} with eligibility and process.
    docx:report:Attrition Analysis {quarter}:Analysis of leavers and reasons for {quarter}.
    docx:letter:Offer Letter – {unit} Role:Offer letter template for the {unit} role.
    docx:plan:Onboarding Checklist {unit}:First 90 days checklist for new starters in {unit}.
    xlsx:budget:Compensation Review {year}:Merit and promotion proposals against budget for {year}.
    xlsx:tracker:Hiring Tracker {quarter}:Open requisitions, candidates and stages for {quarter}.
    xlsx:analysis:Headcount Report {month}:Headcount, joiners and leavers by department for {month}.
    pdf:guide:Employee Handbook {year}:Employee handbook for reference.
    pdf:form:Benefits Enrolment Guide {year}:Benefits enrolment guide from the broker.
    pptx:deck:Engagement Survey Results {year}:Survey results and themes for leadership.
    pptx:deck:Manager Training – {Topic}:Training slides on {topic} for managers.
    csv:export:hris export {date}:Employee data export from the HRIS.
    csv:log:applicants {month}:Applicant tracking export for {month}.
    md:notes:Case notes {month}:Confidential employee relations case notes.
    txt:notes:interview notes {date}:Interview notes from {date}.
    """,
    folders="Recruiting|Compensation|Policies|Employee Relations|Training|Onboarding",
    tables="""
    Hiring Pipeline=Requisition:id:REQ;Role:choice:Warehouse Associate/Data Analyst/Customer Service Rep/Sales Manager/Software Engineer/Payroll Specialist;Department:unit;Hiring manager:person;Applicants:int:5:180;Stage:choice:Sourcing/Screening/Interviewing/Offer/Filled
    Merit Proposals=Employee:person;Department:unit;Current salary:money:38000:160000;Merit %:pct:0:8;Merit increase:calc:Current salary * Merit %:money;Rating:choice:Exceeds/Meets/Meets/Developing
    """,
    csv_tables="""
    hris_export=Employee ID:id:E;Name:person;Department:unit;Start date:date;Status:choice:Active/Active/Active/On leave/Terminated;FTE:float:0.5:1
    applicants=Applicant ID:id:A;Name:person;Role:choice:Warehouse Associate/Data Analyst/Customer Service Rep/Sales Manager;Applied:date;Stage:choice:Applied/Screened/Interviewed/Offer/Rejected;Source:choice:LinkedIn/Referral/Agency/Careers site
    """,
    sentences="""Attrition in {unit} is driving most of the open requisitions this quarter.
    {collab_first} wants the calibration sessions finished before the merit budget is locked.
    The {fact_l} is {value}, slightly better than the company target.
    Exit interviews point to workload and unclear career paths rather than pay.
    We need the Works Council's view on the {topic} change before anything is announced.
    Two candidates declined offers citing the hybrid policy, so the {term} is worth revisiting.
    Managers in {unit} asked for a simpler {term} they can use without HR in the room.
    The case file is confidential; only {collab_first} and I have access.
    Onboarding feedback improved once buddies were assigned before day one.
    The HRIS migration is on track, but job titles need cleaning before {deadline}.""",
    slide_topics="""Headline results|Participation by department|Top themes|Where we improved
    Where we need to act|Manager action plans""",
    meetings="Hiring sync|Calibration session|People leadership meeting|Employee relations review|Manager 1:1",
    tools="""keeps candidate notes in Greenhouse|runs reports from Workday into Excel
    drafts policies in Word|surveys through Culture Amp""",
)

_RESEARCH = _family(
    name="research",
    keywords="""research|researcher|scientist|laboratory|lab manager|biolog|chemist|physicist|phd|postdoc
    principal investigator|genom|ecolog|neuroscien|clinical trial|professor|academic|study coordinator
    data scientist|epidemiolog""",
    titles="""Postdoctoral Researcher|Research Scientist|Principal Investigator|Lab Manager
    Clinical Research Coordinator|Senior Data Scientist""",
    departments="Molecular Biology|Research & Development|Clinical Research|Data Science|Environmental Sciences",
    industries="Research|Biotechnology|Higher Education|Pharmaceuticals",
    orgs="""{city} Institute of Science|University of {city}|{last} Biosciences|{last} Research Foundation""",
    tld="edu",
    responsibilities="""design experiments and analyse results
    write papers and grant proposals
    manage lab inventory and safety compliance
    supervise students and technicians
    present findings at lab meetings and conferences
    keep the data management plan up to date""",
    roles="""Principal Investigator: approves experiments, budget and authorship
    Lab Manager: controls orders, safety and equipment bookings
    PhD Student: runs experiments, no budget authority
    Biostatistician: owns the analysis plan
    Grants Officer: approves budget changes on the grant
    Ethics Committee Coordinator: approves protocols involving participants
    Collaborating Professor: co-author, advisory
    Core Facility Manager: schedules instrument time
    Research Technician: prepares samples and reagents""",
    vendors="""Sales Scientist: {last} Scientific: quotes reagents and instruments
    Sequencing Service Manager: {last} Genomics: runs samples under the service agreement""",
    projects="""{topic_title} Study: Investigate {topic} with a controlled experimental series.
    Grant Renewal {year}: Prepare the renewal application with preliminary data.
    {term} Optimisation: Optimise the {term} protocol to improve yield and reproducibility.
    Manuscript – {topic_title}: Write up results on {topic} for journal submission.
    Cohort Data Cleaning: Clean and harmonise the cohort dataset for analysis.
    Lab Safety Audit {year}: Annual safety and chemical inventory audit.""",
    metrics="""Sample size:24:600:int:samples|Grant budget:80000:2500000:money|Yield:35:92:pct
    Effect size:0.2:1.4:float|p-value threshold:0.01:0.05:float|Instrument hours:20:300:int:hours
    Participants enrolled:30:800:int:participants|Reagent spend:5000:120000:money|Replicates per condition:3:8:int:replicates""",
    units="Lab 3.14|Cell culture room|Sequencing core|Imaging facility|Field station|Cohort team",
    topics="""protein expression|soil microbiome|gene knockdown|sample contamination|statistical power
    participant recruitment|imaging analysis|reagent costs|reproducibility""",
    terms="""protocol|PCR run|cell line|control group|data management plan|preregistration
    standard operating procedure|lab notebook|western blot|sequencing batch""",
    cost_lines="""Reagents|Consumables|Sequencing services|Instrument time|Personnel|Conference travel
    Publication fees|Animal costs|Equipment maintenance|Software licences""",
    risks="""Contamination in the cell culture room|Sequencing delays at the core|Underpowered design
    Reagent price increases|Ethics amendment delayed|Key student graduating mid-project""",
    actions="""rerun the {term} with fresh controls|order reagents through {collab_first}
    update the data management plan|book imaging time for {month}
    send the figures to {collab_first} for comments|log results in the lab notebook""",
    doc_types="""
    docx:report:Manuscript Draft – {Topic}:Manuscript draft on {topic} for journal submission.
    docx:proposal:Grant Proposal – {project}:Grant application narrative for {project}.
    docx:policy:SOP – {Term}:Standard operating procedure for the {term}.
    docx:report:Lab Meeting Summary {date}:Summary of results presented at lab meeting on {date}.
    xlsx:analysis:Experiment Results {date}:Raw and summarised results from the experiment run on {date}.
    xlsx:budget:Grant Budget {year}:Grant budget and spend by category for {year}.
    xlsx:tracker:Sample Tracker:Samples, conditions, storage location and status.
    pdf:report:Published Paper – {Topic}:Published paper on {topic} kept for reference.
    pdf:form:Ethics Approval Letter:Ethics committee approval letter.
    pptx:deck:Lab Meeting {date}:Slides for lab meeting on {date}.
    pptx:deck:Conference Talk – {Topic}:Conference talk on {topic}.
    csv:export:plate reader output {date}:Plate reader export from {date}.
    csv:log:sample log {month}:Sample log for {month}.
    md:notes:Lab notebook {month}:Electronic lab notebook entries for {month}.
    txt:notes:analysis ideas:Notes on analysis approaches to try.
    """,
    folders="Experiments|Data|Manuscripts|Grants|Protocols|Literature",
    tables="""
    Experiment Results=Sample:id:S;Condition:choice:Control/Treatment A/Treatment B/Vehicle;Replicate:int:1:4;Measurement:float:0.1:3.5;Per replicate:calc:Measurement / Replicate:float;Operator:person
    Reagent Orders=Reagent:item:Taq polymerase/Fetal bovine serum/Antibody panel/Primers/Agarose/Trypsin/Culture media;Supplier:choice:Fisher/Sigma/Thermo/VWR;Quantity:int:1:12;Unit price:money:40:2400;Total:calc:Quantity * Unit price:money
    """,
    csv_tables="""
    plate_reader=Well:id:W;Condition:choice:Control/Treatment A/Treatment B/Blank;Absorbance:float:0.05:2.8;Read time:date;Plate:choice:P1/P2/P3
    sample_log=Sample ID:id:S;Collected:date;Collected by:person;Type:choice:Tissue/Blood/Soil/Cell pellet;Storage:choice:-80 freezer A/-80 freezer B/LN2 tank/4C fridge;Status:choice:Stored/Processed/Shipped/Discarded
    """,
    sentences="""The control group behaved as expected, but treatment B showed more variance than in the pilot.
    {collab_first} suspects the {term} drifted after the incubator was serviced.
    With a {fact_l} of {value}, the study is adequately powered for the primary outcome.
    We repeated the run with fresh reagents and the effect held across {n} replicates.
    Reviewers asked for a clearer description of the {term} and the exclusion criteria.
    The sequencing core is backed up, so results for the next batch will arrive after {deadline}.
    Data are stored according to the data management plan, with raw files read-only.
    {collab_first} wants the figures redrawn with consistent axes before submission.
    Contamination was ruled out after the mycoplasma test came back negative.
    The pre-registered analysis remains primary; the new comparison is exploratory.""",
    slide_topics="""Research question|Methods|Preliminary results|Statistical analysis|Limitations
    Next experiments|Open questions for the group""",
    meetings="Lab meeting|Journal club|PI 1:1|Core facility planning|Collaborator call",
    tools="""analyses in R and exports tables to Excel|keeps an electronic lab notebook
    writes papers in Word with Zotero|makes figures in Prism""",
)

_OPERATIONS = _family(
    name="operations",
    keywords="""operations|logistics|supply chain|warehouse|procurement|inventory|fleet|shipping
    distribution|manufacturing|plant manager|production|dispatcher|purchasing|buyer|planner
    facilities|quality manager|lean""",
    titles="""Operations Manager|Supply Chain Analyst|Warehouse Manager|Procurement Specialist
    Logistics Coordinator|Production Planner""",
    departments="Operations|Supply Chain|Warehouse & Distribution|Procurement|Manufacturing",
    industries="Logistics|Manufacturing|Retail Distribution|Food Production|Automotive Parts",
    orgs="{last} Logistics|{city} Distribution Co.|{last} Manufacturing|{last} Freight|{last} Foods",
    tld="com",
    responsibilities="""keep warehouse throughput and accuracy on target
    plan inventory and replenishment
    manage carriers and freight costs
    run supplier reviews and purchase orders
    lead continuous improvement projects
    report operational KPIs weekly""",
    roles="""Director of Operations: approves capex and staffing changes
    Shift Supervisor: runs the floor and assigns pickers
    Procurement Manager: approves purchase orders over $25k
    Inventory Controller: owns cycle counts and adjustments
    Transport Planner: books carriers within rate cards
    Quality Manager: can quarantine stock
    Health & Safety Officer: can stop work on safety grounds
    Customer Service Lead: owns customer escalations
    Maintenance Technician: schedules equipment repairs""",
    vendors="""Carrier Account Manager: {last} Freight: quotes rates and capacity
    Supplier Sales Manager: {last} Components: negotiates supply terms""",
    projects="""{unit} Layout Redesign: Re-slot {unit} to cut picker travel time.
    Carrier Tender {year}: Tender the main freight lanes to cut cost per shipment.
    Inventory Accuracy Program: Raise inventory accuracy through daily cycle counts.
    WMS Upgrade: Upgrade the warehouse management system with scanner workflows.
    Supplier Consolidation: Reduce the supplier base for {topic} items.
    Peak Season Plan {year}: Staff and capacity plan for peak season.""",
    metrics="""On-time delivery:88:99:pct|Inventory accuracy:92:99.8:pct|Freight spend:150000:6000000:money
    Orders per day:300:12000:int:orders|Picks per hour:60:180:int:picks|Inventory value:500000:20000000:money
    Lead time:3:45:int:days|Damaged shipments:0.2:3:pct|Warehouse headcount:20:300:int:staff""",
    units="Warehouse A|Dock 3|Distribution Center East|Cold store|Returns area|Line 2",
    topics="""picker productivity|carrier performance|stock-outs|cycle counting|inbound scheduling
    packaging waste|safety incidents|supplier lead times|returns processing""",
    terms="""purchase order|bill of lading|cycle count|safety stock|WMS|rate card|slotting plan
    pallet|cross-dock|SKU""",
    cost_lines="""Freight|Warehouse labour|Packaging|Equipment leases|Maintenance|Utilities
    Temporary staff|Pallets|Software|Safety equipment""",
    risks="""Carrier capacity shortfall in peak|Forklift downtime|Supplier delay on key SKUs
    Inventory write-offs after counts|Labour shortage on night shift|WMS cutover errors""",
    actions="""review carrier scorecards with {collab_first}|schedule cycle counts in {unit}
    raise purchase order for packaging|update the slotting plan|check safety stock levels
    confirm peak staffing with {collab_first}""",
    doc_types="""
    docx:policy:SOP – {Topic}:Standard operating procedure for {topic} in {unit}.
    docx:report:Weekly Operations Report {date}:KPIs, incidents and actions for the week of {date}.
    docx:plan:Peak Readiness Plan {year}:Capacity, staffing and carrier plan for peak.
    docx:report:Supplier Review – {vendor}:Performance review of {vendor}.
    xlsx:analysis:KPI Dashboard {month}:Operational KPIs by week for {month}.
    xlsx:budget:Freight Cost Analysis {quarter}:Freight spend by lane and carrier for {quarter}.
    xlsx:tracker:Purchase Order Tracker:Open purchase orders, suppliers and due dates.
    pdf:report:Carrier Contract {vendor}:Signed carrier contract.
    pdf:guide:Forklift Safety Manual:Safety manual kept for reference.
    pptx:deck:Operations Review {month}:Monthly operations review for leadership.
    csv:export:wms inventory export {date}:Inventory snapshot from the WMS on {date}.
    csv:log:shipments {month}:Shipment log for {month}.
    md:notes:Shift handover {date}:Shift handover notes from {date}.
    txt:notes:dock schedule notes:Notes on inbound dock appointments.
    """,
    folders="Warehouse|Carriers|Suppliers|Inventory|KPIs|Health & Safety",
    tables="""
    Lane Costs=Lane:item:Chicago-Dallas/Atlanta-Miami/LA-Phoenix/Newark-Boston/Denver-Salt Lake/Seattle-Portland;Carrier:choice:Swift/Schneider/JB Hunt/XPO;Shipments:int:20:400;Cost per shipment:money:180:1900;Total cost:calc:Shipments * Cost per shipment:money
    Inventory Snapshot=SKU:id:SKU;Location:unit;On hand:int:0:2000;Safety stock:int:50:400;Gap:calc:On hand - Safety stock:int;Planner:person
    """,
    csv_tables="""
    wms_inventory=SKU:id:SKU;Description:choice:Carton 40x30/Pallet wrap/Label roll/Widget A/Widget B/Bracket kit;Location:unit;On hand:int:0:3000;Last counted:date;Counted by:person
    shipments=Shipment ID:id:SH;Ship date:date;Carrier:choice:Swift/Schneider/JB Hunt/XPO;Destination:choice:Dallas/Miami/Phoenix/Boston/Denver;Pallets:int:1:26;On time:choice:Yes/Yes/Yes/No
    """,
    sentences="""Picks per hour dropped in {unit} after the re-slotting, mostly on the night shift.
    {collab_first} reports that the {term} was not followed on two inbound loads.
    The {fact_l} for {month} is {value}, against a target we agreed with customers.
    Carrier performance slipped on the Dallas lane, and we have raised it at the quarterly review.
    Safety walk-throughs found blocked aisles near {unit}, which were cleared the same day.
    We will trial daily cycle counts on fast movers before rolling them out to the whole site.
    {collab_first} wants the peak staffing plan signed off by {deadline}.
    Damaged pallets trace back to wrapping on Line 2 rather than to the carrier.
    Supplier lead times stretched by {n} days on key SKUs, so safety stock was raised.
    The WMS upgrade will need a full stock freeze during cutover.""",
    slide_topics="""KPI summary|Throughput and productivity|Carrier performance|Inventory accuracy
    Safety|Cost per order|Improvement actions""",
    meetings="Daily ops meeting|Carrier review|Supplier review|Safety committee|S&OP meeting",
    tools="""runs reports from the WMS into Excel|tracks POs in SAP|keeps the dock schedule in a shared calendar
    uses Power BI for KPI dashboards""",
)

_GOVERNMENT = _family(
    name="government",
    keywords="""government|public policy|policy analyst|public sector|city council|municipal|ministry
    civil servant|legislat|regulator|regulatory agency|mayor|federal|county|state agency|public administration
    council member|grant administrator|nonprofit|ngo""",
    titles="""Policy Analyst|Senior Policy Advisor|Program Manager|Grants Administrator
    Legislative Aide|Public Affairs Officer""",
    departments="Office of Policy|Housing Department|Public Works|Community Services|Budget Office",
    industries="Government Administration|Public Policy|Non-profit Organization Management",
    orgs="""City of {city}|{city} County|State Department of {topic_title}|{city} Housing Authority
    {last} Community Foundation""",
    tld="gov",
    responsibilities="""analyse policy options and write briefing notes
    manage grant programs and reporting
    prepare council and committee papers
    run stakeholder consultations
    track legislation affecting the department
    answer public records requests""",
    roles="""Department Director: approves policy recommendations and budget requests
    Deputy Mayor: decides which items go to council
    Budget Analyst: checks fiscal impact statements
    Program Manager: runs grant programs day to day
    Legal Advisor: reviews regulations and contracts
    Communications Officer: owns press releases and public messaging
    Council Liaison: coordinates with councillors' offices
    Community Engagement Lead: organises consultations
    Data Officer: owns open data and performance reporting""",
    vendors="""Consultant: {last} Policy Associates: delivers studies under contract
    Community Partner: {last} Neighborhood Association: represents residents, advisory""",
    projects="""Affordable Housing Strategy {year}: Develop the city's affordable housing strategy and funding plan.
    Small Business Grant Program: Run the second round of small business recovery grants.
    {topic_title} Ordinance Update: Update the ordinance on {topic} after public consultation.
    Budget Submission FY{year}: Prepare the department's budget submission and performance measures.
    Transit Equity Study: Study access to transit across neighbourhoods.
    Open Data Portal: Publish department datasets on the open data portal.""",
    metrics="""Program budget:250000:30000000:money|Grants awarded:20:600:int:grants|Households served:200:12000:int:households
    Consultation responses:80:4000:int:responses|Processing time:10:90:int:days|Budget variance:1:9:pct
    Permits issued:100:5000:int:permits|Public records requests:20:400:int:requests|Satisfaction rate:55:90:pct""",
    units="District 3|Downtown|Eastside|Housing Division|Permits Office|Council Committee",
    topics="""affordable housing|zoning changes|grant eligibility|public consultation|homelessness services
    permit backlog|transit access|budget cuts|climate resilience""",
    terms="""briefing note|fiscal impact statement|ordinance|public hearing|grant agreement
    performance measure|council resolution|stakeholder map|request for proposals|equity lens""",
    cost_lines="""Staff costs|Consultants|Grant disbursements|Community outreach|Printing and notices
    IT systems|Translation services|Facility rental|Legal review|Evaluation""",
    risks="""Council vote delayed|Legal challenge to the ordinance|Grant funds unspent by deadline
    Low consultation turnout in {unit}|Budget cuts mid-year|Data privacy concerns""",
    actions="""draft the briefing note for {collab_first}|prepare the fiscal impact statement
    schedule the public hearing|update the grant eligibility FAQ|respond to the records request
    send consultation summary to {collab_first}""",
    doc_types="""
    docx:memo:Briefing Note – {Topic}:Briefing note for the director on {topic}.
    docx:report:Council Report – {project}:Staff report to council on {project}.
    docx:report:Consultation Summary – {Topic}:What we heard during the {topic} consultation.
    docx:policy:Program Guidelines – {project}:Eligibility and process guidelines for {project}.
    xlsx:budget:Program Budget {year}:Program budget and commitments for {year}.
    xlsx:tracker:Grant Applications Tracker:Applications received, scores and decisions.
    xlsx:analysis:Performance Measures {quarter}:Department performance measures for {quarter}.
    pdf:report:Adopted Ordinance {date}:Adopted ordinance text as published.
    pdf:guide:State Guidance – {Topic}:State guidance on {topic} for reference.
    pptx:deck:{project} Council Presentation:Presentation to council committee on {project}.
    pptx:deck:Community Meeting – {Topic}:Slides for the community meeting on {topic}.
    csv:export:open data {topic} {date}:Dataset prepared for the open data portal.
    csv:log:records requests {month}:Public records requests log for {month}.
    md:notes:Hearing prep {date}:Preparation notes for the hearing on {date}.
    txt:notes:councillor questions:Questions from councillors to follow up.
    """,
    folders="Briefings|Council Papers|Grants|Consultations|Legislation|Budget",
    tables="""
    Grant Scoring=Application:id:APP;Applicant:choice:Eastside Bakery/Corner Books/Green Repairs/Harbor Cafe/Youth Sports League/Maple Clinic;District:unit;Amount requested:money:5000:150000;Score:int:40:98;Decision:choice:Funded/Waitlisted/Declined
    Performance Measures=Measure:item:Permits processed/Average processing time/Households assisted/Complaints resolved/Inspections completed;Target:int:50:1200;Actual:int:40:1300;Difference:calc:Actual - Target:int;Owner:person
    """,
    csv_tables="""
    open_data=Record ID:id:R;Date:date;District:unit;Category:topic;Amount:money:1000:90000;Status:choice:Approved/Pending/Closed
    records_requests=Request ID:id:PRR;Received:date;Requester type:choice:Resident/Journalist/Business/Advocacy group;Topic:topic;Days open:int:1:45;Status:choice:Open/Fulfilled/Partially fulfilled/Withdrawn
    """,
    sentences="""Staff recommend option B, which meets the policy goal at the lowest fiscal impact.
    {collab_first} asked that the briefing note lead with the impact on {unit}.
    The {fact_l} is {value}, as reported in the last quarterly performance update.
    Residents in {unit} raised concerns about {topic} at the public hearing.
    The ordinance amendment needs a second reading before it takes effect.
    Grant funds must be committed by {deadline} or they return to the state.
    Applying an equity lens shows the benefits concentrate in two districts.
    {collab_first} will brief the councillors' offices before the committee meeting.
    The permit backlog has fallen by {n} weeks since the new intake process started.
    Legal advised that the {term} should reference the state statute explicitly.""",
    slide_topics="""Background and mandate|What we heard|Options considered|Recommended approach
    Fiscal impact|Implementation timeline""",
    meetings="Director's briefing|Council committee|Public hearing|Grant review panel|Interdepartmental working group",
    tools="""writes briefing notes in Word templates|tracks grants in Excel|publishes data on Socrata
    keeps council deadlines in Outlook""",
)

_CONSTRUCTION = _family(
    name="construction",
    keywords="""construction|architect|architecture|civil engineer|structural|site manager|contractor
    building site|builder|surveyor|quantity surveyor|project engineer|site engineer|carpenter|electrician|foreman
    interior design|urban planner|estimator""",
    titles="""Project Architect|Site Manager|Construction Project Manager|Quantity Surveyor
    Structural Engineer|Estimator""",
    departments="Project Delivery|Design Studio|Site Operations|Commercial|Structural Engineering",
    industries="Construction|Architecture & Planning|Civil Engineering|Real Estate Development",
    orgs="{last} Construction|{last} & {last2} Architects|{city} Builders|{last} Engineering Group",
    tld="com",
    responsibilities="""coordinate design and site teams across packages
    manage the programme and look-ahead schedules
    control costs, variations and valuations
    run site safety inspections and toolbox talks
    review shop drawings and RFIs
    report progress to the client monthly""",
    roles="""Project Director: approves variations and budget changes
    Client Representative: accepts scope and signs off milestones
    Structural Engineer: signs off structural design and temporary works
    Site Supervisor: runs daily works and subcontractor coordination
    Health & Safety Manager: can stop work on site
    Quantity Surveyor: values variations and payment applications
    MEP Coordinator: owns services coordination
    Planning Officer: approves planning conditions, external authority
    Design Manager: controls drawing issue and approvals""",
    vendors="""Subcontractor Manager: {last} Steel Fabricators: delivers the steel package
    Supplier Rep: {last} Concrete: confirms pours and mix designs""",
    projects="""{street} Residential Block: Deliver a {floors}-storey residential block with retail at ground level.
    School Extension – {city}: Design and build a two-classroom extension with a new hall.
    {street} Office Fit-out: Fit out three office floors including MEP upgrades.
    Bridge Deck Repair: Repair and waterproof the bridge deck during weekend closures.
    Warehouse Retrofit: Retrofit insulation and solar panels on a logistics warehouse.
    Community Centre New Build: New community centre with sports hall and cafe.""",
    metrics="""Contract value:800000:40000000:money|Programme float:0:30:int:days|Variations approved:2:40:int:variations
    Gross floor area:800:25000:int:m²|Open RFIs:3:70:int:RFIs|Cost to complete:200000:15000000:money
    Site headcount:10:180:int:workers|Concrete poured:50:4000:int:m³|Days without incident:10:400:int:days""",
    units="Level 2 slab|Core A|Facade|Basement|Roof|Ground floor retail|MEP risers",
    topics="""programme delays|concrete pours|steel delivery|variations|site safety|planning conditions
    facade design|MEP coordination|snagging""",
    terms="""RFI|variation order|method statement|look-ahead programme|shop drawing|practical completion
    payment application|toolbox talk|temporary works|snag list""",
    cost_lines="""Groundworks|Concrete frame|Structural steel|Facade|Roofing|MEP services|Internal finishes
    Preliminaries|Contingency|Professional fees""",
    risks="""Steel delivery late|Unforeseen ground conditions|Planning condition not discharged
    Crane downtime in high winds|Subcontractor insolvency|Design changes after tender""",
    actions="""issue the RFI response to {collab_first}|update the look-ahead programme
    value the variation for the {unit}|run the toolbox talk on working at height
    chase the steel fabricator|walk the {unit} snag list with {collab_first}""",
    doc_types="""
    docx:report:Monthly Progress Report {month}:Progress, programme and cost status for {month}.
    docx:policy:Method Statement – {unit}:Method statement and risk assessment for works on {unit}.
    docx:plan:Design Brief – {project}:Client design brief for {project}.
    docx:report:Site Inspection {date}:Site inspection findings from {date}.
    xlsx:budget:Cost Plan {project}:Elemental cost plan and cost to complete for {project}.
    xlsx:tracker:RFI Register:RFIs raised, owners and response status.
    xlsx:tracker:Variation Register:Variations, values and approval status.
    pdf:report:Structural Drawings Rev {n}:Issued structural drawings.
    pdf:form:Planning Approval Notice:Planning approval notice with conditions.
    pptx:deck:Client Progress Meeting {month}:Slides for the monthly client progress meeting.
    pptx:deck:Design Stage Review – {project}:Design stage review for {project}.
    csv:export:site diary export {month}:Site diary export for {month}.
    csv:log:deliveries {month}:Material deliveries log for {month}.
    md:notes:Snag list {unit}:Snag items for {unit}.
    txt:notes:site walk {date}:Notes from site walk on {date}.
    """,
    folders="Drawings|Site|Cost|RFIs|Health & Safety|Subcontractors",
    tables="""
    Elemental Cost Plan=Element:item:Substructure/Frame/Upper floors/Roof/External walls/Internal finishes/Services/Preliminaries;Area (m²):int:100:4000;Rate:money:40:900;Cost:calc:Area (m²) * Rate:money
    RFI Register=RFI:id:RFI;Raised:date;Package:unit;Raised by:person;Days open:int:0:30;Status:choice:Open/Answered/Closed
    """,
    csv_tables="""
    site_diary=Date:date;Weather:choice:Dry/Rain/Wind/Cold;Workers on site:int:8:120;Works:topic;Delays (hours):int:0:6;Recorded by:person
    deliveries=Delivery:id:DEL;Date:date;Supplier:choice:Hanson Concrete/Steelmax/BuildBase/Kingspan;Material:choice:Rebar/Concrete/Blockwork/Insulation/Plasterboard;Quantity:int:1:60;Received by:person
    """,
    sentences="""The {unit} pour slipped {n} days because the rebar inspection failed on the first visit.
    {collab_first} wants the variation valued before the client meeting on {deadline}.
    The {fact_l} currently stands at {value}, including approved variations to date.
    Steel delivery is now the critical path, with the fabricator quoting two more weeks.
    The planning condition on {topic} must be discharged before work above ground floor.
    Toolbox talks this month focused on working at height and lifting operations.
    We have {n} open RFIs on the {unit}, most waiting on the MEP coordinator.
    The look-ahead programme shows float being eaten by weather delays.
    {collab_first} has asked for the method statement to include the temporary works design.
    Snagging on {unit} will start once the second-fix trades are off the floor.""",
    slide_topics="""Programme status|Cost and variations|Health and safety|Design changes
    Key risks|Look-ahead""",
    meetings="Client progress meeting|Design team meeting|Site coordination meeting|Subcontractor review|Safety walk",
    tools="""reviews drawings in Bluebeam|tracks RFIs in Procore|builds cost plans in Excel
    updates the programme in MS Project""",
)

_HOSPITALITY = _family(
    name="hospitality",
    keywords="""hotel|restaurant|chef|hospitality|catering|event planner|events manager|tourism|travel agent
    front desk|concierge|housekeeping|food and beverage|bartender|sommelier|resort|banquet""",
    titles="""Hotel General Manager|Restaurant Manager|Executive Chef|Events Manager
    Front Office Manager|Food & Beverage Director""",
    departments="Food & Beverage|Rooms Division|Events & Catering|Front Office|Kitchen",
    industries="Hospitality|Hotels & Resorts|Restaurants|Events Services",
    orgs="The {last} Hotel|{city} Grand Hotel|{last}'s Bistro|{city} Conference Centre|{last} Hospitality Group",
    tld="com",
    responsibilities="""manage daily operations and guest satisfaction
    plan staff rotas and labour cost
    control food and beverage costs
    coordinate events from enquiry to invoice
    keep health and safety inspections clean
    review online feedback and respond""",
    roles="""General Manager: approves budgets, pricing and hires
    Head Chef: final say on menus and kitchen staffing
    Revenue Manager: sets room rates and packages
    Events Coordinator: runs event logistics, no pricing authority
    Housekeeping Supervisor: assigns rooms and checks standards
    Finance Manager: approves purchases over budget
    Front Desk Supervisor: handles guest escalations on shift
    Sales Manager: negotiates group and corporate contracts
    Maintenance Manager: schedules repairs and inspections""",
    vendors="""Supplier Rep: {last} Fresh Produce: quotes and delivers produce
    Wedding Client: {last} Family: decides on the event package""",
    projects="""{season} Menu Launch: Launch the {season} menu with costed recipes and staff training.
    Room Refurbishment {year}: Refurbish {floors} guest rooms with minimal revenue loss.
    Wedding Season {year}: Plan and staff the wedding season bookings.
    Guest Satisfaction Program: Lift review scores through service standards training.
    Food Waste Reduction: Cut kitchen food waste through prep planning.
    Conference Package Relaunch: Repackage meeting-room offers for corporate clients.""",
    metrics="""Occupancy rate:55:94:pct|Average daily rate:95:420:money|Food cost percentage:24:36:pct
    Covers per night:60:400:int:covers|Labour cost:18:34:pct|Guest review score:3.8:4.9:float:/ 5
    Event budget:5000:180000:money|RevPAR:60:350:money|Food waste per week:20:180:int:kg""",
    units="Main restaurant|Banquet hall|Rooms division|Rooftop bar|Kitchen|Front desk",
    topics="""menu costing|staff rotas|guest complaints|food waste|event logistics|room rates
    allergen control|upselling|housekeeping standards""",
    terms="""banquet event order|costed recipe|rota|RevPAR|allergen matrix|par level|cover count
    function sheet|no-show policy|service standard""",
    cost_lines="""Food|Beverage|Kitchen labour|Front-of-house labour|Linen|Decor|Entertainment
    Cleaning supplies|Utilities|Marketing""",
    risks="""Staff shortages on weekends|Supplier price rises on produce|Allergen incident
    Low occupancy midweek|Event cancellation|Failed hygiene inspection""",
    actions="""cost the new {topic} dishes|publish next week's rota|brief staff on the allergen matrix
    confirm the banquet event order with {collab_first}|reply to the latest guest reviews
    update par levels for the {unit}""",
    doc_types="""
    docx:plan:Event Proposal – {project}:Event proposal with menus, layout and pricing.
    docx:policy:Service Standards – {unit}:Service standards for the {unit}.
    docx:report:Monthly Guest Feedback {month}:Guest feedback themes and actions for {month}.
    docx:plan:Banquet Event Order {date}:Function details for the event on {date}.
    xlsx:budget:Menu Costing {project}:Costed recipes and margins for {project}.
    xlsx:roster:Staff Rota {month}:Weekly staff rota and labour cost for {month}.
    xlsx:analysis:Revenue Report {month}:Occupancy, ADR and RevPAR for {month}.
    pdf:report:Health Inspection Report:Health inspection report kept on file.
    pdf:invoice:Supplier Invoice {vendor}:Invoice from {vendor}.
    pptx:deck:{project} Owners Presentation:Presentation to the owners on {project}.
    csv:export:pos sales {date}:Point-of-sale export from {date}.
    csv:log:bookings {month}:Reservations export for {month}.
    md:notes:Pre-shift briefing {date}:Pre-shift briefing notes for {date}.
    txt:notes:supplier orders:Running list of supplier orders to place.
    """,
    folders="Events|Menus|Rotas|Guest Feedback|Suppliers|Revenue",
    tables="""
    Menu Costing=Dish:item:Roast chicken/Seared salmon/Risotto/Beef burger/Caesar salad/Chocolate tart/Soup of the day;Portion cost:money:1:9;Menu price:money:8:32;Margin:calc:Menu price - Portion cost:money;Covers sold:int:20:400
    Staff Rota=Date:date;Shift:choice:Breakfast/Lunch/Dinner/Late;Staff:person;Position:choice:Server/Chef/Host/Bartender/Porter;Hours:int:4:10
    """,
    csv_tables="""
    pos_sales=Ticket:id:T;Date:date;Outlet:unit;Covers:int:1:12;Net sales:money:15:600;Server:person
    bookings=Booking ID:id:BK;Arrival:date;Guest:person;Nights:int:1:7;Room type:choice:Standard/Deluxe/Suite/Family;Channel:choice:Direct/Booking.com/Expedia/Corporate
    """,
    sentences="""Weekend covers in the {unit} are up, but labour cost rose faster than revenue.
    {collab_first} wants the new dishes costed before they go on the {month} menu.
    The {fact_l} was {value} last month, close to budget.
    Guest reviews mention slow check-in during the evening rush.
    We reduced food waste by prepping to par levels instead of the full list.
    The banquet event order for the wedding still lacks the final cover count.
    {collab_first} asked for an allergen matrix for every new dish.
    Supplier prices for produce rose by {n} % this quarter, which squeezes the margin on salads.
    Midweek occupancy remains soft, so the conference package is the priority.
    Housekeeping standards slipped when agency staff covered the {unit}.""",
    slide_topics="""Occupancy and rates|Food and beverage performance|Guest feedback|Labour cost
    Events pipeline|Capital projects""",
    meetings="Pre-shift briefing|Heads of department meeting|Revenue meeting|Event walkthrough|Owners meeting",
    tools="""works the rota in Excel|checks bookings in Opera PMS|reviews POS reports
    reads TripAdvisor reviews every morning""",
)

_MEDIA = _family(
    name="media",
    keywords="""journalist|reporter|editor|newsroom|media|producer|podcast|broadcast|publishing|columnist
    photographer|documentary|magazine|newsroom|news editor|correspondent|copy editor|television|radio""",
    titles="""Senior Reporter|News Editor|Podcast Producer|Features Editor|Investigations Reporter
    Managing Editor""",
    departments="Newsroom|Features Desk|Investigations|Audio|Digital",
    industries="Online Media|Newspapers|Broadcast Media|Publishing",
    orgs="The {city} Herald|{city} Public Radio|{last} Media|The {last} Review|{city} Daily News",
    tld="com",
    responsibilities="""pitch, report and file stories on deadline
    verify sources and keep records for legal review
    edit copy and coordinate with the desk
    produce audio and video packages
    track audience metrics on published work
    manage freelancers and commissioning budgets""",
    roles="""Editor-in-Chief: final call on publication and corrections
    News Editor: assigns stories and sets deadlines
    Copy Editor: checks style, facts and headlines
    Legal Counsel: reviews stories for defamation risk
    Photo Editor: commissions and selects images
    Audience Editor: owns social distribution and SEO
    Freelance Reporter: files commissioned pieces
    Data Journalist: builds datasets and charts
    Standards Editor: decides on corrections and ethics questions""",
    vendors="""Press Officer: {city} City Council: provides official statements
    Source: {last} Tenants Association: on-record source""",
    projects="""Investigation – {topic_title}: Months-long investigation into {topic} in {city}.
    Election Coverage {year}: Plan coverage, explainers and results night.
    Podcast Season {n}: Produce a {n}-episode narrative podcast season.
    Newsletter Relaunch: Relaunch the morning newsletter with a new format.
    Data Desk Build-out: Build shared datasets and charting templates.
    Special Report – {topic_title}: Long-form special report on {topic}.""",
    metrics="""Page views:20000:2500000:int:views|Average time on page:1.2:6.5:float:minutes
    Newsletter subscribers:4000:180000:int:subscribers|Freelance budget:5000:120000:money
    Stories filed:6:60:int:stories|Podcast downloads:2000:400000:int:downloads|Corrections issued:0:6:int:corrections
    Sources interviewed:5:60:int:sources|Open rate:22:55:pct""",
    units="Metro desk|Politics desk|Features|Audio team|Data desk|Newsletter team",
    topics="""housing conditions|city budget|school funding|police oversight|local elections
    public health|transit cuts|environmental permits|court records""",
    terms="""lede|nut graf|on-record source|fact-check|embargo|pitch|budget line|rundown|CMS|correction""",
    cost_lines="""Freelance fees|Photography|Travel|Records requests|Transcription|Audio editing
    Music licensing|Data tools|Legal review|Promotion""",
    risks="""Source withdraws on-record quote|Legal review delays publication|Competitor publishes first
    Records request denied|Freelancer misses deadline|Correction needed after publication""",
    actions="""call back {collab_first} for a comment|file the records request on {topic}
    send the draft to legal|fact-check the {topic} figures|book the studio for recording
    pitch the follow-up to {collab_first}""",
    doc_types="""
    docx:report:Draft – {Topic} Story:Story draft on {topic} for the desk.
    docx:plan:Story Pitch – {Topic}:Pitch for a story on {topic} with sources and angle.
    docx:report:Fact-check Memo – {Topic}:Line-by-line fact-check of the {topic} piece.
    docx:policy:Style Guide Notes:House style guide excerpts and exceptions.
    xlsx:tracker:Story Budget {month}:Planned stories, owners and publication dates for {month}.
    xlsx:analysis:Audience Metrics {month}:Page views and engagement for published stories in {month}.
    xlsx:tracker:Source List {project}:Sources, contact status and attribution for {project}.
    pdf:report:Court Filing – {Topic}:Court document obtained for the {topic} story.
    pdf:report:Records Response {date}:Records released in response to the request.
    pptx:deck:{project} Editorial Plan:Editorial plan for {project}.
    csv:export:analytics export {date}:Analytics export on {date}.
    csv:log:records requests log:Records requests filed and their status.
    md:notes:Interview notes {collab_last}:Interview notes with {collab}.
    txt:notes:transcript excerpt {date}:Transcript excerpt from the interview on {date}.
    """,
    folders="Stories|Interviews|Research|Audio|Analytics|Records Requests",
    tables="""
    Story Budget=Slug:topic;Reporter:person;Desk:unit;Words:int:400:3500;Publish date:date;Status:choice:Pitched/Reporting/Editing/Legal/Published
    Audience Metrics=Story:topic;Page views:int:1000:400000;Avg time (min):float:0.8:7;Shares:int:10:9000;Views per share:calc:Page views / Shares:float
    """,
    csv_tables="""
    analytics_export=Date:date;Story:topic;Section:unit;Page views:int:200:90000;Unique visitors:int:150:70000;Avg time (s):int:30:400
    records_log=Request:id:RR;Filed:date;Agency:choice:Police Department/Housing Authority/School District/Public Works;Subject:topic;Days waiting:int:1:120;Status:choice:Pending/Partial/Released/Denied
    """,
    sentences="""The piece hinges on the records we obtained in {month}, which show a pattern on {topic}.
    {collab_first} wants a second on-record source before the story runs.
    Our reporting puts the {fact_l} at {value}, which the agency has not disputed.
    Legal flagged one paragraph as risky, and we rewrote it around the documents.
    The lede is strong, but the nut graf needs to explain why readers should care now.
    {collab_first} is fact-checking the figures against the original spreadsheets.
    The agency declined to comment before deadline; we will update if they respond.
    Audience data shows readers finish the explainers but drop off long investigations halfway.
    We hold the story until the embargo lifts on {deadline}.
    Residents in {unit} described the problem in very similar terms, which helps the framing.""",
    slide_topics="""The story so far|What the documents show|Sources and verification|Publication plan
    Audience strategy|Legal considerations""",
    meetings="Morning news meeting|Story edit|Legal review|Pitch meeting|Audience review",
    tools="""writes drafts in Google Docs and files in the CMS|transcribes with Otter
    keeps source lists in Excel|tracks stories in Trello""",
)

_GENERAL = _family(
    name="general business",
    keywords="manager|business|office|administrator|coordinator|consultant|analyst|assistant|executive",
    titles="""Business Operations Manager|Project Coordinator|Office Manager|Management Consultant
    Business Analyst|Executive Assistant""",
    departments="Business Operations|Strategy|Administration|Project Management Office",
    industries="Professional Services|Business Services|Consulting|Wholesale",
    orgs="{last} Consulting|{last} & {last2}|{city} Business Services|{last} Group",
    tld="com",
    responsibilities="""coordinate projects across teams
    prepare reports for leadership
    manage vendor relationships and purchase requests
    organise meetings and follow up on actions
    maintain trackers and shared folders
    support budgeting and planning""",
    roles="""Managing Director: approves budgets and strategic decisions
    Operations Director: approves process changes
    Finance Manager: approves spend and invoices
    Project Manager: owns timelines and deliverables
    IT Support Lead: manages systems and access
    Office Administrator: handles logistics, no approval authority
    Client Lead: owns client relationship
    Analyst: prepares data, no approval authority
    HR Advisor: advises on people matters""",
    vendors="""Account Manager: {last} Office Solutions: quotes and supplies services
    Consultant: {last} Advisory: delivers scoped work""",
    projects="""Process Improvement {year}: Streamline {topic} across the business.
    Office Move {year}: Move the team to the new office with minimal disruption.
    CRM Rollout: Roll out the CRM to all client-facing staff.
    Client Onboarding Revamp: Shorten client onboarding and improve handover.
    Vendor Review: Review main vendors and renegotiate contracts.
    Strategy Refresh {year}: Refresh the three-year strategy with leadership.""",
    metrics="""Project budget:20000:900000:money|Milestones complete:20:90:pct|Open actions:5:60:int:actions
    Vendor spend:30000:2000000:money|Client satisfaction:68:95:pct|Cycle time:5:40:int:days
    Staff involved:4:80:int:people|Savings identified:10000:600000:money""",
    units="Head office|Client services|Operations team|Finance team|Regional office",
    topics="""process bottlenecks|vendor contracts|team capacity|reporting cadence|office logistics
    client onboarding|budget planning|system access""",
    terms="""RACI|project charter|status report|purchase request|service level|kick-off|steering committee
    lessons learned|milestone plan|change request""",
    cost_lines="""Staff time|Consultants|Software|Travel|Training|Equipment|Facilities|Contingency
    Communications|Events""",
    risks="""Key stakeholder unavailable|Vendor delay|Scope creep|Budget overrun|Low adoption|Data migration issues""",
    actions="""send the status report to {collab_first}|update the RACI|book the steering committee
    chase the purchase request approval|review vendor quotes|circulate the lessons learned""",
    doc_types="""
    docx:plan:Project Charter – {project}:Charter for {project} with objectives, scope and owners.
    docx:report:Lessons Learned – {project}:What went well and what to change after {project}.
    xlsx:analysis:Vendor Comparison {quarter}:Side-by-side comparison of vendor quotes.
    pptx:deck:Steering Committee {month}:Steering committee slides for {month}.
    csv:export:timesheet export {month}:Timesheet export for {month}.
    """,
    folders="Operations|Vendors|Planning|Team|Reporting|Templates",
    tables="""
    Vendor Comparison=Vendor:item:Apex Solutions/Brightline Services/Summit Partners/Harbor Group/Keystone Advisory;Annual cost:money:10000:400000;Score:int:50:95;Contract years:int:1:5;Total contract value:calc:Annual cost * Contract years:money
    Milestones=Milestone:item:Kick-off/Requirements signed off/Vendor selected/Pilot live/Training complete/Go-live/Review;Owner:person;Due:date;Status:choice:Done/On track/At risk/Late
    """,
    csv_tables="""
    timesheet=Date:date;Person:person;Project:topic;Hours:float:0.5:9;Billable:choice:Yes/No
    actions_log=Action ID:id:ACT;Raised:date;Owner:person;Topic:topic;Status:choice:Open/In progress/Done
    """,
    sentences="""The project is broadly on track, with two milestones at risk.
    {collab_first} asked for a clearer RACI before the next phase starts.
    The {fact_l} is {value}, in line with the plan agreed at kick-off.
    Adoption in {unit} is slower than expected, mainly because of training gaps.
    We should consolidate the trackers so there is a single source of truth.
    Vendor quotes varied widely, and the cheapest option carries the most delivery risk.
    {collab_first} will take the change request to the steering committee on {deadline}.
    The team is at capacity through {month}, so new requests go into the backlog.
    Lessons from the pilot suggest starting with {unit} before a wider rollout.
    Budget remains within tolerance after the latest change request.""",
    slide_topics="""Status overview|Milestones|Budget|Risks and issues|Decisions needed|Next steps""",
    meetings="Weekly team meeting|Steering committee|Project check-in|Vendor call|Leadership update",
    tools="""tracks everything in Excel|shares files through SharePoint|writes reports in Word
    presents from PowerPoint""",
)

FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        _HEALTHCARE,
        _FINANCE,
        _ENGINEERING,
        _EDUCATION,
        _LEGAL,
        _MARKETING,
        _SALES,
        _HR,
        _RESEARCH,
        _OPERATIONS,
        _GOVERNMENT,
        _CONSTRUCTION,
        _HOSPITALITY,
        _MEDIA,
        _GENERAL,
    )
}
GENERAL = _GENERAL

# Extra words some project templates use.
SEASONS: tuple[str, ...] = ("Spring", "Summer", "Autumn", "Winter", "Holiday")
PRODUCTS: tuple[str, ...] = _s("Aurora|Nimbus|Atlas|Pulse|Horizon|Vertex|Orbit|Harbor")
CUSTOMERS: tuple[str, ...] = _s(
    "Apex Logistics|Brightline Health|Summit Foods|Harbor Retail|Keystone Energy|Northgate Labs"
)
STREETS: tuple[str, ...] = _s(
    "Mill Street|Harbour Road|Elm Avenue|King's Yard|Station Square|Oak Lane"
)


def _keyword_index() -> list[tuple[str, str, int]]:
    # Longer keywords first so "civil engineer" beats "engineer"; weight by word count.
    index = [
        (kw.lower(), fam.name, 1 + kw.count(" "))
        for fam in FAMILIES.values()
        if fam is not _GENERAL
        for kw in fam.keywords
    ]
    return sorted(index, key=lambda t: -len(t[0]))


_KEYWORDS = _keyword_index()


def infer_family(*texts: str) -> Family:
    """Best-matching family for free text; earlier texts (e.g. the role) weigh more."""
    scores: dict[str, float] = {}
    for rank, text in enumerate(t for t in texts if t):
        padded = " " + re.sub(r"[^a-z0-9&\- ]+", " ", text.lower()) + " "
        weight = 3.0 if rank == 0 and len(texts) > 1 else 1.0
        for kw, fam, words in _KEYWORDS:
            pos = padded.find(" " + kw)
            if pos >= 0:
                scores[fam] = scores.get(fam, 0.0) + weight * words
                # blank the hit out so "civil engineer" does not also score "engineer"
                padded = padded[:pos] + " " * (len(kw) + 1) + padded[pos + len(kw) + 1 :]
    if not scores:
        return _GENERAL
    return FAMILIES[max(scores, key=lambda k: (scores[k], -list(FAMILIES).index(k)))]


def family_for(name: str, *fallback_texts: str) -> Family:
    """The family called ``name``, else the one the texts suggest."""
    fam = FAMILIES.get((name or "").strip().lower())
    return fam if fam is not None else infer_family(*fallback_texts, name or "")
