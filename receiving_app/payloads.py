"""What a request may carry: the pydantic types the use cases check their input with, and
the one translation of pydantic's refusal into InvalidInput.

Each use case declares its payload as a model beside it (intake.AsnIn, inspection.CountLine,
...) from the types here, and calls :func:`checked`. A refusal lists every bad field as
{"path", "message"}, the path in the API's form (`cartons[0].contents[1].qty`, `$` for the
body itself) and the message in the house's words, never pydantic's.

Text is never coerced from a number (a SKU of 5 is "must be text"), a whole number never
from true, and no text may hold a control character: PostgreSQL refuses a NUL that SQLite
would store, and a bell or an escape in a label is a scanner fault, not a label.
"""
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool,
    StrictInt, StrictStr, StringConstraints, TypeAdapter, ValidationError, ValidationInfo,
    WrapValidator,
)
from pydantic_core import PydanticCustomError

from .errors import InvalidInput

# C0 controls, DEL, the C1 controls, and lone surrogates (which are no text at all).
_CODE_REFUSES = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# A note may have lines and tabs.
_NOTE_REFUSES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# A scan keeps what barcodes.py trims or reads: whitespace around it, GS1's separators
# (FS, GS, RS, US) and the C1 noise of phone apps.
_SCAN_REFUSES = re.compile("[\x00-\x08\x0e-\x1b\x7f\ud800-\udfff]")
CONTROL_CHARACTERS = "control characters are not allowed"
MAX_NOTE = 2000

# The house's words for pydantic's refusals that no field words for itself ({} from the
# refusal's context).
_WORDS = {
    "missing": "is required",
    "string_type": "must be text",
    "int_type": "must be a whole number",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "dict_type": "must be an object",
    "recursion_loop": "nested too deeply",
    "too_long": "at most {max_length}",
    "too_short": "at least {min_length}",
    "string_too_long": "at most {max_length} characters",
    "string_too_short": "at least {min_length} characters",
}


class Payload(BaseModel):
    """A request's fields. Unknown fields are ignored, as they always were."""

    model_config = ConfigDict(extra="ignore", frozen=True, hide_input_in_errors=True)


Model = TypeVar("Model", bound=BaseModel)


def checked(model: type[Model], data: Any, message: str, *, prefix: str = "",
            context: Any = None) -> Model:
    """`data` as a `model`, or InvalidInput(`message`) with a detail per bad field, each
    path after `prefix` (`[2]` for the third ASN of an upload)."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as refusal:
        raise InvalidInput(message, details_of(refusal, prefix)) from None


@cache
def _adapter(kind: Any) -> TypeAdapter:
    return TypeAdapter(kind)


def checked_value(kind: Any, value: Any, path: str, message: str) -> Any:
    """One value of type `kind` (a field outside any model: a header, a route's label), or
    InvalidInput(`message`) with its detail at `path`."""
    try:
        return _adapter(kind).validate_python(value)
    except ValidationError as refusal:
        raise InvalidInput(message, details_of(refusal, path)) from None


def details_of(refusal: ValidationError, prefix: str = "") -> list[dict]:
    """pydantic's errors as the API's details: [{"path", "message"}]."""
    return [{"path": path_of(error["loc"], prefix), "message": _words(error)}
            for error in refusal.errors(include_url=False)]


def _words(error: dict) -> str:
    words = _WORDS.get(error["type"])
    return words.format(**error.get("ctx", {})) if words else error["msg"]


def path_of(loc: tuple, prefix: str = "") -> str:
    path = prefix
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path or "$"


def refusal(message: str) -> PydanticCustomError:
    """A validator's refusal in exactly these words (raise it)."""
    return PydanticCustomError("refused", "{message}", {"message": str(message)})


def says(message: str | None = None, /, **by_type: str) -> WrapValidator:
    """The words a field answers a refusal with.

    `says("a whole number from 1 to 24")`: any refusal of the field, whatever pydantic
    found. `says(too_short="at least one carton is required")`: a list's own refusals by
    pydantic's type, while its items keep their own paths and words. Messages may be
    lazy translations: they are rendered when the refusal happens.
    """

    def wrap(value, handler):
        try:
            return handler(value)
        except ValidationError as error:
            if message is not None:
                raise refusal(message) from None
            own = next((e for e in error.errors() if not e["loc"] and e["type"] in by_type),
                       None)
            if own is None:
                raise
            raise refusal(by_type[own["type"]]) from None

    return WrapValidator(wrap)


def _printable(pattern: re.Pattern) -> AfterValidator:
    def check(value: str) -> str:
        if pattern.search(value):
            raise refusal(CONTROL_CHARACTERS)
        return value

    return AfterValidator(check)


def is_text(value: object) -> bool:
    """Text without a control character: what a code (a number, a label, a SKU) may be."""
    return isinstance(value, str) and not _CODE_REFUSES.search(value)


def _none_is_blank(value):
    return "" if value is None else value


def text(max_length: int, *, required: bool = False, kind: str = "code",
         blank: str = "is required") -> Any:
    """Text, trimmed, of at most `max_length` characters; "" or null are "not given" (and,
    when `required`, refused in the words `blank`). `kind` says which characters it may
    hold: "code" (labels, SKUs, numbers: none of the control characters), "note" (lines
    and tabs too)."""
    refuses = {"code": _CODE_REFUSES, "note": _NOTE_REFUSES}[kind]
    return Annotated[
        StrictStr,
        StringConstraints(strip_whitespace=True, min_length=1 if required else 0,
                          max_length=max_length),
        says(string_too_short=blank),
        _printable(refuses),
        BeforeValidator(_none_is_blank),
    ]


# What a scanner or a camera typed, as it came (barcodes.parse_scan trims and reads it).
Scanned = Annotated[StrictStr, _printable(_SCAN_REFUSES)]


def whole_number(low: int, high: int, words: str | None = None, *, form: bool = False) -> Any:
    """A whole number from `low` to `high` (never true or false); `form` also takes the
    digits a form sends."""
    checked_number = Annotated[
        StrictInt, Field(ge=low, le=high),
        says(words or f"a whole number from {low} to {high}"),
    ]
    return Annotated[checked_number, BeforeValidator(_digits)] if form else checked_number


def _digits(value):
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value


Flag = Annotated[StrictBool, says("must be true or false")]


def one_of(choices: Callable[[], Any], words: str) -> Any:
    """Text that is one of `choices()` (read when checked), else `words`."""

    def check(value: str) -> str:
        if value not in choices():
            raise refusal(words)
        return value

    return Annotated[StrictStr, AfterValidator(check)]


# --- dates and times in a sane window -------------------------------------------------------

def _today(info: ValidationInfo) -> date:
    """The day the window is measured from: the context's "today" (tests, reports), else
    the UTC date now."""
    if isinstance(info.context, dict) and "today" in info.context:
        return info.context["today"]
    return datetime.now(UTC).date()


def day(*, before: timedelta, after: timedelta, words: str = "a date, YYYY-MM-DD") -> Any:
    """An ISO date (text) no more than `before` before today and `after` after it."""

    def within(value: date, info: ValidationInfo) -> date:
        now = _today(info)
        if not now - before <= value <= now + after:
            raise refusal(f"a date from {(now - before).isoformat()} "
                          f"to {(now + after).isoformat()}")
        return value

    return Annotated[
        Annotated[StrictStr, AfterValidator(date.fromisoformat), says(words)],
        AfterValidator(within),
    ]


# A phone queues scans for up to 14 days offline; its clock may run a little fast.
CLIENT_TIME_PAST = timedelta(days=30)
CLIENT_TIME_FUTURE = timedelta(days=1)


def _near_now(value: datetime) -> datetime:
    now = datetime.now(UTC)
    if not now - CLIENT_TIME_PAST <= value <= now + CLIENT_TIME_FUTURE:
        raise refusal("within the last 30 days")
    return value


# A clock at year 9999 or 1970 tells nothing about the scan.
ClientTime = Annotated[
    Annotated[AwareDatetime, says("e.g. 2026-11-22T08:15:00Z")], AfterValidator(_near_now),
]


def client_time(value: str | None, path: str = "X-Client-Time") -> datetime | None:
    """The phone's clock at capture (ISO 8601 with a zone, at most 30 days ago and a day
    ahead), or None when not given; else InvalidInput."""
    if not value:
        return None
    return checked_value(ClientTime, value, path,
                         f"{path} must be an ISO 8601 time with a zone, near now.")
