"""A request's transactions: a page reads; a request that changes something writes once.

On SQLite a write transaction holds the database's one write lock from its BEGIN
(database.py). A GET (HEAD, OPTIONS) only reads, so its transactions never wait for a
writer nor hold one up. Any other method's first transaction is its use case's write, and
what the view reads after its commit to render the answer is a read again.

What comes before the use case must not hold the lock while it takes its time: every body
is received whole before the app sees the request (whole_body.py); the API checks its
token in a read transaction and parses the body before its view (api/__init__.py); and a
use case that has slow work before it writes does it outside the write transaction (a
photo is cleaned after the reads are let go: raising.attach_photo; counts and an ASN's
lines are checked in a database.read_transaction).
"""
from flask import Flask, request

from .. import database

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def init_transactions(app: Flask) -> None:
    @app.before_request
    def plan_transactions():
        if request.method in READ_ONLY_METHODS:
            database.plan_reads()
        else:
            database.plan_one_write()

    @app.teardown_request
    def forget_transaction_plan(error):
        database.forget_plan()
