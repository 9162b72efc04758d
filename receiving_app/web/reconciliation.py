"""The reconciliation report as JSON and as CSV, for the API, the review desk and the seller."""
import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import request

from ..inventory.reconciliation import (
    BUCKETS, Flow, SkuReconciliation, parse_reconciliation_period, reconciliation,
)
from ..models import User, Warehouse

CSV_COLUMNS = ["warehouse", "seller", "sku", "description", "bucket", "from", "to", "beginning",
               "in", "out", "ending", "balanced"]


def requested_report(user: User, *, seller: str | None = None) -> list[SkuReconciliation]:
    """The report for the request's ?warehouse=&seller=&sku=&from=&to= (a page may pin the
    seller)."""
    args = request.args
    period = parse_reconciliation_period(args.get("from") or None, args.get("to") or None)
    return reconciliation(user, period, warehouse=args.get("warehouse") or None,
                          seller=seller or args.get("seller") or None,
                          sku=args.get("sku") or None)


def report_json(rows: list[SkuReconciliation]) -> dict:
    return {"skus": [{
        "warehouse": row.warehouse.code, "seller": row.seller.code, "sku": row.sku.code,
        "description": row.sku.description, "from": row.start.isoformat(),
        "to": row.end.isoformat(),
        "balanced": row.balanced,
        "buckets": {bucket.value: _flow_json(row.flows[bucket]) for bucket in BUCKETS},
    } for row in rows]}


def _flow_json(flow: Flow) -> dict:
    return {
        "beginning": flow.beginning,
        "in": {"total": flow.total_in, "by_reason": dict(sorted(flow.ins.items()))},
        "out": {"total": flow.total_out, "by_reason": dict(sorted(flow.outs.items()))},
        "ending": flow.ending,
        "balanced": flow.balanced,
    }


def report_csv(rows: list[SkuReconciliation]) -> bytes:
    """One row per warehouse, seller, SKU and bucket; then a column per reason units came in
    (`in_<reason>`) or went out (`out_<reason>`) in this report. UTF-8 with a BOM, so Excel
    reads Chinese descriptions."""
    ins = sorted({r for row in rows for flow in row.flows.values() for r in flow.ins})
    outs = sorted({r for row in rows for flow in row.flows.values() for r in flow.outs})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS + [f"in_{r}" for r in ins] + [f"out_{r}" for r in outs])
    for row in rows:
        for bucket in BUCKETS:
            flow = row.flows[bucket]
            writer.writerow([
                row.warehouse.code, row.seller.code, row.sku.code, row.sku.description,
                bucket.value, row.start.isoformat(), row.end.isoformat(), flow.beginning,
                flow.total_in, flow.total_out, flow.ending, "yes" if flow.balanced else "no",
            ] + [flow.ins.get(r, 0) for r in ins] + [flow.outs.get(r, 0) for r in outs])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def local_time(value: datetime, warehouse: Warehouse) -> str:
    """A time on the warehouse's clock with its offset, "2026-03-06 16:00 UTC-08:00": the
    same in every language."""
    local = value.astimezone(ZoneInfo(warehouse.timezone))
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} UTC{offset[:3]}:{offset[3:]}"
