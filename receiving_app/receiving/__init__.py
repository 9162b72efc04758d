"""The receiving domain: plain Python and the session, no request, no templates.

Each use case is one function and one transaction; wrong steps raise domain errors.
"""
from .closing import cancel_asn, close_receipt
from .counting import arrive_asn, complete_count, receive_carton
from .inspection import count_units, inspect_carton
from .intake import submit_asn, submit_asns, validate_asns
from .putaway import carton_for_putaway, put_away, suggest_location
from .queries import find_asn, list_asns
from .raising import attach_photo, raise_exception
from .resolving import resolve_exception, reverse_resolution
from .scans import ScanResult

__all__ = [
    "ScanResult", "arrive_asn", "attach_photo", "cancel_asn", "carton_for_putaway",
    "close_receipt", "complete_count", "count_units", "find_asn", "inspect_carton",
    "list_asns", "put_away", "raise_exception", "receive_carton", "resolve_exception", "reverse_resolution",
    "submit_asn", "submit_asns", "suggest_location", "validate_asns",
]
