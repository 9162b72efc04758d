"""The one place that decides between a full page and an htmx fragment."""
from flask import make_response, render_template, request


def is_htmx() -> bool:
    # A history restore asks for the whole page even though htmx sent it.
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(page: str, fragment: str, status: int = 200, **context):
    """Render `fragment` alone for htmx, else `page` (which includes the fragment)."""
    response = make_response(render_template(fragment if is_htmx() else page, **context), status)
    response.vary.add("HX-Request")
    return response
