"""Offline answers for the computer-generation contracts: Profile and FilesystemPolicy.

Importing this module registers every generation responder: the folder outline lives in
``gen_outline``, the file plan in ``gen_plan`` and artifact contents in ``gen_docs``,
``gen_tables``, ``gen_workbooks`` and ``gen_text``.
All randomness comes from ``req.rng`` and ``req.faker`` so a seed fixes the output.
"""

from __future__ import annotations

import datetime as dt
import random
import re

from faker import Faker

from studio.llm.offline.domains import (
    COMMON_TOOLS,
    COMMUNICATION_STYLES,
    DEFAULT_LOCATIONS,
    FAMILIES,
    NAMING_CONVENTIONS,
    WRITING_STYLES,
    Family,
    infer_family,
)
from studio.llm.offline.gen_common import ascii_slug, cap_first, email_for, titlecase
from studio.llm.offline.gen_context import TextCtx
from studio.llm.offline.gen_figures import metric_value
from studio.llm.offline.locales import Locale, faker_for, localised, place_for, use_locale
from studio.llm.offline.persona_read import PersonaReading, Work, read_persona
from studio.llm.offline.registry import OfflineRequest, structured

# -- Profile -------------------------------------------------------------------------------

_SENIOR = ("chief", "director", "head", "vp", "partner", "principal", "manager", "editor-in")


def _job_title(reading: PersonaReading, family: Family, rng: random.Random) -> str:
    """The persona's own role ('Logistics Coordinator', 'Avocate en droit du travail')."""
    if not reading.role:
        return rng.choice(family.titles)
    if reading.language == "en":
        return titlecase(" ".join(w if w.isupper() else w.lower() for w in reading.role.split()))
    return cap_first(reading.role)


def _place(reading: PersonaReading, attrs: dict, faker: Faker) -> str:
    if attrs.get("location"):
        return str(attrs["location"])
    if reading.place is not None:
        return reading.place.location
    # nothing named: a town of the persona's language area, or a US town for English
    if reading.language == "en":
        return f"{faker.city()}, {faker.state_abbr()}"
    return f"{faker.city()}, {_DEFAULT_COUNTRY[reading.language]}"


_DEFAULT_COUNTRY = {"fr": "France", "de": "Germany", "es": "Spain"}


def _employer(reading: PersonaReading, family: Family, faker: Faker, text: TextCtx) -> str:
    if reading.org_name:
        return reading.org_name
    if reading.org_kind and reading.language == "en":
        kind = [w for w in reading.org_kind.split() if "-" not in w][-3:]
        suffix = _company_suffix(faker)
        return " ".join([faker.last_name(), *(titlecase(w) for w in kind), suffix]).strip()
    return _fill(text.rng.choice(family.orgs), text)


def _company_suffix(faker: Faker) -> str:
    try:
        return faker.company_suffix()
    except AttributeError:
        return ""


def _split_name(full: str) -> tuple[str, str]:
    parts = full.split()
    return (parts[0], parts[-1]) if len(parts) > 1 else (full, "Smith")


def _domain_for(org: str, tld: str) -> str:
    words = [w for w in ascii_slug(org, " ").split() if w not in ("the", "of", "and", "co")]
    stem = "".join(words[:3]) or "example"
    return f"{stem[:24]}.{tld}"


def _fill(template: str, text: TextCtx) -> str:
    return text.fill(template)


def _collaborators(
    req: OfflineRequest, family: Family, domain: str, user: str, text: TextCtx, faker: Faker
) -> list[dict]:
    rng = req.rng
    count = rng.randint(5, 8)
    vendors = 1 if count < 7 else 2
    roles = rng.sample(family.roles, k=min(count - vendors, len(family.roles)))
    picks = [(role, auth, domain, "") for role, auth in roles]
    for role, org, auth in rng.sample(family.vendors, k=min(vendors, len(family.vendors))):
        vendor_org = _fill(org, text)
        picks.append((role, auth, _domain_for(vendor_org, "com"), vendor_org))
    styles = rng.sample(COMMUNICATION_STYLES, k=len(COMMUNICATION_STYLES))
    manager_index = next(
        (i for i, p in enumerate(picks) if any(s in p[0].lower() for s in _SENIOR)), 0
    )
    taken = {user}
    people = []
    for i, (role, auth, mail_domain, vendor_org) in enumerate(picks):
        name = f"{faker.first_name()} {faker.last_name()}"
        while name in taken:
            name = f"{faker.first_name()} {faker.last_name()}"
        taken.add(name)
        first, last = _split_name(name)
        if vendor_org:
            relationship = f"external contact at {vendor_org}"
        elif i == manager_index:
            relationship = "line manager"
        else:
            relationship = rng.choice(
                ("close peer", "cross-team stakeholder", "works closely with")
            )
        people.append(
            {
                "name": name,
                "role": role,
                "email": email_for(first, last, mail_domain),
                "communication_style": styles[i % len(styles)],
                "decision_authority": auth,
                "relationship": relationship,
            }
        )
    return people


_CODE_SKIP = frozenset(("the", "of", "and", "for", "to", "a", "in", "on", "program", "–", "-"))


def project_code(name: str, taken: set[str]) -> str:
    """Short code people put in file names: 'Medication Safety Audit 2026' -> 'MSA-26'."""
    tokens = [t for t in re.findall(r"[A-Za-z0-9]+", name) if t.lower() not in _CODE_SKIP]
    year = next((t[-2:] for t in tokens if re.fullmatch(r"(?:FY)?\d{4}", t, re.I)), "")
    words = [t for t in tokens if not re.fullmatch(r"(?:FY)?\d{4}", t, re.I)]
    if not words:
        code = "PROJ"
    elif words[0].isupper() and len(words[0]) > 1:
        code = words[0] + ("-" + "".join(w[0].upper() for w in words[1:3]) if words[1:] else "")
    elif len(words) >= 3:
        code = "".join(w[0].upper() for w in words[:4])
    else:
        code = "-".join(w[:4].upper() for w in words)
    code += f"-{year}" if year else ""
    candidate, n = code, 2
    while candidate in taken:
        candidate, n = f"{code}{n}", n + 1
    taken.add(candidate)
    return candidate


def _projects(rng: random.Random, family: Family, text: TextCtx, work: list[Work]) -> list[dict]:
    """The work the persona names comes first, then the profession's usual projects."""
    # the persona's words are text, not templates: their braces stay braces
    templates = [(_literal(w.name), _literal(w.description)) for w in work]
    count = max(rng.randint(2, 4), len(templates) + 1)
    pool = [p for p in family.projects if p[0] not in {n for n, _ in templates}]
    templates += rng.sample(pool, k=min(count - len(templates), len(pool)))
    money = [m for m in family.metrics if m.fmt == "money"]
    codes: set[str] = set()
    out = []
    for name_t, desc_t in templates:
        name = _fill(name_t, text)
        metrics = rng.sample(family.metrics, k=rng.randint(3, 5))
        if money and not any(m.fmt == "money" for m in metrics):
            metrics[0] = rng.choice(money)
        # money first: workbooks anchor their totals on the first money figure
        metrics.sort(key=lambda m: m.fmt != "money")
        out.append(
            {
                "name": name,
                "code": project_code(name, codes),
                "description": _fill(desc_t, text),
                "status": rng.choice(("active", "active", "active", "planning", "at risk")),
                "key_figures": {m.label: metric_value(m, rng) for m in metrics},
            }
        )
    return out


def _literal(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _tidiness(given: object, rng: random.Random) -> float:
    drawn = round(rng.uniform(0.1, 0.95), 2)  # drawn anyway so a given value shifts nothing else
    if given is None:
        return drawn
    try:
        return min(1.0, max(0.0, float(str(given))))
    except ValueError:
        return drawn


@structured("Profile")
def profile(req: OfflineRequest) -> dict:
    rng = req.rng
    ctx = req.context or {}
    attrs = {
        str(k).lower(): v for k, v in (ctx.get("attributes") or {}).items() if v not in (None, "")
    }
    persona = str(ctx.get("persona") or "")
    reading = read_persona(persona)
    role_hint = str(attrs.get("role") or attrs.get("job_title") or attrs.get("occupation") or "")
    family = (
        infer_family(role_hint or reading.role, persona)
        if role_hint or reading.role
        else infer_family(persona)
    )
    if attrs.get("occupation_family") in FAMILIES:
        family = FAMILIES[attrs["occupation_family"]]
    family = localised(family, reading.language)
    place = reading.place or place_for(_DEFAULT_COUNTRY.get(reading.language, "United States"))
    use_locale(Locale(reading.language, place.currency))
    faker = faker_for(place.faker_locale, req.seed)
    first, last = _split_name(str(attrs.get("name") or f"{faker.first_name()} {faker.last_name()}"))
    location = _place(reading, attrs, faker)
    # local surnames for the templates' {last}: "Cabinet Girard", not "Cabinet Olsen"
    surnames = [faker.last_name() for _ in range(6)]
    partial = {"location": location, "first_name": first, "surnames": surnames}
    text = TextCtx(rng, family, partial, None, [], dt.date(2026, rng.randint(1, 12), 1))
    employer = str(attrs.get("org") or attrs.get("employer") or attrs.get("company") or "")
    employer = employer or _employer(reading, family, faker, text)
    domain = _domain_for(employer, family.tld)
    full = f"{first} {last}"
    partial.update(employer=employer)
    industry = str(attrs.get("industry") or cap_first(reading.sector))
    result = {
        "full_name": full,
        "first_name": first,
        "last_name": last,
        "email": str(attrs.get("email") or email_for(first, last, domain)),
        "job_title": titlecase(role_hint) if role_hint else _job_title(reading, family, rng),
        "department": str(attrs.get("department") or rng.choice(family.departments)),
        "employer": employer,
        "industry": industry or rng.choice(family.industries),
        "occupation_family": family.name,
        "location": location,
        "responsibilities": rng.sample(family.responsibilities, k=rng.randint(3, 5)),
        "projects": _projects(rng, family, text, reading.work),
        "collaborators": _collaborators(req, family, domain, full, text, faker),
        "tool_habits": rng.sample(family.tools, k=2) + rng.sample(COMMON_TOOLS, k=2),
        "naming_convention": str(attrs.get("naming_convention") or rng.choice(NAMING_CONVENTIONS)),
        "tidiness": _tidiness(attrs.get("tidiness"), rng),
        "writing_style": rng.choice(WRITING_STYLES),
    }
    return result


# -- FilesystemPolicy ------------------------------------------------------------------------


@structured("FilesystemPolicy")
def filesystem_policy(req: OfflineRequest) -> dict:
    rng = req.rng
    prof = (req.context or {}).get("profile") or {}
    first = ascii_slug(str(prof.get("first_name", "user"))) or "user"
    last = ascii_slug(str(prof.get("last_name", ""))) or "user"
    windows = rng.random() < 0.6
    if windows:
        home = f"C:\\Users\\{(first[0] + last)[:20]}"
    else:
        home = f"/Users/{rng.choice((first, first + last, first[0] + last))}"
    end = dt.date(2026, rng.randint(1, 11), rng.randint(1, 28))
    start = end - dt.timedelta(days=rng.randint(3, 9) * 30 + rng.randint(0, 20))
    return {
        "os_flavour": "windows" if windows else "macos",
        "home_display": home,
        "default_locations": dict(DEFAULT_LOCATIONS),
        "timeline_start": start.isoformat(),
        "timeline_end": end.isoformat(),
        "top_folders": ["Desktop", "Documents", "Downloads", "Mail", "Calendar"],
    }


# Registration side effects: the rest of the generation responders.
from studio.llm.offline import (  # noqa: E402, F401
    gen_docs,
    gen_outline,
    gen_plan,
    gen_tables,
    gen_text,
    gen_workbooks,
)
