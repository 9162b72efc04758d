"""The load generator: a separate process that plays dock workers' phones over HTTP.

``python -m bench.loadgen < plan.json > results.json``

Each simulated worker logs in through the login form with its own account, so it has its
own session cookie and CSRF token, then sends exactly what the phone page sends for a
carton scan: the scan form's fields (csrf_token, code, key, client_time) as htmx posts
them, with HX-Request, HX-Target, HX-Current-URL and the X-CSRFToken header from the
page's hx-headers. The floor phases send GET /healthz with the same load shape.

Load shapes:
- paced: every worker scans at random moments, about once a second (a Poisson process
  per worker), and waits for each answer before the next scan, as a person does;
- flat: every worker sends its next request as soon as the last one is answered.

A scan phase may have photo uploads beside it ("uploads": the API's photo path, a token
and an exception per uploading phone, the photo's file, and the seconds each upload's
body is spread over): each phone sends its photo again and again, slowly, while the
scans go on.

The plan (JSON on stdin)::

    {"base_url": "http://127.0.0.1:8123", "password": "...", "server_pid": 1234,
     "paths": {"login": "/auth/login", "dock": "/dock/", "healthz": "/healthz",
               "receive": "/dock/asns/{number}/receive", "asn": "/dock/asns/{number}"},
     "users": ["bench-dock-001", ...],
     "phases": [{"name": "scan_paced", "kind": "scan", "shape": "paced", "workers": 100,
                 "duration_s": 20, "asn": "BENCH-0001", "codes": ["]C100...", ...]},
                {"name": "floor_flat_8", "kind": "floor", "shape": "flat", "workers": 8,
                 "duration_s": 5}]}
"""
from __future__ import annotations

import asyncio
import json
import os
import random
import re
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .http import Client, Response
from .stats import latency_summary

LOGIN_CONCURRENCY = 4
REQUEST_TIMEOUT_S = 30
# A page's CSRF token: in a form's hidden field, and in the body's hx-headers.
FORM_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
HEADER_TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')


@dataclass
class Tally:
    """What one phase's requests did."""

    latencies: list[float] = field(default_factory=list)
    ok: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    last_body_bytes: int = 0

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


class Phone:
    """One dock worker's phone: its own cookies (kept by hand: production cookies are
    Secure, and this is plain HTTP on the loopback) and its own CSRF token. Each request
    goes on a new connection, as gunicorn's sync workers close every one."""

    def __init__(self, base_url: str, paths: dict[str, str], username: str):
        self.paths = paths
        self.username = username
        self.cookies: dict[str, str] = {}
        self.csrf_token = ""
        self.client = Client(base_url, timeout_s=REQUEST_TIMEOUT_S)

    async def request(self, method: str, path: str, *, headers: dict | None = None,
                      data: dict | None = None) -> Response:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = await self.client.request(method, path, headers=headers, data=data)
        for header in response.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response

    async def log_in(self, password: str, token_page: str | None = None) -> None:
        """Log in through the form, then read the CSRF token from a page's hx-headers:
        `token_page` (the ASN page the worker scans on), else the dock's ASN list."""
        page = await self.request("GET", self.paths["login"])
        token = FORM_TOKEN.search(page.text)
        response = await self.request("POST", self.paths["login"], data={
            "username": self.username, "password": password, "csrf_token": token.group(1)})
        if response.status_code != 302:
            raise RuntimeError(f"{self.username} could not log in: {response.status_code}")
        page = await self.request("GET", token_page or self.paths["dock"])
        self.csrf_token = HEADER_TOKEN.search(page.text).group(1)

    async def send_scan(self, number: str, code: str) -> Response:
        """The carton scan exactly as the phone page's htmx form posts it."""
        asn_path = self.paths["asn"].format(number=number)
        headers = {
            "HX-Request": "true", "HX-Target": "scan-result", "X-CSRFToken": self.csrf_token,
            "HX-Current-URL": f"{self.client.base_url}{asn_path}",
        }
        form = {"csrf_token": self.csrf_token, "key": str(uuid.uuid4()),
                "client_time": datetime.now(UTC).isoformat(), "code": code}
        return await self.request("POST", self.paths["receive"].format(number=number),
                                  data=form, headers=headers)

    async def scan(self, number: str, code: str, tally: Tally) -> None:
        start = time.perf_counter()
        response = await self.send_scan(number, code)
        tally.latencies.append(time.perf_counter() - start)
        tally.last_body_bytes = len(response.content)
        if response.status_code == 200 and "Received" in response.text:
            tally.ok += 1
        else:
            tally.error(f"{response.status_code}: {_first_words(response.text)}")

    async def floor(self, tally: Tally) -> None:
        start = time.perf_counter()
        response = await self.request("GET", self.paths["healthz"])
        tally.latencies.append(time.perf_counter() - start)
        tally.last_body_bytes = len(response.content)
        if response.status_code == 200:
            tally.ok += 1
        else:
            tally.error(str(response.status_code))

def _first_words(text: str) -> str:
    words = re.sub(r"<[^>]+>", " ", text).split()
    return " ".join(words[:8])


async def run_worker(phone: Phone, phase: dict, codes: list[str], tally: Tally,
                     start: float, rng: random.Random) -> None:
    """One worker's share of a phase, until its time or its cartons run out."""
    end = start + phase["duration_s"]
    paced = phase["shape"] == "paced"
    # The first scan too comes after an exponential wait: a Poisson process runs at its
    # rate from the first moment. (A uniform first second put 1.4 scans a worker in it,
    # most near its end, a burst no dock sees.)
    next_at = start + (rng.expovariate(1.0) if paced else 0)
    codes = iter(codes)
    while True:
        if paced:
            # never past the phase's end: the phase's time is what the rate divides by
            delay = min(next_at, end) - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            next_at += rng.expovariate(1.0)  # about once a second, at random moments
        if time.perf_counter() >= end:
            return
        if phase["kind"] == "scan":
            code = next(codes, None)
            if code is None:
                return
            await phone.scan(phase["asn"], code, tally)
        else:
            await phone.floor(tally)


async def run_uploader(client: Client, uploads: dict, target: dict, photo: bytes,
                       tally: Tally, start: float, end: float) -> None:
    """One phone sending photos of an exception over the API, one after another, each
    spread over `trickle_s` seconds, for as long as the phase's scans go on."""
    await asyncio.sleep(target["delay_s"])
    boundary = "bench-photo"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; "
            f"filename=\"IMG_0001.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").encode() + \
        photo + f"\r\n--{boundary}--\r\n".encode()
    path = uploads["path"].format(exception_id=target["exception_id"])
    while time.perf_counter() + uploads["trickle_s"] <= end:
        began = time.perf_counter()
        try:
            response = await client.request(
                "POST", path, headers={"Authorization": f"Bearer {target['token']}"},
                body=body, content_type=f"multipart/form-data; boundary={boundary}",
                spread_over_s=uploads["trickle_s"])
        except (ConnectionError, asyncio.TimeoutError) as error:  # the server gave up on it
            tally.latencies.append(time.perf_counter() - began)
            tally.error(type(error).__name__)
            continue
        tally.latencies.append(time.perf_counter() - began)
        if response.status_code == 201:
            tally.ok += 1
        else:
            tally.error(f"{response.status_code}: {_first_words(response.text)}")


async def run_phase(phones: list[Phone], phase: dict, server_pid: int | None) -> dict:
    """Run one phase with its first `workers` phones (and its photo uploads beside them,
    when it has any); the figures it measured."""
    workers = phones[:phase["workers"]]
    codes = phase.get("codes", [])
    shares = [codes[i::len(workers)] for i in range(len(workers))]
    tally, upload_tally = Tally(), Tally()
    rng = random.Random(phase["name"])
    uploads = phase.get("uploads")
    cpu_before, server_before = time.process_time(), server_cpu_s(server_pid)
    start = time.perf_counter()
    tasks = [run_worker(phone, phase, share, tally, start, rng)
             for phone, share in zip(workers, shares)]
    if uploads:
        photo = Path(uploads["photo_file"]).read_bytes()
        end = start + phase["duration_s"]
        tasks += [run_uploader(Client(phones[0].client.base_url, timeout_s=REQUEST_TIMEOUT_S),
                               uploads, target, photo, upload_tally, start, end)
                  for target in uploads["targets"]]
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    requests = len(tally.latencies)
    server_cpu = server_cpu_s(server_pid) - server_before
    return {
        "name": phase["name"], "kind": phase["kind"], "shape": phase["shape"],
        "workers": len(workers), "duration_s": round(elapsed, 2), "requests": requests,
        "ok": tally.ok, "errors": tally.errors,
        "rate_per_s": round(requests / elapsed, 1) if elapsed else 0.0,
        **latency_summary(tally.latencies),
        "client_cpu_s": round(time.process_time() - cpu_before, 2),
        "server_cpu_s": round(server_cpu, 2),
        "server_cpu_ms_per_request": round(server_cpu * 1000 / requests, 2) if requests else None,
        "response_bytes": tally.last_body_bytes,
        **({"uploads": {"uploaders": len(uploads["targets"]), "trickle_s": uploads["trickle_s"],
                        "photo_bytes": len(photo), "requests": len(upload_tally.latencies),
                        "ok": upload_tally.ok, "errors": upload_tally.errors,
                        **latency_summary(upload_tally.latencies)}} if uploads else {}),
    }


def server_cpu_s(master_pid: int | None) -> float:
    """CPU seconds used so far by gunicorn's workers (children of the master)."""
    if not master_pid:
        return 0.0
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master_pid:  # field 4, ppid, after the "(comm)"
            ticks += int(fields[11]) + int(fields[12])  # utime + stime
    return ticks / os.sysconf("SC_CLK_TCK")


async def run_plan(plan: dict) -> dict:
    """Log every worker in, then run the phases one after another."""
    phones = [Phone(plan["base_url"], plan["paths"], name) for name in plan["users"]]
    gate = asyncio.Semaphore(LOGIN_CONCURRENCY)
    # The ASN page of the first scan phase: the dock's ASN list loads every carton of
    # every open ASN (docs/benchmarks.md), which made a hundred log-ins take a minute.
    scanned = next((p["asn"] for p in plan["phases"] if p["kind"] == "scan"), None)
    token_page = plan["paths"]["asn"].format(number=scanned) if scanned else None

    async def log_in(phone: Phone) -> None:
        async with gate:
            await phone.log_in(plan["password"], token_page)

    started = time.perf_counter()
    await asyncio.gather(*(log_in(phone) for phone in phones))
    _say(f"{len(phones)} workers logged in in {time.perf_counter() - started:.1f} s")
    results = []
    for phase in plan["phases"]:
        results.append(await run_phase(phones, phase, plan.get("server_pid")))
        _say(f"{phase['name']}: {results[-1]['requests']} requests, "
             f"{results[-1]['rate_per_s']}/s, p99 {results[-1]['p99_ms']} ms")
    return {"phases": results}


def _say(message: str) -> None:
    print(f"[loadgen {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def main() -> None:
    """Read the plan from stdin, print the results as JSON."""
    plan = json.load(sys.stdin)
    json.dump(asyncio.run(run_plan(plan)), sys.stdout)


if __name__ == "__main__":
    main()
