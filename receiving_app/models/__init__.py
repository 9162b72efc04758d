"""The SQLAlchemy models, one module per aggregate."""
from .adjustments import Adjustment, AdjustmentReason, AdjustmentState
from .asn import Asn, AsnStatus, Carton, CartonContent, CartonStatus, ScanEvent
from .base import utcnow
from .catalog import BarcodeKind, Sku, SkuBarcode
from .claims import (
    CarrierWindow, Claim, ClaimEvent, ClaimItem, ClaimKind, ClaimStatus, Holiday,
)
from .cycle_counts import CycleCount, CycleCountLine, CycleCountPlace, CycleCountState
from .deliveries import AsnStep, CarrierMode, Delivery, DocumentKind, StepName
from .exceptions import (
    ExceptionKind,
    ExceptionState,
    Photo,
    ReceivingException,
    Resolution,
    ResolutionKind,
)
from .inspection import (
    InspectionLevel, InspectionSwitch, ReceiptInspection, SellerInspection,
)
from .inventory import Balance, Bucket, Movement
from .users import ApiToken, Role, Seller, User
from .warehouse import Location, LocationKind, SamplingPolicy, Warehouse
from .webhooks import OutboxEvent, WebhookDelivery, WebhookEndpoint

__all__ = [
    "Adjustment", "AdjustmentReason", "AdjustmentState", "ApiToken", "Asn", "AsnStatus",
    "AsnStep", "Balance", "BarcodeKind", "Bucket", "CarrierMode", "CarrierWindow", "Carton",
    "CartonContent", "CartonStatus", "Claim", "ClaimEvent", "ClaimItem", "ClaimKind",
    "ClaimStatus", "CycleCount", "CycleCountLine", "CycleCountPlace", "CycleCountState",
    "Delivery", "DocumentKind", "ExceptionKind", "ExceptionState", "Holiday", "InspectionLevel",
    "InspectionSwitch", "Location", "LocationKind", "Movement", "Photo", "ReceiptInspection",
    "ReceivingException", "Resolution", "ResolutionKind", "OutboxEvent", "Role",
    "SamplingPolicy", "ScanEvent", "Seller", "SellerInspection", "Sku", "SkuBarcode",
    "StepName", "User", "Warehouse", "WebhookDelivery", "WebhookEndpoint", "utcnow",
]
