"""The receiving domain: plain Python and the session, no request, no templates.

Each use case is one function and one transaction; wrong steps raise domain errors.
"""
from .errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, WrongStep
from .intake import submit_asn, submit_asns, validate_asns
from .queries import find_asn, list_asns

__all__ = [
    "Conflict", "DomainError", "Forbidden", "InvalidInput", "NotFound", "WrongStep",
    "find_asn", "list_asns", "submit_asn", "submit_asns", "validate_asns",
]
