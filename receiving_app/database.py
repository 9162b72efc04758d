"""Engine settings per database: SQLite gets WAL, a busy timeout and BEGIN IMMEDIATE;
PostgreSQL replaces the pooled connections its server has dropped."""
import fcntl
import os
import select
import time

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError

from .extensions import db

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# set in the WSGI environ (per request, unlike g, which tests share between requests)
_REQUEST_COMMITTED = "dockside.request_committed"
_TURN = "dockside_writer_turn"
# How often a waiting writer looks whether its turn has come.
TURN_POLL_S = 0.0003


def configure_engine_events(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "postgresql":
        _replace_dropped_connections(engine)
    if engine.dialect.name != "sqlite":
        return
    busy_timeout = int(app.config["SQLITE_BUSY_TIMEOUT_MS"])
    synchronous = {"OFF": "OFF", "NORMAL": "NORMAL", "FULL": "FULL"}[
        app.config["SQLITE_SYNCHRONOUS"]]
    database = engine.url.database
    turns_file = f"{database}.writers" if database and database != ":memory:" else None

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record):
        # Take over transaction control from the sqlite3 module, so we can say BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()
        if turns_file:
            # One open file per connection: flock excludes other connections even in the
            # same process (threads), and the kernel drops it if the process dies.
            connection_record.info[_TURN] = os.open(turns_file, os.O_RDWR | os.O_CREAT, 0o600)

    @event.listens_for(engine, "close")
    def on_close(dbapi_connection, connection_record):
        if _TURN in connection_record.info:
            os.close(connection_record.info.pop(_TURN))

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        # A write transaction takes the write lock up front: a deferred transaction that
        # reads and then writes can fail at once with "database is locked" when another
        # writer got in between, without waiting for the busy timeout. Page views (GET)
        # only read, so they keep the cheaper deferred BEGIN and never block writers.
        if has_request_context() and (request.method in READ_ONLY_METHODS
                                      or request.environ.get(_REQUEST_COMMITTED)):
            connection.exec_driver_sql("BEGIN")
            return
        _wait_for_turn(connection.connection.info.get(_TURN), busy_timeout / 1000)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except Exception:
            _end_turn(connection)
            raise

    @event.listens_for(engine, "commit")
    def on_commit(connection):
        # A request's use case commits once; what the view reads after that to render its
        # answer needs no write lock, and holding it through the rendering made every
        # other dock worker's scan wait for this one's HTML.
        if has_request_context():
            request.environ[_REQUEST_COMMITTED] = True
        _end_turn(connection)

    @event.listens_for(engine, "rollback")
    def on_rollback(connection):
        _end_turn(connection)

    @event.listens_for(engine, "checkin")
    def on_checkin(dbapi_connection, connection_record):
        _unlock(connection_record.info.get(_TURN))


def _replace_dropped_connections(engine) -> None:
    """A pooled connection whose server hung up (a failover, a restart, a terminated
    backend) is replaced when it is taken from the pool, before a statement is sent on it:
    else the first request on each would answer 500 though the database is back.

    An idle connection hears nothing from its server (the app never LISTENs) unless the
    server is going away: it sends its FATAL message and closes. So a socket with something
    to read is a dead connection, found with one poll and no round trip; SQLAlchemy's
    pre-ping would spend a round trip on every checkout. At worst (a server-side setting
    reported after a reload) a live connection is replaced needlessly.
    """

    @event.listens_for(engine, "checkout")
    def on_checkout(dbapi_connection, connection_record, connection_proxy):
        if dbapi_connection.closed or \
                select.select([dbapi_connection.pgconn.socket], [], [], 0)[0]:
            raise DisconnectionError("the server closed this pooled connection")


def _wait_for_turn(turn: int | None, timeout_s: float) -> None:
    """Queue for SQLite's write lock on a file lock, polled every TURN_POLL_S.

    SQLite's own busy handler sleeps between its retries, up to 100 ms at a time, so
    under load the write lock often sits free while every waiter sleeps: with a hundred
    dock workers scanning, scans took seconds (docs/benchmarks.md). After `timeout_s`
    the writer goes on to BEGIN IMMEDIATE and SQLite's busy timeout decides.
    """
    if turn is None:
        return
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            fcntl.flock(turn, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return
            time.sleep(TURN_POLL_S)


def _end_turn(connection) -> None:
    # Released just before SQLite's COMMIT: the next writer meets at most the
    # microseconds of this commit in SQLite's busy handler.
    _unlock(connection.connection.info.get(_TURN))


def _unlock(turn: int | None) -> None:
    if turn is not None:
        fcntl.flock(turn, fcntl.LOCK_UN)


def run(statement, params: dict | list[dict] | None = None):
    """Run a prebuilt Core statement in the session's transaction, past the ORM.

    The session's own execute wraps every statement and result for the ORM: about 45 µs
    a statement here against 20 µs on its connection (docs/benchmarks.md), and a carton
    scan runs ten. What the caller changed through the ORM is flushed first, as the
    session's execute would (a no-op when nothing changed). A list of parameter sets is
    one executemany.
    """
    db.session.flush()
    return db.session.connection().execute(statement, params or {})
