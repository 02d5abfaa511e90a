import os

# Playwright's sync API keeps an event loop running in the test thread for the whole session
# (the chromium fixture is session-scoped), and Django refuses ORM calls from a thread with a
# running loop. The tests' ORM calls are plain synchronous code, so the check is a false alarm.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
