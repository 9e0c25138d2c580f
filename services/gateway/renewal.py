"""The renewal plan: which assets and which schools to renew first. Pure: the register and the faults of
the last twelve months in, a ranking out. The rule is said on the page, so it is kept here in one place."""
from __future__ import annotations

from datetime import datetime, timezone

# Points per year of age, per fault in the last 12 months, per 30 days out of service, for a warranty ended.
AGE, FAULT, DOWN, ENDED = 2, 3, 1, 2


def _days_down(fault: dict, now: datetime) -> float:
    start = datetime.fromisoformat(fault["declared_at"])
    end = datetime.fromisoformat(fault["closed_at"]) if fault.get("closed_at") else now
    return max(0.0, (end - start).total_seconds() / 86_400)


def rank(assets: list[dict], faults: list[dict], now: datetime | None = None) -> list[dict]:
    """Assets in service by score, highest first: age, faults, time out of service, warranty."""
    now = now or datetime.now(timezone.utc)
    by_asset: dict[str, list[dict]] = {}
    for f in faults:
        by_asset.setdefault(f["asset_id"], []).append(f)
    ranked = []
    for a in assets:
        if a["status"] == "decommissioned":
            continue
        mine = by_asset.get(a["asset_id"], [])
        down = sum(_days_down(f, now) for f in mine)
        score = AGE * a["age_years"] + FAULT * len(mine) + DOWN * down / 30 + (ENDED if a["warranty"] == "ended" else 0)
        ranked.append({**a, "faults_12m": len(mine), "days_down": round(down, 1), "score": round(score, 1)})
    ranked.sort(key=lambda r: (-r["score"], r["serial"]))
    return ranked


def schools(ranked: list[dict]) -> list[dict]:
    """Schools by the mean score of their equipment, with how many items score highest."""
    found: dict[str, dict] = {}
    for r in ranked:
        if not r.get("school_code"):
            continue
        s = found.setdefault(r["school_code"], {"school_code": r["school_code"], "items": 0, "total": 0.0,
                                                "faults_12m": 0, "ended": 0})
        s["items"] += 1
        s["total"] += r["score"]
        s["faults_12m"] += r["faults_12m"]
        s["ended"] += r["warranty"] == "ended"
    rows = [{**s, "score": round(s["total"] / s["items"], 1)} for s in found.values()]
    rows.sort(key=lambda s: (-s["score"], s["school_code"]))
    return rows
