"""Entry point for gunicorn (`gunicorn wsgi:app`) and the flask CLI (`flask --app wsgi`)."""
from receiving_app import create_app
from receiving_app.evidence.memory import return_freed_memory

# The process's own setting, made where the process is: freed photo pixels go back to the
# system, so a worker stays within its photo ceiling (receiving_app/evidence/memory.py).
return_freed_memory()
app = create_app()
