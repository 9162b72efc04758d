"""gunicorn in production: `gunicorn wsgi:app` in this folder reads these settings.

Threaded workers: a worker serves `threads` requests at once, so a phone trickling a photo
over bad Wi-Fi ties up one thread, not the worker (four such phones used to stop four sync
workers, and the dock, until their timeout). The app receives every body whole before it
looks at the database (receiving_app/web/whole_body.py), so a slow sender holds no lock.
More slow senders than threads at once need a buffering proxy in front (see the README's
"Deploying").

The app refuses an over-long URL (414) or oversized headers (431) itself, in the API's JSON
for API clients (receiving_app/web/request_limits.py); gunicorn's own limits sit above the
app's, so that gunicorn, which can only answer in HTML, does not answer first.

Login throttling counts failed passwords in memory unless RATELIMIT_STORAGE_URI names a
shared store: each worker process would count on its own, so production refuses to start
several workers without one.
"""
import os

from config import Config, is_production

worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
threads = 16

limit_request_line = 8190  # gunicorn's maximum: a request line of 8 KiB, the app reads 4 KiB
limit_request_fields = 2 * Config.MAX_HEADER_FIELDS
limit_request_field_size = 2 * Config.MAX_HEADER_FIELD_BYTES


def on_starting(server):
    """Refuse several workers that would each keep their own login counters."""
    storage = Config.RATELIMIT_STORAGE_URI
    if is_production(Config.APP_ENV) and server.cfg.workers > 1 \
            and storage.startswith("memory://"):
        raise SystemExit(
            f"Refusing to start {server.cfg.workers} workers with in-memory login throttling: "
            "each would count failed passwords on its own. Set RATELIMIT_STORAGE_URI to a "
            "shared store (redis://...) or run one worker (WEB_CONCURRENCY=1).")
