"""The automatic detectors of the paper's failure modes and of loops, on hand-made evidence."""

from simulations.engine import detectors
from simulations.engine.detectors import DeliverableText, Feedback, PastAction


def d(key, kind, text, last=1, objective="O1"):
    return DeliverableText(
        key=key,
        objective=objective,
        kind=kind,
        path=f"{key}.{kind}",
        text=text,
        last_change_seq=last,
    )


def test_figures_are_read_with_their_labels_and_normalised():
    figures = detectors.extract_figures(
        "Total budget: $1,240,000\nHeadcount\t14\nMargin - 12.5 %\nMeet at 09:30"
    )
    assert figures == {"total budget": "1.24e+06", "headcount": "14", "margin": "12.5%"}


def test_the_same_figure_differing_within_a_package_is_flagged_but_not_across_packages():
    found = detectors.inconsistent_figures(
        [
            d("D1", "xlsx", "Total budget\t1240000"),
            d("D2", "docx", "Total budget: $1,290,000"),
            d("D3", "docx", "Total budget: $9,000", objective="O2"),
        ]
    )
    assert [s.kind for s in found] == ["inconsistent_figure"]
    assert found[0].detail["values"] == {"D1": "1.24e+06", "D2": "1.29e+06"}
    assert (
        detectors.inconsistent_figures(
            [d("D1", "xlsx", "Total budget\t1240000"), d("D2", "docx", "Total budget: $1,240,000")]
        )
        == []
    )


def test_a_workbook_left_stale_after_the_narrative_changed_a_figure():
    book = d("D1", "xlsx", "Item\tValue\nTotal budget\t1240000", last=5)
    report = d("D2", "docx", "Total budget: $1,290,000", last=9)
    diff = "--- a/D2\n+++ b/D2\n-Total budget: $1,240,000\n+Total budget: $1,290,000"
    [found] = detectors.stale_workbooks([book, report], {"D2": [(9, diff)]})
    assert (
        found.kind == "stale_workbook"
        and found.seq == 9
        and found.detail["figures"] == ["1.24e+06"]
    )
    # the workbook was updated after the edit: not stale
    fresh = d("D1", "xlsx", "Total budget\t1290000", last=12)
    assert detectors.stale_workbooks([fresh, report], {"D2": [(9, diff)]}) == []


def test_feedback_that_never_reached_the_file():
    feedback = [
        Feedback(
            message_id=3,
            sender="Dana",
            deliverable_key="D1",
            delivered_seq=40,
            corrections=[
                {"instruction": "Update the budget", "find": "3,490,000", "replace": "3,629,600"},
                {"instruction": "Add a risks section", "must_include": "Risks and dependencies"},
            ],
        )
    ]
    applied = "Budget\t3629600\n## Risks and dependencies\nsupplier delay"
    assert detectors.unapplied_feedback(feedback, {"D1": applied}) == []
    found = detectors.unapplied_feedback(feedback, {"D1": "Budget: 3,490,000"})
    assert [s.detail["correction"]["instruction"] for s in found] == [
        "Update the budget",
        "Add a risks section",
    ]
    assert detectors.unapplied_feedback(feedback, {})[0].kind == "feedback_not_applied"


def test_blank_messages_and_loops():
    [blank] = detectors.blank_messages([(1, 4, "Status", "  \n"), (2, 6, "Figures", "Use 42.")])
    assert blank.seq == 4 and "Status" in blank.message
    recent = [PastAction("read_file", '{"path": "a.docx"}', "text of a")]
    flags = detectors.turn_signals(
        action="read_file",
        arguments={"path": "a.docx"},
        observation="text of a",
        error="",
        recent=recent,
    )
    assert flags == ["loop"]
    changed = detectors.turn_signals(
        action="read_file",
        arguments={"path": "a.docx"},
        observation="new text",
        error="",
        recent=recent,
    )
    assert changed == []
    bad = detectors.turn_signals(
        action="read_file",
        arguments=None,
        observation="Error: …",
        error="the arguments … are not a valid JSON object",
        recent=[],
    )
    assert bad == ["tool_error", "invalid_arguments"]
    [loop] = detectors.loop_signal({5: ["loop"], 6: [], 9: ["loop", "tool_error"]})
    assert loop.detail["turns"] == [5, 9]
