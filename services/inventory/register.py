"""The register of equipment: each asset's status and warranty state, filtered, searched, ordered and
paged. Pure: rows in, a page out."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from shared.calendar import local_date, warranty_ends_on

ENDING_DAYS = 60


def status_of(asset: dict) -> str:
    """In stock, assigned, installed, unused or broken at the last visit, or decommissioned."""
    if not asset["in_service"]:
        return "decommissioned"
    if asset["school_code"] is None:
        return "in_stock"
    if asset.get("observation") in ("unused", "broken"):
        return asset["observation"]
    return "installed" if asset["installed"] else "assigned"


def warranty_of(ends_on: date, today: date) -> str:
    if ends_on <= today:
        return "ended"
    return "ending" if ends_on <= today + timedelta(days=ENDING_DAYS) else "running"


def _dates(received_at: str, months: int, today: date) -> dict:
    received = datetime.fromisoformat(received_at)
    ends = warranty_ends_on(received, months)
    return {"received_on": local_date(received).isoformat(), "warranty_ends_on": ends.isoformat(),
            "warranty": warranty_of(ends, today), "age_years": (today - local_date(received)).days // 365}


def described(asset: dict, schools: dict, today: date, dates: dict | None = None) -> dict:
    """An asset's line of the register; `dates` keeps the dates worked out for each reception and warranty,
    shared by the items of a delivery."""
    key = (asset["received_at"], asset["warranty_months"])
    known = dates.get(key) if dates is not None else None
    if known is None:
        known = _dates(*key, today)
        if dates is not None:
            dates[key] = known
    school = schools.get(asset["school_code"]) or {}
    line = {k: v for k, v in asset.items() if k != "observation"}
    line.update(known, status=status_of(asset), commune=school.get("commune"), school_name_ar=school.get("name_ar"),
                school_name_fr=school.get("name_fr"), last_observation=asset.get("observation"))
    return line


_ORDER = {"serial": lambda a: a["serial"].upper(), "kind": lambda a: (a["kind"], a["serial"].upper()),
          "school": lambda a: (a["school_code"] or "", a["serial"].upper()),
          "received": lambda a: (a["received_at"], a["serial"].upper()),
          "warranty": lambda a: (a["warranty_ends_on"], a["serial"].upper())}


def _warranty_order(dates: dict, today: date):
    """The warranty order of rows not yet worked out: each reception's and warranty's dates worked out once."""
    def order(a):
        key = (a["received_at"], a["warranty_months"])
        if key not in dates:
            dates[key] = _dates(*key, today)
        return dates[key]["warranty_ends_on"], a["serial"].upper()
    return order


def register(assets: list[dict], schools: dict, query: dict, today: date) -> dict:
    # What an asset's own row says is filtered first; the rest is worked out only for the rows kept.
    rows = assets
    for key in ("school_code", "kind", "bundle", "delivery_ref", "supplier"):
        if query.get(key) is not None:
            rows = [r for r in rows if r.get(key) == query[key]]
    if query.get("school_codes") is not None:
        allowed = set(query["school_codes"])
        rows = [r for r in rows if r["school_code"] in allowed]
    if query.get("q"):
        needle = query["q"].strip().upper()
        rows = [r for r in rows if needle in r["serial"].upper() or needle in (r["model"] or "").upper()]
    if query.get("status") is not None:
        rows = [r for r in rows if status_of(r) == query["status"]]
    dates: dict = {}
    sort = query.get("sort") or "serial"
    # Lines are worked out for every row only when a filter needs them; else for one page.
    whole = any(query.get(k) is not None for k in ("commune", "warranty", "age_min", "age_max"))
    if whole:
        rows = [described(a, schools, today, dates) for a in rows]
    order = _warranty_order(dates, today) if sort == "warranty" and not whole else _ORDER[sort]
    for key in ("commune", "warranty"):
        if query.get(key) is not None:
            rows = [r for r in rows if r.get(key) == query[key]]
    if query.get("age_min") is not None:
        rows = [r for r in rows if r["age_years"] >= query["age_min"]]
    if query.get("age_max") is not None:
        rows = [r for r in rows if r["age_years"] <= query["age_max"]]
    rows.sort(key=order, reverse=bool(query.get("desc")))
    per_page, page = query.get("per_page", 50), query.get("page", 1)
    total = len(rows)
    if per_page:
        rows = rows[(page - 1) * per_page:page * per_page]
    if not whole:
        rows = [described(a, schools, today, dates) for a in rows]
    return {"total": total, "page": page, "per_page": per_page, "items": rows}


def deliveries(assets: list[dict]) -> list[dict]:
    """Each delivery: its supplier, when it came, how many items, how many assigned and installed."""
    found: dict[str, dict] = {}
    for a in assets:
        d = found.setdefault(a["delivery_ref"], {
            "delivery_ref": a["delivery_ref"], "supplier": a["supplier"], "received_at": a["received_at"],
            "items": 0, "assigned": 0, "installed": 0, "kinds": {}})
        d["items"] += 1
        d["assigned"] += a["school_code"] is not None
        d["installed"] += bool(a["installed"])
        d["kinds"][a["kind"]] = d["kinds"].get(a["kind"], 0) + 1
        d["received_at"] = min(d["received_at"], a["received_at"])
    return sorted(found.values(), key=lambda d: d["received_at"], reverse=True)
