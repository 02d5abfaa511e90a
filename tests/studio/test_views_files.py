import io
import os
import zipfile

import pytest
from django.urls import reverse

from studio.models import ComputerFile
from tests.studio.builders import Spec, build_computer, make_pool

pytestmark = pytest.mark.django_db

FILE_VIEWS = ["studio-file-detail", "studio-file-preview", "studio-file-download"]


def view(client, computer, path):
    return client.get(reverse("studio-file-detail", args=[computer.pk, path]))


def preview_html(response) -> str:
    page = response.content.decode()
    start = page.index('<section class="preview-pane">')
    return page[start : page.index("<aside>", start)]


def test_docx_is_html(auth_client, computer):
    response = view(auth_client, computer, "Documents/Reports/2024-03 Ward Report.docx")
    assert response.status_code == 200
    pane = preview_html(response)
    assert "<h1>Quarterly Ward Report</h1>" in pane
    assert "<li>Night rota stable</li>" in pane
    assert "Rainbow" in pane and "<table>" in pane


def test_xlsx_shows_formulas_and_their_values_sheet_by_sheet(auth_client, computer):
    pane = preview_html(view(auth_client, computer, "Documents/Finance/Budget 2024.xlsx"))
    assert pane.count('class="sheet-name"') == 2
    assert '<span class="value">100</span><code>=B2*C2</code>' in pane
    assert '<span class="value">90</span><code>=B3*C3</code>' in pane
    assert '<span class="value">190</span><code>=SUM(Budget!D2:D3)</code>' in pane


def test_pptx_slide_by_slide_with_notes(auth_client, computer):
    pane = preview_html(view(auth_client, computer, "Documents/Presentations/Audit Kickoff.pptx"))
    assert "<h3>Why we audit</h3>" in pane and "<li>Missed doses</li>" in pane
    assert "Speaker notes:</strong> Mention the 14 missed doses first." in pane
    assert pane.index("Why we audit") < pane.index("Next steps")


def test_eml_headers_body_and_thread(auth_client, computer):
    response = view(auth_client, computer, "Mail/Re Rota question.eml")
    pane = preview_html(response)
    assert "Ada Lovelace &lt;ada@elsewhere.example&gt;" in pane
    assert "<th>In-Reply-To</th><td>&lt;m1.ada@elsewhere.example&gt;" in pane
    assert "Yes, I can cover Friday." in pane
    # The rest of the thread: the message it replies to, with its body.
    assert [f.name for f in response.context["thread"]] == [
        "Rota question.eml",
        "Re Rota question.eml",
    ]
    assert "Can you cover Friday night?" in pane


def test_eml_thread_found_by_headers_when_not_linked(auth_client, computer):
    from studio.models import FileEdge

    FileEdge.objects.filter(computer=computer).delete()
    response = view(auth_client, computer, "Mail/Rota question.eml")
    assert [f.name for f in response.context["thread"]] == [
        "Rota question.eml",
        "Re Rota question.eml",
    ]


def test_ics_agenda(auth_client, computer):
    pane = preview_html(view(auth_client, computer, "Calendar/ward.ics"))
    assert "2024-03-06 09:30" in pane and "<strong>Audit review</strong>" in pane
    assert "Room 4" in pane


def test_md_rendered_and_sanitised(auth_client, computer):
    pane = preview_html(view(auth_client, computer, "Notes/handover.md"))
    assert "<h1>Handover notes</h1>" in pane and "<strong>12</strong>" in pane
    assert "<script" not in pane and "javascript:" not in pane


def test_csv_txt_and_pdf(auth_client, computer):
    csv_pane = preview_html(view(auth_client, computer, "Data/obs export.csv"))
    assert "<th>Bed</th><th>Pulse</th>" in csv_pane and "<td>92</td>" in csv_pane
    txt_pane = preview_html(view(auth_client, computer, "todo.txt"))
    assert '<pre class="text">Order more syringes\nCall pharmacy' in txt_pane
    pdf_pane = preview_html(view(auth_client, computer, "Documents/Reports/Policy.pdf"))
    assert "Double-check every controlled drug." in pdf_pane


def test_file_page_shows_metadata_and_links(auth_client, computer):
    response = view(auth_client, computer, "Mail/Re Rota question.eml")
    page = response.content.decode()
    row = ComputerFile.objects.get(computer=computer, path="Mail/Re Rota question.eml")
    assert row.sha256 in page and "2024-03-04 12:30" in page and "(synthetic)" in page
    assert "replies_to" in page
    assert reverse("studio-file-download", args=[computer.pk, row.path]) in page
    # Breadcrumbs link the folders.
    assert reverse("studio-computer-tree", args=[computer.pk, "Mail"]) in page


def test_download_is_the_original_bytes_as_attachment(auth_client, computer):
    path = "Documents/Finance/Budget 2024.xlsx"
    response = auth_client.get(reverse("studio-file-download", args=[computer.pk, path]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Budget 2024.xlsx" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == (computer.home / path).read_bytes()


def test_collaborator_file_is_marked_and_served_from_its_own_folder(auth_client, computer):
    url = reverse(
        "studio-private-file-detail", args=[computer.pk, "grace-hopper", "Shared/benchmark.xlsx"]
    )
    page = auth_client.get(url).content.decode()
    assert "not on the user's computer" in page
    assert "Planted error (hidden from the worker): rate is 10x too high" in page
    assert "Rainbow" in page
    download = auth_client.get(
        reverse(
            "studio-private-file-download",
            args=[computer.pk, "grace-hopper", "Shared/benchmark.xlsx"],
        )
    )
    disk = computer.private_root / "grace-hopper" / "Shared" / "benchmark.xlsx"
    assert b"".join(download.streaming_content) == disk.read_bytes()
    # Not reachable as a file of the user's own computer, nor under another owner.
    assert view(auth_client, computer, "Shared/benchmark.xlsx").status_code == 404
    wrong = reverse(
        "studio-private-file-detail", args=[computer.pk, "alan-turing", "Shared/benchmark.xlsx"]
    )
    assert auth_client.get(wrong).status_code == 404


# -- hostile and broken files ------------------------------------------------------------


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _docx_with_javascript_link() -> bytes:
    from docx import Document
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml.ns import qn
    from docx.oxml.parser import OxmlElement

    document = Document()
    document.add_heading("Hostile document", level=1)
    paragraph = document.add_paragraph("<script>alert('in text')</script> ")
    rel = paragraph.part.relate_to(
        "javascript:alert(1)", RELATIONSHIP_TYPE.HYPERLINK, is_external=True
    )
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "click me"
    run.append(text)
    link.append(run)
    paragraph._p.append(link)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def hostile(user):
    pool = make_pool(name="hostile", owner=user)
    zeros = b"\0" * (20 * 1024 * 1024)
    entity_bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><w:document>&lol2;</w:document>'
    )
    return build_computer(
        pool=pool,
        specs=[
            Spec("evil.docx", "docx", raw=_docx_with_javascript_link()),
            Spec(
                "bomb.xlsx",
                "xlsx",
                raw=_zip({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": zeros}),
            ),
            Spec("entities.docx", "docx", raw=_zip({"word/document.xml": entity_bomb})),
            Spec("garbage.pptx", "pptx", raw=os.urandom(4096)),
            Spec("garbage.eml", "eml", raw=b"\xff\xfe\x00not mail at all" * 10),
            Spec("big.txt", "txt", raw=b"line of text\n" * 30_000),
            Spec("evil.csv", "csv", raw=b'name,link\n"<img src=x onerror=alert(1)>",x\n'),
        ],
    )


def test_hostile_docx_is_sanitised(auth_client, hostile):
    pane = preview_html(view(auth_client, hostile, "evil.docx"))
    assert "Hostile document" in pane and "click me" in pane
    assert "javascript:" not in pane and "<script" not in pane
    assert "&lt;script&gt;" in pane  # the text is shown as text


@pytest.mark.parametrize(
    "path, message",
    [
        ("bomb.xlsx", "possible zip bomb"),
        ("entities.docx", "declares a DTD"),
        ("garbage.pptx", "not a valid .pptx file"),
    ],
)
def test_bombs_and_broken_office_files_fail_with_a_clear_message(
    auth_client, hostile, path, message
):
    response = view(auth_client, hostile, path)
    assert response.status_code == 200
    pane = preview_html(response)
    assert 'class="preview-error"' in pane and message in pane
    assert "The original can still be downloaded." in pane


def test_broken_mail_does_not_break_the_page(auth_client, hostile):
    response = view(auth_client, hostile, "garbage.eml")
    assert response.status_code == 200


def test_large_text_is_truncated_with_a_note(auth_client, hostile):
    pane = preview_html(view(auth_client, hostile, "big.txt"))
    assert "Showing the first 200,000 characters." in pane
    assert pane.count("line of text") < 30_000


def test_csv_cells_are_escaped(auth_client, hostile):
    pane = preview_html(view(auth_client, hostile, "evil.csv"))
    assert "<img" not in pane and "&lt;img src=x onerror=alert(1)&gt;" in pane


# -- paths that must not work ------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "Documents/../../../../etc/passwd",
        "Documents/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/etc/passwd",
        "..",
        "Documents/Reports",  # a folder, not a file
        "nothing/here.txt",
    ],
)
@pytest.mark.parametrize("name", FILE_VIEWS)
def test_bad_paths_are_404(auth_client, computer, raw, name):
    url = reverse(name, args=[computer.pk, "x"]).removesuffix("x") + raw
    assert auth_client.get(url).status_code == 404


@pytest.mark.parametrize("name", FILE_VIEWS)
def test_unindexed_file_on_disk_is_404(auth_client, computer, name):
    (computer.home / "Documents" / "unindexed.txt").write_text("not in the index")
    url = reverse(name, args=[computer.pk, "Documents/unindexed.txt"])
    assert auth_client.get(url).status_code == 404


@pytest.mark.parametrize("name", FILE_VIEWS)
def test_symlinked_file_is_404_even_when_indexed(auth_client, computer, tmp_path, name):
    secret = tmp_path / "secret.txt"
    secret.write_text("the server's secret")
    os.symlink(secret, computer.home / "Documents" / "link.txt")
    ComputerFile.objects.create(
        computer=computer,
        key="link",
        path="Documents/link.txt",
        folder="Documents",
        name="link.txt",
        kind="txt",
        mtime="2024-01-01T00:00Z",
    )
    response = auth_client.get(reverse(name, args=[computer.pk, "Documents/link.txt"]))
    assert response.status_code == 404
    assert b"secret" not in response.content


def test_symlinked_folder_is_404(auth_client, computer, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "handover.md").write_text("# stolen")
    notes = computer.home / "Notes"
    for child in notes.iterdir():
        child.unlink()
    notes.rmdir()
    os.symlink(outside, notes)
    for name in FILE_VIEWS:
        assert (
            auth_client.get(reverse(name, args=[computer.pk, "Notes/handover.md"])).status_code
            == 404
        )


def test_symlinked_home_is_404(auth_client, computer, tmp_path):
    moved = tmp_path / "real-home"
    computer.home.rename(moved)
    os.symlink(moved, computer.home)
    assert view(auth_client, computer, "todo.txt").status_code == 404


def test_indexed_file_missing_from_disk_is_404(auth_client, computer):
    (computer.home / "todo.txt").unlink()
    assert view(auth_client, computer, "todo.txt").status_code == 404
    url = reverse("studio-file-download", args=[computer.pk, "todo.txt"])
    assert auth_client.get(url).status_code == 404


# -- who may look ------------------------------------------------------------------------


@pytest.mark.parametrize("name", FILE_VIEWS)
def test_another_users_private_computer_is_404(auth_client, private_computer, name):
    url = reverse(name, args=[private_computer.pk, "todo.txt"])
    assert auth_client.get(url).status_code == 404
    private = reverse(
        name.replace("studio-file", "studio-private-file"),
        args=[private_computer.pk, "grace-hopper", "Shared/benchmark.xlsx"],
    )
    assert auth_client.get(private).status_code == 404


def test_anonymous_is_sent_to_login(client, computer):
    for name in FILE_VIEWS:
        response = client.get(reverse(name, args=[computer.pk, "todo.txt"]))
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_wrong_method(auth_client, computer):
    for name in FILE_VIEWS:
        assert auth_client.post(reverse(name, args=[computer.pk, "todo.txt"])).status_code == 405


# -- big files: the page first, the preview after -----------------------------------------


@pytest.fixture
def big_docx_computer(user):
    from docx import Document

    document = Document()
    document.add_heading("Annual handbook", level=1)
    for n in range(1500):
        document.add_paragraph(f"Paragraph {n}: " + os.urandom(300).hex())
    buffer = io.BytesIO()
    document.save(buffer)
    pool = make_pool(name="big-docs", owner=user)
    return build_computer(pool=pool, specs=[Spec("Handbook.docx", "docx", raw=buffer.getvalue())])


def test_big_office_file_page_comes_first_and_fetches_its_preview(auth_client, big_docx_computer):
    computer = big_docx_computer
    assert computer.files.get().size > 512 * 1024
    response = view(auth_client, computer, "Handbook.docx")
    pane = preview_html(response)
    preview_url = reverse("studio-file-preview", args=[computer.pk, "Handbook.docx"])
    assert f'hx-get="{preview_url}" hx-trigger="load"' in pane
    assert "Annual handbook" not in pane and "preview" not in response.context
    part = auth_client.get(preview_url)
    assert part.status_code == 200
    assert "<h1>Annual handbook</h1>" in part.content.decode()
    assert "<html" not in part.content.decode()  # a fragment, not a page


def test_previews_are_reused_until_the_file_changes(auth_client, computer):
    from studio.services.files import file_preview

    row = ComputerFile.objects.get(computer=computer, path="todo.txt")
    first = file_preview(file=row)
    assert file_preview(file=row) is first
    (computer.home / "todo.txt").write_text("Something else entirely\n")
    changed = file_preview(file=row)
    assert changed is not first and "Something else entirely" in changed.preview.text
