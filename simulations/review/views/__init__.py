"""The review pages, by area: lists and the dashboard, annotating, looking back (time travel,
compare), export and archives, learning (skill documents)."""
