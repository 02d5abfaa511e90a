"""The studio in headless Chromium, served by daphne, generating through a real Celery worker."""

from __future__ import annotations

import email
import email.policy
import os
import re

import openpyxl
import pytest
from docx import Document
from icalendar import Calendar
from playwright.sync_api import expect
from pptx import Presentation
from pypdf import PdfReader

from studio.models import Computer, ComputerFile, Persona, PersonaPool
from studio.templatetags.studio_files import file_url
from tests.conftest import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp/studio-screens"
# The "Loading…" row of this folder itself, not of the closed folders inside it.
OWN_PLACEHOLDER = "xpath=./details/ul/li[contains(@class, 'loading')]"
PERSONAS = (
    '{"persona": "A paediatric charge nurse who runs the night rota and medication audits."}\n'
    '{"name": "Dana Ruiz", "role": "Chief Financial Officer", "company": "Northwind Foods", '
    '"industry": "Food manufacturing"}\n'
)


@pytest.fixture
def researcher(django_user_model):
    return django_user_model.objects.create_user(
        "grace", password="pw-grace-123456", first_name="Grace", last_name="Hopper"
    )


@pytest.fixture(autouse=True)
def _screenshot_dir():
    os.makedirs(SCREENSHOTS, exist_ok=True)


@pytest.fixture
def console_errors(page):
    """Errors the page logs (CSP violations among them): the studio must produce none."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return errors


def log_in(page, base: str) -> None:
    page.goto(base + "/computers/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/computers/"))
    page.fill("input[name=username]", "grace")
    page.fill("input[name=password]", "pw-grace-123456")
    page.click("button[type=submit]")
    expect(page).to_have_url(base + "/computers/")
    expect(page.locator(".topbar .user")).to_have_text("Grace Hopper")
    expect(page.locator(".topbar .backend")).to_have_text("offline engine")


def import_pool(page, base: str, tmp_path, name: str) -> None:
    source = tmp_path / "personas.jsonl"
    source.write_text(PERSONAS)
    page.goto(base + "/pools/")
    page.fill("#import-form input[name=name]", name)
    page.set_input_files("#import-form input[name=file]", str(source))
    page.click("#import-form button[type=submit]")
    expect(page.locator(".messages")).to_contain_text(f"Imported 2 persona(s) into {name}")
    expect(page.locator("table.personas")).to_contain_text("Northwind Foods")


def visible_text(page, selector: str) -> str:
    return " ".join(page.locator(selector).all_inner_texts())


def squash(text: str) -> str:
    return " ".join(text.split())


def test_browse_a_generated_computer(live_studio, page, researcher, tmp_path, console_errors):
    base = live_studio
    log_in(page, base)
    import_pool(page, base, tmp_path, "browser-nurses")

    # Generate one computer from the nurse persona, from the pool's persona list.
    nurse = Persona.objects.get(pool__name="browser-nurses", text__contains="charge nurse")
    page.fill("#persona-generate input[name=target_files]", "40")
    page.click(f"#persona-generate button[name=persona][value='{nurse.pk}']")
    expect(page.locator(".messages")).to_contain_text("queued for generation")
    computer = Computer.objects.get(persona=nurse)
    expect(page).to_have_url(f"{base}/computers/{computer.pk}/")
    # The status panel updates live (htmx polling) and the page reloads itself when ready.
    expect(page.locator("#tree")).to_be_visible(timeout=120_000)
    computer.refresh_from_db()
    assert computer.state == "ready", computer.error
    expect(page.locator("h1")).to_contain_text(computer.display_name)
    expect(page.locator("aside.profile")).to_contain_text(
        computer.profile["collaborators"][0]["name"]
    )

    # The tree: root level only until a folder is opened, then its children arrive.
    deepest = (
        ComputerFile.objects.filter(computer=computer, scope="home").order_by("-depth").first()
    )
    top = deepest.path.split("/")[0]
    assert page.locator(f"#tree a[href$='{deepest.name.replace(' ', '%20')}']").count() == 0
    folder = page.locator("#tree > li.folder").filter(
        has=page.locator(f"summary .name:text-is('{top}')")
    )
    folder.locator("summary .name").first.click()
    expect(folder.locator(OWN_PLACEHOLDER)).to_have_count(0)
    expect(folder.locator("ul.tree > li").first).to_be_visible()
    second = deepest.path.split("/")[1]
    if "/" in deepest.path.removeprefix(top + "/"):
        sub = folder.locator("li.folder").filter(
            has=page.locator(f"summary .name:text-is('{second}')")
        )
        sub.locator("summary .name").first.click()
        expect(sub.locator(OWN_PLACEHOLDER)).to_have_count(0)
        expect(sub.locator("ul.tree > li").first).to_be_visible()
    page.screenshot(path=f"{SCREENSHOTS}/computer.png", full_page=True)

    # One file of each kind, checked against what the file itself holds.
    # The user's own files first; a kind only a collaborator has is shown from their folder.
    files = {
        f.kind: f for f in ComputerFile.objects.filter(computer=computer).order_by("scope", "size")
    }
    # The seed is drawn at random, so a 40-file computer may lack one of the rarest plain-text
    # kinds (csv is 5.5 % of the mix); the Office kinds, mail and calendar are always there.
    assert {"docx", "xlsx", "pptx", "pdf", "eml", "ics"} <= set(files), sorted(files)
    plain_text = [kind for kind in ("md", "csv", "txt") if kind in files]
    assert len(plain_text) >= 2, sorted(files)

    def open_file(f):
        page.goto(base + file_url(f))
        expect(page.locator(".file-head h1")).to_contain_text(f.name)
        assert page.locator(".preview-error").count() == 0, visible_text(page, ".preview-error")
        page.screenshot(path=f"{SCREENSHOTS}/file-{f.kind}.png")

    f = files["docx"]
    open_file(f)
    heading = next(
        p.text
        for p in Document(f.disk_path).paragraphs
        if p.text.strip() and p.style.name.startswith(("Heading", "Title"))
    )
    expect(page.locator("article.docx")).to_contain_text(heading.strip())

    f = files["xlsx"]
    open_file(f)
    book = openpyxl.load_workbook(f.disk_path)
    formula = next(
        c.value
        for ws in book.worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith("=")
    )
    cell = page.locator("td.formula").filter(has=page.get_by_text(formula, exact=True)).first
    expect(cell).to_be_visible()
    value = cell.locator(".value").inner_text().strip()
    assert value and not value.startswith("="), value
    page.screenshot(path=f"{SCREENSHOTS}/xlsx.png", full_page=False)

    f = files["pptx"]
    open_file(f)
    deck = Presentation(f.disk_path)
    slide = deck.slides[1]
    expect(page.locator("#slide-2 h3")).to_have_text(slide.shapes.title.text_frame.text)
    # Drawn as a slide: a card in the deck's proportions, its bullets and tables inside.
    card = page.locator("#slide-2 .slide-card").bounding_box()
    ratio = deck.slide_width / deck.slide_height
    assert abs(card["width"] / card["height"] - ratio) < 0.15 * ratio, (card, ratio)
    tables = [s for s in deck.slides for shape in s.shapes if shape.has_table]
    if tables:
        number = list(deck.slides).index(tables[0]) + 1
        expect(page.locator(f"#slide-{number} .slide-card table.slide-table")).to_be_visible()
    notes = slide.notes_slide.notes_text_frame.text if slide.has_notes_slide else ""
    if notes:
        expect(page.locator("#slide-2 .notes")).to_contain_text(squash(notes)[:60])

    reply = (
        ComputerFile.objects.filter(
            computer=computer, kind="eml", depends_on__relation="replies_to"
        ).first()
        or files["eml"]
    )
    open_file(reply)
    with open(reply.disk_path, "rb") as handle:
        message = email.message_from_binary_file(handle, policy=email.policy.default)
    expect(page.locator(".email-headers .subject")).to_have_text(str(message["Subject"]))
    expect(page.locator(".email-headers")).to_contain_text(str(message["Message-ID"]))
    if message["In-Reply-To"]:
        parent = reply.depends_on.get(relation="replies_to").target
        expect(page.locator("#thread")).to_contain_text(parent.title)
        assert page.locator("#thread li").count() >= 2

    f = files["ics"]
    open_file(f)
    event = next(iter(Calendar.from_ical(f.disk_path.read_bytes()).walk("VEVENT")))
    expect(page.locator("table.agenda")).to_contain_text(str(event["SUMMARY"]))

    f = files["pdf"]
    open_file(f)
    reader = PdfReader(f.disk_path)
    first_words = squash(reader.pages[0].extract_text())[:40]
    # Each page a page-shaped card (portrait A4 or letter) holding that page's text.
    expect(page.locator("li.pdf-page")).to_have_count(len(reader.pages))
    first = page.locator("#page-1")
    assert first_words[:20] in squash(first.inner_text())
    box = first.bounding_box()
    assert 1.2 < box["height"] / box["width"] < 1.5, box
    page.screenshot(path=f"{SCREENSHOTS}/file-pdf-pages.png", full_page=True)

    for kind in plain_text:
        f = files[kind]
        open_file(f)
        text = f.disk_path.read_text(encoding="utf-8")
        if kind == "md":
            title = next(
                line.lstrip("# ").strip() for line in text.splitlines() if line.startswith("#")
            )
            expect(page.locator("article.md")).to_contain_text(title)
        elif kind == "csv":
            expect(page.locator("table.csv thead")).to_contain_text(
                text.splitlines()[0].split(",")[0].strip('"')
            )
        else:
            expect(page.locator("pre.text")).to_contain_text(text.splitlines()[0].strip())

    # Download the original: the same bytes as on disk.
    f = files["xlsx"]
    open_file(f)
    with page.expect_download() as info:
        page.click("#download")
    saved = tmp_path / "download.xlsx"
    info.value.save_as(saved)
    assert info.value.suggested_filename == f.name
    assert saved.read_bytes() == f.disk_path.read_bytes()

    # Search the computer's files from its page; "/" focuses the box.
    page.goto(f"{base}/computers/{computer.pk}/")
    word = max(files["docx"].text.split(), key=len)
    page.keyboard.press("/")
    page.keyboard.type(word)
    page.keyboard.press("Enter")
    expect(page.locator("#search-summary")).to_contain_text("matching")
    expect(page.locator("ol.hits")).to_contain_text(files["docx"].path)
    expect(page.locator("ol.hits mark").first).to_be_visible()
    page.screenshot(path=f"{SCREENSHOTS}/search.png")
    page.goto(base + "/")
    expect(page.locator(".counts")).to_contain_text("computers")
    page.screenshot(path=f"{SCREENSHOTS}/home.png", full_page=True)

    assert console_errors == []


def test_batch_progress_is_live_on_the_computers_page(
    live_studio, page, researcher, tmp_path, console_errors
):
    base = live_studio
    log_in(page, base)
    import_pool(page, base, tmp_path, "browser-batch")
    page.goto(base + "/computers/")
    pool = PersonaPool.objects.get(name="browser-batch")
    page.select_option("#batch-form select[name=pool]", value=str(pool.pk))
    page.fill("#batch-form input[name=count]", "2")
    page.fill("#batch-form input[name=target_files]", "8")
    page.click("#batch-form button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("2 computer(s) from browser-batch queued")
    ids = list(Computer.objects.filter(pool__name="browser-batch").values_list("pk", flat=True))
    assert len(ids) == 2
    # Without reloading, the jobs panel (polled by htmx) ends up listing both as finished.
    for pk in ids:
        expect(page.locator(f"#jobs #job-{pk} .badge")).to_have_text("ready", timeout=120_000)
    expect(page.locator("#jobs")).to_have_attribute("data-polling", "off")
    page.screenshot(path=f"{SCREENSHOTS}/computers.png", full_page=True)
    wait_until(lambda: Computer.objects.filter(pk__in=ids, state="ready").count() == 2, timeout=5)
    assert console_errors == []
