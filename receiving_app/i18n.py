"""Languages: English and Simplified Chinese, chosen by the user's setting or the browser.

The catalogues are `translations/<locale>/LC_MESSAGES/messages.po` (checked in) compiled
to `.mo` by `make translations`. Enum values shown to people go through `label()`, so a
status reads "已关闭" for a Chinese reader while the API keeps "closed".
"""
import enum
from pathlib import Path

from flask import Flask, g, has_request_context, request
from flask_babel import LazyString, get_locale, lazy_gettext as _l
from flask_login import current_user

from .extensions import babel
from .models import (
    AdjustmentReason, AdjustmentState, AsnStatus, Bucket, CarrierMode, CartonStatus,
    ClaimKind, ClaimStatus, CycleCountState, DocumentKind, ExceptionKind, ExceptionState,
    InspectionLevel, ResolutionKind, StepName,
)

DEFAULT_LOCALE = "en"
SUPPORTED_LOCALES = ("en", "zh_Hans")
# Each language named in itself: a reader who cannot read the page can still find theirs.
LANGUAGE_NAMES = {"en": "English", "zh_Hans": "简体中文"}
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"

_LABELS: dict[type[enum.Enum], dict[str, LazyString]] = {
    AsnStatus: {
        "submitted": _l("submitted"), "arrived": _l("arrived"), "counted": _l("counted"),
        "inspected": _l("inspected"), "put_away": _l("put away"), "closed": _l("closed"),
        "cancelled": _l("cancelled"),
    },
    CartonStatus: {
        "expected": _l("not received"), "received": _l("received"),
        "put_away": _l("received, put away"), "missing": _l("missing"),
    },
    ExceptionKind: {
        "missing_carton": _l("missing carton"), "unexpected_carton": _l("unexpected carton"),
        "duplicate_label": _l("duplicate label"), "short": _l("short units"),
        "over": _l("over units"), "wrong_sku": _l("wrong SKU"), "damaged": _l("damaged"),
        "undeclared_mixed": _l("undeclared mixed carton"),
        "unreadable_label": _l("unreadable label"), "seller_dispute": _l("seller dispute"),
    },
    ExceptionState: {
        "draft": _l("waiting for a photo"), "open": _l("open"), "resolved": _l("resolved"),
    },
    ResolutionKind: {
        "accept": _l("variance accepted"), "recount": _l("recount ordered"),
        "carrier_claim": _l("carrier claim"), "reject": _l("rejected"),
        "recount_matched": _l("recount matched the packing list"),
    },
    Bucket: {
        "in_transit": _l("in transit"), "receiving": _l("on the dock"), "on_hand": _l("on hand"),
        "quarantine": _l("quarantine"), "reserved": _l("reserved"),
    },
    CycleCountState: {
        "open": _l("to count"), "recount": _l("to recount"), "completed": _l("to approve"),
        "approved": _l("approved"),
    },
    AdjustmentState: {
        "proposed": _l("proposed"), "awaiting_approval": _l("awaiting approval"),
        "posted": _l("posted"), "rejected": _l("rejected"),
    },
    StepName: {
        "submitted": _l("submitted"), "checked_in": _l("truck checked in"),
        "counted": _l("cartons counted"), "inspected": _l("sample inspected"),
        "put_away": _l("put away"), "closed": _l("closed"), "cancelled": _l("cancelled"),
    },
    DocumentKind: {
        "pod": _l("delivery receipt"), "bol": _l("bill of lading"), "seal": _l("seal"),
        "trailer": _l("trailer"), "other": _l("other document"),
    },
    CarrierMode: {
        "ltl": _l("less than truckload"), "ftl": _l("full truckload"), "parcel": _l("parcel"),
        "ocean": _l("ocean"), "air": _l("air"),
    },
    ClaimKind: {
        "visible_damage": _l("visible damage"), "concealed_damage": _l("concealed damage"),
        "shortage": _l("shortage"), "loss": _l("loss"),
    },
    InspectionLevel: {
        "normal": _l("normal"), "tightened": _l("tightened"), "reduced": _l("reduced"),
    },
    ClaimStatus: {
        "to_file": _l("to file"), "filed": _l("filed"), "paid": _l("paid"),
        "denied": _l("denied"), "expired": _l("expired"), "withdrawn": _l("withdrawn"),
    },
}
# The ledger's movement reasons are plain strings in the movement rows (an adjustment's are
# its AdjustmentReason values), named here as the reconciliation report shows them.
MOVEMENT_REASONS: dict[str, LazyString] = {
    "asn_submitted": _l("declared on an ASN"), "carton_received": _l("received"),
    "put_away": _l("put away"), "missing_at_close": _l("written off missing at close"),
    "carton_missing": _l("carton missing"), "asn_cancelled": _l("ASN cancelled"),
    "decision_reversed": _l("decision reversed"),
    "short_accept": _l("short, accepted"), "short_carrier_claim": _l("short, carrier claim"),
    "over_accept": _l("over, accepted"), "over_carrier_claim": _l("over, carrier claim"),
    "wrong_sku_accept": _l("wrong SKU, accepted"),
    "wrong_sku_carrier_claim": _l("wrong SKU, carrier claim"),
    "undeclared_mixed_accept": _l("undeclared mixed, accepted"),
    "undeclared_mixed_carrier_claim": _l("undeclared mixed, carrier claim"),
    "damaged_accept": _l("damaged on arrival"),
    "damaged_carrier_claim": _l("damaged in transit, carrier claim"),
    AdjustmentReason.COUNT_GAIN.value: _l("count gain"),
    AdjustmentReason.COUNT_LOSS.value: _l("count loss"),
    AdjustmentReason.DAMAGED_IN_STORAGE.value: _l("damaged in storage"),
    AdjustmentReason.FOUND.value: _l("found"), AdjustmentReason.LOST.value: _l("lost"),
    AdjustmentReason.DISPUTE_ACCEPTED.value: _l("dispute accepted"),
    AdjustmentReason.CORRECTION.value: _l("correction"),
    AdjustmentReason.RELEASED.value: _l("released from quarantine"),
    AdjustmentReason.DISPOSED.value: _l("disposed"),
    AdjustmentReason.RETURNED_TO_SELLER.value: _l("returned to the seller"),
}
# The scan log's steps and outcomes are plain strings in the event rows.
SCAN_WORDS: dict[str, LazyString] = {
    "receive": _l("carton count"), "inspect": _l("sample count"), "putaway": _l("putaway"),
    "received": _l("received"), "duplicate": _l("duplicate scan"),
    "unknown": _l("not on the ASN"), "unreadable": _l("unreadable"), "counted": _l("counted"),
    "put_away": _l("put away"),
}

# What happened to a carrier claim (ClaimEvent.action).
CLAIM_ACTIONS: dict[str, LazyString] = {
    "opened": _l("opened"), "exception_added": _l("exception added"),
    "exception_removed": _l("exception taken out"), "updated": _l("updated"),
    "deadline_warned": _l("seller warned of the deadline"), "expired": _l("expired"),
}

# Notes the receiving flow writes itself (counting.py, inspection.py), stored in English.
SYSTEM_NOTES = {
    "Carton label not on the ASN.": _l("Carton label not on the ASN."),
    "Carton on the ASN was not delivered.": _l("Carton on the ASN was not delivered."),
    "The recount no longer shows this difference.":
        _l("The recount no longer shows this difference."),
}


def init_i18n(app: Flask) -> None:
    """Bind Flask-Babel with our selector and catalogues; give templates `label` and `lang`."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["scan_word"] = scan_word
    app.jinja_env.filters["note"] = note_text
    app.jinja_env.filters["reason"] = reason_word
    app.jinja_env.filters["claim_action"] = claim_action
    app.context_processor(lambda: {"lang": html_lang(), "language_names": LANGUAGE_NAMES})


def select_locale() -> str:
    """The user's saved language, else the best the browser asks for, else English."""
    if not has_request_context():
        return DEFAULT_LOCALE
    user = g.get("api_user") if request.blueprint == "api" else current_user
    saved = getattr(user, "locale", None) if user is not None else None
    if saved in SUPPORTED_LOCALES:
        return saved
    return locale_from_accept_language(request.accept_languages)


def locale_from_accept_language(languages) -> str:
    """Map Accept-Language (best first) onto what we have.

    Every Chinese tag (zh, zh-CN, zh-SG, zh-Hans, and zh-TW / zh-HK too) gets Simplified
    Chinese: we have no Traditional catalogue, and it is closer for those readers than English.
    """
    for value, _quality in languages:
        tag = value.lower()
        if tag.startswith("zh"):
            return "zh_Hans"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LOCALE


def html_lang() -> str:
    """The page's <html lang>, a BCP 47 tag."""
    locale = get_locale()
    return str(locale).replace("_", "-") if locale is not None else DEFAULT_LOCALE


def label(value: enum.Enum | None) -> str:
    """The translated name of a status, exception kind, state or resolution."""
    if value is None:
        return ""
    names = _LABELS.get(type(value), {})
    return str(names.get(value.value, value.value.replace("_", " ")))


def scan_word(value: str) -> str:
    """The translated name of a scan step or outcome."""
    word = SCAN_WORDS.get(value)
    return str(word) if word is not None else value.replace("_", " ")


def reason_word(value: str) -> str:
    """The translated name of a movement's reason (an adjustment's too)."""
    word = MOVEMENT_REASONS.get(str(value))
    return str(word) if word is not None else str(value).replace("_", " ")


def note_text(note: str) -> str:
    """A note as written by a person, or the translation of one the system wrote."""
    known = SYSTEM_NOTES.get(note)
    return str(known) if known is not None else note


def claim_action(value: str) -> str:
    """What happened to a claim, in words."""
    word = CLAIM_ACTIONS.get(value)
    return str(word) if word is not None else value.replace("_", " ")
