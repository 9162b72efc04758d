"""SQLite writers take turns promptly, and a request's reads after its commit lock nothing."""
import threading
import time

import pytest
import sqlalchemy as sa

from receiving_app import database
from receiving_app.extensions import db

pytestmark = pytest.mark.both_databases


@pytest.fixture
def sqlite_engine(app, backend):
    if backend != "sqlite":
        pytest.skip("the write-lock queue is SQLite's")
    return db.engine


def test_a_second_writer_waits_for_the_first_to_commit_then_goes_on(sqlite_engine):
    order: list[str] = []
    first = sqlite_engine.connect()
    first.begin()  # outside a request: BEGIN IMMEDIATE, after taking the writers' turn
    first.execute(sa.text("UPDATE warehouses SET name = name"))

    def second_writer():
        with sqlite_engine.begin() as connection:
            order.append("second began")
            connection.execute(sa.text("UPDATE warehouses SET name = name"))

    thread = threading.Thread(target=second_writer)
    thread.start()
    time.sleep(0.3)
    order.append("first commits")
    first.commit()
    first.close()
    thread.join(timeout=5)

    assert order == ["first commits", "second began"]


def test_a_post_requests_reads_after_its_commit_leave_the_write_lock_free(app, sqlite_engine):
    database.plan_one_write()  # what a POST request plans (web/transactions.py)
    try:
        with sqlite_engine.connect() as request_connection:
            request_connection.begin()
            request_connection.execute(sa.text("UPDATE warehouses SET name = name"))
            request_connection.commit()  # the use case's one commit
            request_connection.begin()  # rendering the answer: a read
            request_connection.execute(sa.text("SELECT count(*) FROM cartons"))

            took: list[float] = []

            def other_writer():  # another worker's scan: BEGIN IMMEDIATE, after its turn
                started = time.monotonic()
                with sqlite_engine.begin() as connection:
                    connection.execute(sa.text("UPDATE warehouses SET name = name"))
                took.append(time.monotonic() - started)

            thread = threading.Thread(target=other_writer)
            thread.start()
            thread.join(timeout=10)
            request_connection.rollback()
    finally:
        database.forget_plan()

    assert took and took[0] < 1
