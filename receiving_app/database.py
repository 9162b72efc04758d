"""How transactions begin on each database.

SQLite has one write lock for the whole database. A write transaction takes it at its
BEGIN (`BEGIN IMMEDIATE`, after queueing for its turn), so it never fails half way with
"database is locked"; a read transaction begins deferred and never holds up a writer.
Which of the two a transaction is, the caller plans: a request that changes something
writes once (its use case) and reads after; a page only reads (web/transactions.py);
commands and tests, which plan nothing, write. What a request reads before its use case
writes, and then works on for a while (a token, then a big body to parse; the SKUs of a
list of counts, the references of an ASN's lines), it reads in a `read_transaction()`.

PostgreSQL: a pooled connection that its server dropped is replaced as it leaves the pool.
"""
import fcntl
import os
import select
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError

from .extensions import db

READ, WRITE = "read", "write"
# What the next transaction begun in this context (a request's thread) is: READ, WRITE (and
# after its commit READ), or None when nothing was planned: every transaction writes.
_next_transaction: ContextVar[str | None] = ContextVar("next_transaction", default=None)
_TURN = "dockside_writer_turn"
# How often a waiting writer looks whether its turn has come.
TURN_POLL_S = 0.0003


def plan_reads() -> None:
    """Every transaction from now on in this context is a read (a page)."""
    _next_transaction.set(READ)


def plan_one_write() -> None:
    """The next transaction is the use case's write; once it commits, the rest read.

    A request's use case commits once; what the view reads after that to render its answer
    needs no write lock, and holding it through the rendering made every other dock
    worker's scan wait for this one's HTML.
    """
    _next_transaction.set(WRITE)


def forget_plan() -> None:
    """Back to planning nothing (every transaction writes), as a request ends."""
    _next_transaction.set(None)


@contextmanager
def read_transaction() -> Iterator[None]:
    """Run the block in a read transaction of its own, ended as the block ends, so that the
    write transaction begins after it, and the work between holds no lock.

    For what a request reads before its use case writes: the API's token before its body
    is parsed, the SKUs of an inspection's counts, the references of an ASN's lines. A
    transaction the caller began is ended first; it, and the block, must read only.
    Objects read in the block are expired as it ends, so the write transaction reads them
    again under its lock. Where nothing was planned (commands, tests) the block simply
    runs in the caller's transaction.
    """
    planned = _next_transaction.get()
    if planned is None:
        yield
        return
    session = db.session()
    _check_read_only(session)
    session.rollback()
    _next_transaction.set(READ)
    try:
        yield
        _check_read_only(session)
    finally:
        session.rollback()  # a read keeps nothing (and runs no commit hooks)
        _next_transaction.set(planned)


def _check_read_only(session) -> None:
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a read transaction may not change anything")


def configure_engine(engine: Engine, config) -> None:
    """The settings `engine`'s database needs; `config` is the app's."""
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, config)
    elif engine.dialect.name == "postgresql":
        _replace_dropped_connections(engine)


def _configure_sqlite(engine: Engine, config) -> None:
    """WAL, a busy timeout, foreign keys, and writers queueing for the write lock."""
    busy_timeout = int(config["SQLITE_BUSY_TIMEOUT_MS"])
    synchronous = {"OFF": "OFF", "NORMAL": "NORMAL", "FULL": "FULL"}[
        config["SQLITE_SYNCHRONOUS"]]
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
        # A write takes the write lock up front: a deferred transaction that reads and then
        # writes can fail at once with "database is locked" when another writer got in
        # between, without waiting for the busy timeout.
        if _next_transaction.get() == READ:
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
        if _next_transaction.get() == WRITE:
            _next_transaction.set(READ)
        _end_turn(connection)

    @event.listens_for(engine, "rollback")
    def on_rollback(connection):
        _end_turn(connection)

    @event.listens_for(engine, "checkin")
    def on_checkin(dbapi_connection, connection_record):
        _unlock(connection_record.info.get(_TURN))


def _wait_for_turn(turn: int | None, timeout_s: float) -> None:
    """Queue for SQLite's write lock on a file lock, polled every TURN_POLL_S.

    SQLite's own busy handler sleeps between its retries, up to 100 ms at a time, so
    under load the write lock often sits free while every waiter sleeps
    (docs/benchmarks.md). After `timeout_s` the writer goes on to BEGIN IMMEDIATE and
    SQLite's busy timeout decides.
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


def _replace_dropped_connections(engine: Engine) -> None:
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


def execute_core(statement, params: dict | list[dict] | None = None):
    """Execute a Core statement (best built once) on the session's connection, in its
    transaction, past the ORM: the session's own execute wraps every statement and every
    result for the ORM, which costs more than the statement itself on the scan's path
    (docs/benchmarks.md).

    What the caller changed through the ORM is flushed first, as the session's execute
    would (a no-op when nothing changed). A list of parameter sets is one executemany.
    """
    db.session.flush()
    return db.session.connection().execute(statement, params or {})
