"""The results as a Markdown table, with the targets the team aims for.

Targets are reported, never asserted: a benchmark on a shared 2-core machine is a
measurement, not a test. The table replaces what lies between the two markers in
docs/benchmarks.md; everything else there (the notes, before and after) is kept.
"""
from __future__ import annotations

from pathlib import Path

from .stats import ratio

BEGIN = "<!-- bench:begin (written by make bench; edits here are overwritten) -->"
END = "<!-- bench:end -->"
DATABASE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

# The team's targets (issue #8).
PACED_P99_MS = 25
FLAT_RATE = 500
FLAT_FLOOR_SHARE = 0.5
IMPORT_LINES_PER_S = 20_000
PHOTO_RATIO = 2.0
GROWTH_ALLOWANCE = 1.5  # p50 at the most history within 1.5x of p50 with none
FIRST_LOAD_BYTES = 60 * 1024
FRAGMENT_BYTES = 2 * 1024
BESIDE_UPLOADS_P99_MS = 250  # issue #24: scans beside 3 photo uploads, with 0 errors


def markdown(results: dict) -> str:
    """The table (and the run's machine, versions and date) as Markdown."""
    databases = list(results["databases"])
    rows: list[list[str]] = []
    for figure in (_paced_rows, _flat_rows, _upload_rows, _import_rows, _photo_rows,
                   _growth_rows, _page_rows):
        rows += figure(results, databases)
    header = ["figure"] + [DATABASE_NAMES[d] for d in databases] + ["target", "met"]
    lines = [
        f"Run of {results['date']} (profile `{results.get('profile', 'full')}`, "
        f"{results.get('total_s', '?')} s in all; gunicorn with "
        f"{results.get('gunicorn_workers')} sync workers).",
        "",
        _machine_line(results["machine"]),
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in results["versions"].items()) + ".",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def update_docs(path: Path, table: str) -> None:
    """Put the table between the markers in `path` (appended when they are missing)."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    block = f"{BEGIN}\n{table}{END}"
    if BEGIN in text and END in text:
        before, rest = text.split(BEGIN, 1)
        after = rest.split(END, 1)[1]
        text = before + block + after
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text)


def _machine_line(machine: dict) -> str:
    start = ", ".join(f"{x:.1f}" for x in machine["load_average_at_start"])
    end = ", ".join(f"{x:.1f}" for x in machine.get("load_average_at_end", ()))
    return (f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gb']} GB, "
            f"Linux {machine['kernel']}; load average {start} at the start, {end} at the end "
            "(other work on the machine shows here: compare each figure with its floor).")


def _met(flags: list[bool | None]) -> str:
    known = [f for f in flags if f is not None]
    if not known:
        return "n/a"
    return "yes" if all(known) else ("no" if not any(known) else "partly")


def _cell(databases: list[str], results: dict, render) -> list[str]:
    cells = []
    for name in databases:
        try:
            cells.append(render(results["databases"][name]))
        except (KeyError, TypeError):
            cells.append("n/a")
    return cells


def _paced_rows(results: dict, databases: list[str]) -> list[list[str]]:
    def value(db: dict) -> str:
        scan, floor = db["scan"]["scan_paced"], db["scan"]["floor_paced"]
        return (f"{scan['p50_ms']} / {scan['p95_ms']} / {scan['p99_ms']} ms "
                f"({scan['rate_per_s']}/s; floor p99 {floor['p99_ms']} ms)")

    flags = [_try(lambda d=d: results["databases"][d]["scan"]["scan_paced"]["p99_ms"]
                  < PACED_P99_MS) for d in databases]
    return [["1. scan, paced: 100 workers ~1 scan/s each, p50 / p95 / p99"]
            + _cell(databases, results, value) + [f"p99 < {PACED_P99_MS} ms", _met(flags)]]


def _flat_rows(results: dict, databases: list[str]) -> list[list[str]]:
    rows = []
    for workers in (1, 8, 32):
        def value(db: dict, n=workers) -> str:
            scan, floor = db["scan"][f"scan_flat_{n}"], db["scan"][f"floor_flat_{n}"]
            share = ratio(scan["rate_per_s"], floor["rate_per_s"])
            return (f"{scan['rate_per_s']}/s = {share}x floor ({floor['rate_per_s']}/s); "
                    f"p99 {scan['p99_ms']} ms")

        flags = []
        for d in databases:
            def good(d=d, n=workers) -> bool:
                scan = results["databases"][d]["scan"]
                rate, floor = scan[f"scan_flat_{n}"]["rate_per_s"], \
                    scan[f"floor_flat_{n}"]["rate_per_s"]
                return rate >= FLAT_RATE and rate >= FLAT_FLOOR_SHARE * floor
            flags.append(_try(good))
        rows.append([f"1. scans/s flat out, {workers} worker(s)"]
                    + _cell(databases, results, value)
                    + [f">= {FLAT_RATE}/s and >= {FLAT_FLOOR_SHARE}x floor", _met(flags)])
    return rows


def _upload_rows(results: dict, databases: list[str]) -> list[list[str]]:
    uploads = next((db["uploads"]["scan_beside_uploads"]["uploads"]
                    for db in results["databases"].values() if "uploads" in db), None)
    if not uploads:
        return []

    def value(db: dict) -> str:
        alone, beside = db["uploads"]["scan_alone"], db["uploads"]["scan_beside_uploads"]
        sent = beside["uploads"]
        return (f"{beside['p50_ms']} / {beside['p99_ms']} ms, {_errors(beside)}, "
                f"{beside['rate_per_s']}/s (alone: {alone['p50_ms']} / {alone['p99_ms']} ms, "
                f"{alone['rate_per_s']}/s); photos {sent['ok']} of {sent['requests']} stored")

    def good(d: str) -> bool:
        beside = results["databases"][d]["uploads"]["scan_beside_uploads"]
        return beside["p99_ms"] < BESIDE_UPLOADS_P99_MS and not beside["errors"] and \
            beside["uploads"]["ok"] == beside["uploads"]["requests"] > 0

    return [[f"1. scans beside {uploads['uploaders']} phones uploading a "
             f"{uploads['photo_bytes'] / 1e6:.1f} MB photo each over the API, each sent over "
             f"{uploads['trickle_s']:g} s: 1 worker flat out, p50 / p99"]
            + _cell(databases, results, value)
            + [f"p99 < {BESIDE_UPLOADS_P99_MS} ms, 0 errors",
               _met([_try(lambda d=d: good(d)) for d in databases])]]


def _errors(phase: dict) -> str:
    count = sum(phase["errors"].values())
    return "0 errors" if not count else f"{count} errors ({', '.join(phase['errors'])})"


def _import_rows(results: dict, databases: list[str]) -> list[list[str]]:
    keys = []
    for name in databases:
        for item in results["databases"][name].get("imports", []):
            key = (item["door"], item["lines"])
            if key not in keys:
                keys.append(key)
    rows = []
    for door, lines in keys:
        def find(db: dict, door=door, lines=lines) -> dict:
            return next(i for i in db["imports"] if i["door"] == door and i["lines"] == lines)

        def value(db: dict, find=find) -> str:
            item = find(db)
            share = ratio(item["lines_per_s"] or 0, item["floor_lines_per_s"])
            speed = (f"{item['lines_per_s']:,} lines/s = {share}x floor"
                     if item["ok"] else f"refused ({item['status']})")
            return (f"{speed} ({item['floor_lines_per_s']:,}/s); "
                    f"peak +{item['rss_growth_mb']} MB")

        flags = [_try(lambda d=d, find=find: (find(results["databases"][d])["lines_per_s"] or 0)
                      >= IMPORT_LINES_PER_S) for d in databases]
        label = {"api": "POST /api/v1/asns", "csv": "CSV upload"}[door]
        rows.append([f"2. ASN import, {label}, {lines:,} lines"]
                    + _cell(databases, results, value)
                    + [f">= {IMPORT_LINES_PER_S:,} lines/s", _met(flags)])
    return rows


def _photo_rows(results: dict, databases: list[str]) -> list[list[str]]:
    photo = results.get("photo")
    if not photo:
        return []
    blank = [""] * (len(databases) - 1)
    return [
        ["3. photo ingest, 12 MP JPEG (no database)",
         f"{photo['ingest_ms']} ms = {photo['ratio']}x a bare Pillow decode "
         f"({photo['pillow_decode_ms']} ms)"] + blank
        + [f"<= {PHOTO_RATIO}x", _met([photo["ratio"] <= PHOTO_RATIO])],
        ["3. barcode decode alone, greyscale copy", f"{photo['barcode_decode_ms']} ms"]
        + blank + ["", ""],
    ]


def _growth_rows(results: dict, databases: list[str]) -> list[list[str]]:
    rows = []
    for workers in (1, 32):
        def value(db: dict, n=workers) -> str:
            levels = db["growth"]
            parts = [f"{_rows_label(level['history_rows'])}: "
                     f"{level[f'scan_flat_{n}']['p50_ms']} / {level[f'scan_flat_{n}']['p99_ms']}"
                     for level in levels.values()]
            return "; ".join(parts) + " ms"

        flags = [_try(lambda d=d, n=workers: _flat_growth(results["databases"][d]["growth"], n))
                 for d in databases]
        rows.append([f"4. scan p50 / p99 by history rows, {workers} worker(s)"]
                    + _cell(databases, results, value)
                    + [f"no growth (<= {GROWTH_ALLOWANCE}x, no plan walks history)",
                       _met(flags)])
    return rows


def _flat_growth(levels: dict, workers: int) -> bool:
    ordered = list(levels.values())
    first, last = ordered[0][f"scan_flat_{workers}"], ordered[-1][f"scan_flat_{workers}"]
    walks = any(plan["walks_history"] for level in ordered for plan in level["plans"])
    return last["p50_ms"] <= GROWTH_ALLOWANCE * first["p50_ms"] and not walks


def _page_rows(results: dict, databases: list[str]) -> list[list[str]]:
    pages = next((db["scan"]["pages"] for db in results["databases"].values()
                  if "pages" in db.get("scan", {})), None)
    if not pages:
        return []
    blank = [""] * (len(databases) - 1)
    first, fragment = pages["first_load"], pages["scan_fragment"]
    return [
        ["5. first load of the dock page, gzip (raw)",
         f"{first['gzip']:,} B ({first['raw']:,} B), {len(first['parts'])} responses"]
        + blank + [f"< {FIRST_LOAD_BYTES // 1024} KB", _met([first["gzip"] < FIRST_LOAD_BYTES])],
        ["5. one scan's response, gzip (raw), headers included",
         f"{fragment['gzip']:,} B ({fragment['raw']:,} B; headers {fragment['headers']:,} B)"]
        + blank + [f"< {FRAGMENT_BYTES // 1024} KB", _met([fragment["gzip"] < FRAGMENT_BYTES])],
    ]


def _rows_label(rows: int) -> str:
    return f"{rows // 1000:,}k" if rows else "0"


def _try(check) -> bool | None:
    try:
        return bool(check())
    except (KeyError, TypeError, StopIteration):
        return None
