"""The production app plus one test-only fault: a request carrying `X-Test-Crash:
before-commit` flushes its writes, tells the test its worker's pid, and stops just before
COMMIT, so the test can SIGKILL the worker at the worst moment. Never imported by the app."""
import os
import time

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from receiving_app import create_app
from receiving_app.evidence.memory import return_freed_memory

return_freed_memory()  # as wsgi.py does
app = create_app()
MARKER = os.environ["CRASH_MARKER"]


@event.listens_for(Session, "before_commit")
def stop_before_commit(session):
    if has_request_context() and request.headers.get("X-Test-Crash") == "before-commit":
        session.flush()  # every write of the use case is now in the open transaction
        with open(MARKER, "w") as marker:
            marker.write(str(os.getpid()))
        time.sleep(120)
