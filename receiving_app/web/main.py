"""The landing page: send each role to its home; the phone app's manifest and service worker."""
import hashlib
import json
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, current_app, jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..models import Role

bp = Blueprint("main", __name__)

HOME = {
    Role.DOCK: "dock.index",
    Role.SUPERVISOR: "review.index",
    Role.ADMIN: "review.index",
    Role.SELLER: "seller.index",
}


@bp.get("/")
@login_required
def index():
    """Redirect to the home page of the user's role."""
    return redirect(url_for(HOME[current_user.role]))


@bp.get("/healthz")
def healthz():
    """Liveness for the load balancer and the benchmark floor: no database, no session."""
    return {"status": "ok"}


# The phone app: manifest, service worker and the page it shows without a network.

# What the service worker keeps for a phone without a network (paths under static/).
SHELL_STATIC = (
    "app.css", "phone.css", "app.js", "queue.js", "camera.js",
    "vendor/htmx-2.0.11.min.js", "vendor/idb-keyval-6.3.0.umd.js",
    "vendor/zxing-wasm-3.1.4.reader.js", "vendor/zxing-wasm-3.1.4.reader.wasm",
    "icons/icon-192.png", "icons/icon-512.png", "icons/icon-maskable-512.png",
)
THEME_COLOR = "#0b3d5c"  # --brand in app.css


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest: what a phone needs to install Dockside on its home screen."""
    response = jsonify(_manifest())
    response.mimetype = "application/manifest+json"
    response.cache_control.public = True
    response.cache_control.no_cache = True
    return response


def _icon(name: str, size: int, purpose: str) -> dict:
    return {"src": url_for("static", filename=f"icons/{name}"), "sizes": f"{size}x{size}",
            "type": "image/png", "purpose": purpose}


def _manifest() -> dict:
    return {
        "name": "Dockside receiving",
        "short_name": "Dockside",
        "description": "Scan, count and photograph inbound cartons at the dock.",
        "id": url_for("dock.index"),
        "start_url": url_for("dock.index"),
        "scope": url_for("main.index"),
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOR,
        "background_color": "#f4f6f8",
        "icons": [_icon("icon-192.png", 192, "any"), _icon("icon-512.png", 512, "any"),
                  _icon("icon-maskable-512.png", 512, "maskable")],
    }


@bp.get("/offline")
def offline():
    """What the service worker shows for a page it cannot fetch and has no copy of."""
    return render_template("offline.html")


@bp.get("/sw.js")
def service_worker():
    """The service worker, served from the root so that it controls every page.

    Its first lines name the app shell and a version made from the shell's content, so
    any change to a shell file changes the script, and the phone installs the new worker
    (which drops the old cache) on its next visit.
    """
    config = {
        "version": _shell_version(),
        "shell": [url_for("main.offline"), url_for("main.manifest")] + [
            url_for("static", filename=name) for name in SHELL_STATIC],
        "offline": url_for("main.offline"),
        "static": url_for("static", filename=""),
        # dock pages are kept for a reload without network, until the worker logs out
        "pages": url_for("dock.index"),
        "logout": url_for("auth.logout"),
    }
    prelude = f"const CONFIG = {json.dumps(config)};\n"
    script = Path(current_app.static_folder, "sw.js").read_text(encoding="utf-8")
    response = current_app.response_class(prelude + script, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = url_for("main.index")
    # The browser checks for a new worker on every visit; no cache may answer for it.
    response.cache_control.public = True
    response.cache_control.no_cache = True
    return response


def _shell_version() -> str:
    static = Path(current_app.static_folder)
    files = [static / name for name in SHELL_STATIC] + [
        static / "sw.js", Path(current_app.template_folder, "offline.html")]
    stamp = tuple((str(path), path.stat().st_mtime_ns, path.stat().st_size) for path in files)
    return _digest(stamp, json.dumps(_manifest(), sort_keys=True))


@lru_cache(maxsize=8)
def _digest(stamp: tuple, manifest_json: str) -> str:
    """A short hash of the shell files' bytes; cached while no file changes."""
    digest = hashlib.sha256(manifest_json.encode())
    for path, _mtime, _size in stamp:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:12]
