"""Many rows into one table at once, in the session's transaction: an ERP's 50,000-line ASN.

SQLAlchemy's executemany processes and checks every row in Python, and psycopg's sends
each row as its own statement (docs/benchmarks.md has what that cost). Here the same
values go through the columns' own bind processors (enums to their stored text, aware
timestamps to naive UTC), then PostgreSQL takes them in one COPY and SQLite in the
driver's executemany. The rows may be a generator: nothing is held but the row being sent.
"""
from collections.abc import Iterable, Sequence

import sqlalchemy as sa

from .extensions import db


def insert_rows(table: sa.Table, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Insert `rows` (one value per name in `columns`, as the ORM would take them).

    Columns left out get their scalar default (`default=...` on the column) or the
    database's own (server defaults, ids); a column with a Python function as its
    default must be given, as the function would be called once per row.
    """
    db.session.flush()  # rows may refer to what the caller added through the ORM
    connection = db.session.connection()
    dialect = connection.dialect
    names = list(columns)
    constants = []
    for column in table.columns:
        if column.name in names or column.default is None:
            continue
        if not column.default.is_scalar:
            raise ValueError(f"give {table.name}.{column.name}: its default is a function")
        names.append(column.name)
        constants.append(column.default.arg)
    processors = [_memoised(table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
                  for name in names]
    values = _processed(rows, len(columns), tuple(constants), processors)
    statement = _statement(table, names, dialect)
    # The driver's own cursor, in the transaction the session's connection has begun.
    cursor = connection.connection.cursor()
    try:
        if dialect.name == "postgresql":
            with cursor.copy(statement) as copy:
                for row in values:
                    copy.write_row(row)
        else:
            cursor.executemany(statement, values)
    except dialect.loaded_dbapi.Error as error:
        # as SQLAlchemy would raise it: IntegrityError for a broken constraint, and so on
        raise sa.exc.DBAPIError.instance(
            statement if isinstance(statement, str) else statement.as_string(cursor),
            None, error, dialect.loaded_dbapi.Error, dialect=dialect,
        ) from error
    finally:
        cursor.close()


def _statement(table: sa.Table, names: list[str], dialect):
    """COPY ... FROM STDIN for PostgreSQL (composed by psycopg), else the INSERT for the
    driver's executemany."""
    if dialect.name == "postgresql":
        from psycopg import sql

        return sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(*filter(None, (table.schema, table.name))),
            sql.SQL(", ").join(map(sql.Identifier, names)))
    if dialect.paramstyle != "qmark":
        raise NotImplementedError(f"bulk inserts on {dialect.name}")
    quote = dialect.identifier_preparer.quote
    columns = ", ".join(quote(name) for name in names)
    placeholders = ", ".join("?" for _ in names)
    # The names are the table's own columns, quoted by the dialect; the values are bound.
    return (f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "  # nosec B608
            f"({columns}) VALUES ({placeholders})")


def _memoised(processor):
    """The bind processor, remembering its answers: a bulk column repeats few values (one
    bucket, one timestamp), and a TypeDecorator's processor costs microseconds a call."""
    if processor is None:
        return None
    seen: dict = {}

    def process(value):
        # by type too: 1, 1.0 and True are equal keys, and may not be stored alike
        key = (type(value), value)
        try:
            return seen[key]
        except KeyError:
            seen[key] = result = processor(value)
            return result
        except TypeError:  # unhashable (JSON): process every time
            return processor(value)

    return process


def _processed(rows, width: int, constants: tuple, processors: list):
    active = [(index, process) for index, process in enumerate(processors) if process]
    for row in rows:
        if len(row) != width:  # values would shift into the wrong columns
            raise ValueError(f"a row of {len(row)} values for {width} columns")
        row = [*row, *constants]
        for index, process in active:
            row[index] = process(row[index])
        yield row
