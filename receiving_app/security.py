"""Security headers on every response, and login throttling."""
from flask import Flask, Response, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from config import is_production

# No inline script or style anywhere, no eval: htmx runs with allowEval=false and
# includeIndicatorStyles=false. 'wasm-unsafe-eval' lets the camera's barcode reader
# compile its WebAssembly; it does not allow JavaScript eval.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "connect-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "font-src 'self'",
    "form-action 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
])
HSTS = "max-age=31536000; includeSubDomains"

limiter = Limiter(key_func=get_remote_address, default_limits=[])
# What is throttled (the limits are on the views); every other request skips the
# limiter's bookkeeping, which cost every scan for nothing (docs/benchmarks.md).
THROTTLED_ENDPOINTS = frozenset({"auth.login"})


@limiter.request_filter
def _not_throttled() -> bool:
    return request.endpoint not in THROTTLED_ENDPOINTS


def init_security(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    limiter.init_app(app)
    strict_transport = is_production(app.config["APP_ENV"])

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        headers["X-Frame-Options"] = "DENY"
        headers["Permissions-Policy"] = "camera=(self), microphone=(), geolocation=()"
        if strict_transport:
            headers["Strict-Transport-Security"] = HSTS
        # Pages, API answers and evidence belong to one user: never to a shared cache.
        if request.endpoint != "static" and not response.cache_control.private \
                and not response.cache_control.public:
            response.cache_control.no_store = True
            response.cache_control.private = True
        return response


def login_account_key() -> str:
    """Throttle by the account being tried, whoever tries it."""
    return "login-account:" + (request.form.get("username") or "").strip().lower()


def failed_login(response: Response) -> bool:
    """Only failed attempts count against the limits."""
    return response.status_code != 302
