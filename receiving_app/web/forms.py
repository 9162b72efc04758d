"""The pages' forms: filled from what a browser posts, never from a JSON body."""
from flask import request
from flask_wtf import FlaskForm


class PageForm(FlaskForm):
    """A form of a page. Flask-WTF fills a form from a JSON body too, and a body that is
    not an object of strings (a number, a list, nesting past the parser's depth) crashed
    it; no page posts JSON, so such a body leaves the form empty (refused as incomplete)."""

    def __init__(self, *args, **kwargs):
        if not args and "formdata" not in kwargs and request.is_json:
            kwargs["formdata"] = None
        super().__init__(*args, **kwargs)
