"""Query plans of one carton scan: every statement it runs, explained by the database.

The statements are not copied here: one real scan runs through the app (Flask's test
client, the phone's request) while SQLAlchemy reports what it sends; then each read is
EXPLAINed with the same parameters. A plan that walks a whole history table (movements,
scan events, cartons, contents) is flagged: that cost grows with history.
"""
from __future__ import annotations

import re
import uuid

import sqlalchemy as sa
from flask import Flask

from receiving_app.extensions import db

from .loadgen import FORM_TOKEN, HEADER_TOKEN

HISTORY_TABLES = ("movements", "scan_events", "cartons", "carton_contents")


def scan_statements(app: Flask, paths: dict[str, str], username: str, password: str,
                    number: str, code: str) -> list[tuple[str, object]]:
    """The (SQL, parameters) of every SELECT and UPDATE one phone scan runs."""
    client = app.test_client()
    page = client.get(paths["login"]).get_data(as_text=True)
    client.post(paths["login"], data={"username": username, "password": password,
                                      "csrf_token": FORM_TOKEN.search(page).group(1)})
    token = HEADER_TOKEN.search(client.get(paths["dock"]).get_data(as_text=True)).group(1)
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "UPDATE", "WITH")):
            seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.post(
            paths["receive"].format(number=number),
            data={"csrf_token": token, "code": code, "key": str(uuid.uuid4()),
                  "client_time": "2026-01-01T00:00:00Z"},
            headers={"HX-Request": "true", "X-CSRFToken": token})
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    if response.status_code != 200 or b"Received" not in response.data:
        raise RuntimeError(f"the explained scan was refused: {response.status_code}")
    return seen


def explain(app: Flask, statements: list[tuple[str, object]]) -> list[dict]:
    """Each statement's plan, and whether it walks a whole history table."""
    results = []
    with app.app_context(), db.engine.connect() as connection:
        postgres = connection.dialect.name == "postgresql"
        for statement, parameters in statements:
            prefix = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
            rows = connection.exec_driver_sql(prefix + statement, parameters).all()
            plan = [row[0] if postgres else row[-1] for row in rows]
            results.append({
                "statement": " ".join(statement.split())[:160],
                "plan": plan,
                "walks_history": any(_walks_history(line, postgres) for line in plan),
            })
        connection.rollback()
    return results


def _walks_history(line: str, postgres: bool) -> bool:
    for table in HISTORY_TABLES:
        if postgres and re.search(rf"Seq Scan on {table}\b", line):
            return True
        # SQLite: "SCAN movements" is a full walk; "SCAN t USING COVERING INDEX" is a
        # full walk of an index; "SEARCH" uses an index to find a range.
        if not postgres and re.match(rf"SCAN {table}\b", line.strip()):
            return True
    return False
