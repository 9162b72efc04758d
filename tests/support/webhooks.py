"""A real webhook receiver: an HTTP server on 127.0.0.1 in a thread, answering from a script."""
import http.server
import json
import threading
from collections import Counter
from dataclasses import dataclass

import pytest


@dataclass
class Received:
    headers: dict
    body: bytes

    @property
    def event(self) -> dict:
        return json.loads(self.body)


class Receiver:
    """Records every POST; answers 500 to the first `fail_first` tries of each event id, then
    200. `accepted` lists the event ids it answered 200, in order."""

    def __init__(self, fail_first: int = 0):
        self.fail_first = fail_first
        self.requests: list[Received] = []
        self.accepted: list[str] = []
        self._tries: Counter = Counter()
        self._lock = threading.Lock()
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/hooks/dockside"

    def start(self) -> "Receiver":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, headers: dict, body: bytes) -> int:
        with self._lock:
            received = Received(headers, body)
            self.requests.append(received)
            event_id = received.event["id"]
            self._tries[event_id] += 1
            if self._tries[event_id] <= self.fail_first:
                return 500
            self.accepted.append(event_id)
            return 200

    def _handler(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = receiver._answer(dict(self.headers), body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):  # keep the test output clean
                pass

        return Handler


@pytest.fixture
def receivers():
    """Start receivers with `receivers(fail_first=n)`; all are stopped after the test."""
    started: list[Receiver] = []

    def start(fail_first: int = 0) -> Receiver:
        started.append(Receiver(fail_first).start())
        return started[-1]

    yield start
    for receiver in started:
        receiver.stop()
