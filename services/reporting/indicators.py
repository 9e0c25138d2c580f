"""The indicators of CONTRACT §4: one function per indicator id."""
from __future__ import annotations

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Connection

from .periods import Period, Scope
from .projections import IndicatorsProjection


def count(value: int) -> dict:
    return {"value": value, "numerator": value, "denominator": None}


def schools_in_scope(p: IndicatorsProjection, scope: Scope, t: float):
    """The schools S of a scope: registered at T with that code."""
    s = p.schools
    query = select(s.c.school_code).where(s.c.registered_at < t)
    column = {"region": s.c.region_code, "province": s.c.province_code, "school": s.c.school_code}.get(scope.level)
    if column is not None:
        query = query.where(column == scope.code)
    return query


def assets_in_service(p: IndicatorsProjection, scope: Scope, t: float):
    """(asset_id, school_code) of assets at a school of S and not decommissioned, at T."""
    pl = p.placements
    latest = (select(pl.c.asset_id, pl.c.school_code,
                     func.row_number().over(partition_by=pl.c.asset_id,
                                            order_by=(pl.c.at.desc(), pl.c.position.desc())).label("rn"))
              .where(pl.c.at < t).subquery())
    d = p.decommissions
    gone = select(d.c.asset_id).where(and_(d.c.asset_id == latest.c.asset_id, d.c.at < t)).exists()
    return (select(latest.c.asset_id, latest.c.school_code)
            .where(latest.c.rn == 1, latest.c.school_code.in_(schools_in_scope(p, scope, t)), ~gone))


def inf01_equipment_in_service(conn: Connection, p: IndicatorsProjection, scope: Scope, period: Period,
                               t: float) -> dict:
    q = assets_in_service(p, scope, t).subquery()
    return count(conn.execute(select(func.count()).select_from(q)).scalar_one())


INDICATORS = {
    "INF01": inf01_equipment_in_service,
}


def compute(conn: Connection, p: IndicatorsProjection, scope: Scope, period: Period, t: float) -> list[dict]:
    return [{"id": ident, **f(conn, p, scope, period, t)} for ident, f in INDICATORS.items()]
