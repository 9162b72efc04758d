"""Bodies are received whole before the app sees the request (ReceiveWholeBody)."""
import io

from flask import Flask, request
from werkzeug.test import EnvironBuilder, run_wsgi_app

from receiving_app.web.whole_body import IN_MEMORY_BYTES, ReceiveWholeBody

LIMIT = 4 * IN_MEMORY_BYTES


class Recorder:
    """A stand-in app that reads the body as Flask would, and says what it got."""

    def __init__(self):
        self.flask = Flask(__name__)
        self.flask.config["MAX_CONTENT_LENGTH"] = LIMIT
        self.calls = 0

        @self.flask.post("/")
        def echo():
            self.calls += 1
            return str(len(request.get_data()))

    def serve(self, environ) -> tuple[str, bytes]:
        wrapped = ReceiveWholeBody(self.flask.wsgi_app, LIMIT)
        app_iter, status, _ = run_wsgi_app(wrapped, environ)
        return status, b"".join(app_iter)


def environ(body: bytes, *, declared: int | None = None, chunked: bool = False) -> dict:
    """A POST as gunicorn hands it over: `declared` is its Content-Length when it is not
    the body's own; a chunked one has none."""
    result = EnvironBuilder(method="POST", path="/", input_stream=io.BytesIO(body)).get_environ()
    result["wsgi.input_terminated"] = True  # as gunicorn says
    result["CONTENT_LENGTH"] = str(len(body) if declared is None else declared)
    if chunked:
        del result["CONTENT_LENGTH"]
        result["HTTP_TRANSFER_ENCODING"] = "chunked"
    return result


def test_a_body_reaches_the_app_whole_however_large_up_to_the_limit():
    body = b"x" * (2 * IN_MEMORY_BYTES + 5)  # past the in-memory part: a temporary file
    status, answer = Recorder().serve(environ(body))
    assert status == "200 OK" and answer == str(len(body)).encode()


def test_a_chunked_body_reaches_the_app_whole_with_its_length():
    status, answer = Recorder().serve(environ(b"a chunked ASN", chunked=True))
    assert status == "200 OK" and answer == b"13"


def test_a_body_that_ends_before_its_length_never_reaches_the_app():
    recorder = Recorder()
    status, _ = recorder.serve(environ(b"half a photo", declared=1000))
    assert status.startswith("400") and recorder.calls == 0


def test_a_body_over_the_limit_is_refused_unread_or_one_byte_past_it():
    declared, chunked = Recorder(), Recorder()
    status, _ = declared.serve(environ(b"", declared=LIMIT + 1))
    assert status.startswith("413")
    status, _ = chunked.serve(environ(b"y" * (LIMIT + 100), chunked=True))
    assert status.startswith("413")
