"""The computers domain (app label "studio"); the Django project's wiring is in studio/project/."""
