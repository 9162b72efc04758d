"""gunicorn in production: `gunicorn wsgi:app` in this folder reads these settings.

Threaded workers: a worker serves `threads` requests at once, so a phone trickling a photo
over bad Wi-Fi ties up one thread, not the worker (four such phones used to stop four sync
workers, and the dock, until their timeout). The app receives every body whole before it
looks at the database (receiving_app/web/whole_body.py), so a slow sender holds no lock.
More slow senders than threads at once need a buffering proxy in front (see the README's
"Deploying").
"""
import os

worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
threads = 16
