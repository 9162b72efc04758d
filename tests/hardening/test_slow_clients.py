"""Phones on bad Wi-Fi and slow ERP links: requests whose bodies trickle in do not stop the
dock. gunicorn runs as production runs it (gunicorn.conf.py) on a SQLite copy of the demo."""
import socket
import threading
import time

import httpx
import pytest
import sqlalchemy as sa

from receiving_app.accounts import create_api_token
from receiving_app.extensions import db
from receiving_app.models import Asn
from tests.conftest import make_app
from tests.support.builders import arrived, user
from tests.support.production_server import copy_of, production_environment, production_server

# Four slow clients held all four sync workers until their timeout.
SLOW_SENDERS = 8
TRICKLE_EVERY_S = 0.2
# A scan takes milliseconds; a dock waiting on a slow sender waits for its whole body, or
# (on SQLite) for the write lock it holds: 5 s for the turn, 5 s of busy timeout.
SCAN_ANSWERED_WITHIN_S = 4


@pytest.fixture
def served(sqlite_demo_template, tmp_path):
    """The demo with ASN-ACME-0001 checked in, tokens for the dock and ACME's ERP, served."""
    database = copy_of(sqlite_demo_template, tmp_path)
    app = make_app(f"sqlite:///{database}", tmp_path)
    with app.app_context():
        asn = arrived(db.session.scalar(sa.select(Asn).where(Asn.number == "ASN-ACME-0001")))
        labels = [carton.label for carton in asn.cartons]
        tokens = {name: create_api_token(user(name)) for name in ("dock", "acme")}
        db.session.remove()
        db.engine.dispose()
    with production_server(production_environment(database, tmp_path),
                           tmp_path / "gunicorn.log") as url:
        yield url, labels, tokens


class SlowSender(threading.Thread):
    """A client that sends its headers, then its body one byte at a time, until stopped."""

    def __init__(self, url: str, path: str, headers: dict[str, str], stop: threading.Event):
        super().__init__(daemon=True)
        host, port = url.removeprefix("http://").split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        head = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", "Content-Length: 100000",
                *(f"{name}: {value}" for name, value in headers.items())]
        self.sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        self.stop, self.sent, self.cut_off = stop, 0, False

    def run(self):
        while not self.stop.wait(TRICKLE_EVERY_S):
            try:
                self.sock.sendall(b" ")
                self.sent += 1
            except OSError:
                self.cut_off = True
                return

    def close(self):
        self.sock.close()


def test_a_scan_is_answered_while_slow_clients_trickle_their_bodies(served):
    url, labels, tokens = served
    stop = threading.Event()
    api_post = {"Authorization": f"Bearer {tokens['acme']}",  # an ERP sending a big ASN
                "Content-Type": "application/json"}
    form_post = {"Content-Type": "application/x-www-form-urlencoded"}  # a phone's login
    senders = [SlowSender(url, "/api/v1/asns", api_post, stop) if n % 2 == 0 else
               SlowSender(url, "/auth/login", form_post, stop) for n in range(SLOW_SENDERS)]
    try:
        for sender in senders:
            sender.start()
        time.sleep(1.0)  # every slow request is in the server's hands, its body coming in

        started = time.monotonic()
        scan = httpx.post(f"{url}/api/v1/asns/ASN-ACME-0001/cartons/{labels[0]}/receive",
                          headers={"Authorization": f"Bearer {tokens['dock']}",
                                   "Idempotency-Key": "slow-clients-1"}, timeout=15)
        took = time.monotonic() - started

        assert scan.status_code == 200, scan.text[:300]
        assert scan.json()["outcome"] == "received"
        assert took < SCAN_ANSWERED_WITHIN_S, f"the scan waited {took:.1f} s"
        # ... while every slow client was still sending
        assert not any(sender.cut_off for sender in senders)
    finally:
        stop.set()
        for sender in senders:
            sender.join(timeout=5)
            sender.close()
