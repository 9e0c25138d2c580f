"""Resources' read models, kept in the same transaction as its log, and their queries."""
import json
from datetime import datetime

from sqlalchemy import Column, Index, MetaData, Table, func, insert, select, update

from shared.columns import count, day, filled_later, instant, key, label, log_position, ref, text, user, words
from shared.projector import Projection


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


ID = 64  # resources' ids are longer than the other services'


class ResourcesViews(Projection):
    name = "resources_views"

    def define_tables(self, metadata: MetaData) -> None:
        def listed(name: str) -> list[Column]:
            """The id of a row the lists show, and the position of its first event: their order."""
            return [key(name, ID), log_position()]

        self.resources = Table(
            "catalogue", metadata,
            *listed("resource_id"),
            words("title"),
            words("subject", 100, optional=True),  # a submitted resource has only a title
            text("levels", optional=True),  # JSON list
            label("format", optional=True),
            label("origin"),
            ref("project_id", ID, optional=True),
            label("status"),
            instant("catalogued_at"),
            instant("status_at"),
        )
        self.distributions = Table(
            "distributions", metadata,
            log_position(),
            ref("resource_id", ID),
            ref("school_code"),
            label("channel", 100),
            instant("occurred_at"),
            Index("ix_distributions_resource", "resource_id"),
            Index("ix_distributions_school", "school_code"),
        )
        self.projects = Table(
            "production_projects", metadata,
            *listed("project_id"),
            words("title"),
            words("subject", 100),
            text("members"),
            instant("started_at"),
        )
        self.committees = Table(
            "committees", metadata,
            key("committee_id", ID),
            instant("held_at"),
            text("members"),
            user("recorded_by"),
            log_position(),
        )
        self.decisions = Table(
            "committee_decisions", metadata,
            ref("committee_id", ID),
            count("rank"),
            ref("resource_id", ID),
            label("decision"),
            text("remarks"),
            Index("ix_committee_decisions_resource", "resource_id"),
        )
        self.workshops = Table(
            "workshops", metadata,
            *listed("workshop_id"),
            instant("held_at"),
            text("school_codes"),
            count("participants"),
            words("topic"),
        )
        self.usage = Table(
            "resource_usage", metadata,
            log_position(primary=True),
            ref("school_code"),
            ref("resource_id", ID),
            day("period_start"),
            day("period_end"),
            count("uses"),
            count("teachers"),
            Index("ix_resource_usage_school", "school_code", "resource_id"),
        )
        self.practices = Table(
            "good_practices", metadata,
            *listed("practice_id"),
            ref("school_code"),
            words("teacher"),
            text("description"),
            instant("recorded_at"),
        )
        self.dysfunctions = Table(
            "dysfunctions", metadata,
            *listed("dysfunction_id"),
            ref("school_code"),
            text("description"),
            instant("reported_at"),
            *filled_later(text("resolution"), instant("resolved_at")),
        )
        self.research = Table(
            "local_research", metadata,
            *listed("research_id"),
            words("title"),
            text("findings"),
            text("recommendations"),
            instant("recorded_at"),
        )

    # ---- how each event changes them

    def on_resource_received(self, conn, env):
        d, at = env["data"], env["occurred_at"]
        conn.execute(insert(self.resources).values(
            resource_id=d["resource_id"], position=env["position"], title=d["title"], subject=d["subject"],
            levels=_json(d["levels"]), format=d["format"], origin=d["origin"], status="received",
            catalogued_at=at, status_at=at))

    def on_resource_submitted(self, conn, env):
        d, at = env["data"], env["occurred_at"]
        r = self.resources
        known = conn.execute(select(r.c.resource_id).where(r.c.resource_id == d["resource_id"])).scalar()
        if known is None:
            conn.execute(insert(r).values(
                resource_id=d["resource_id"], position=env["position"], title=d["title"], origin="local",
                project_id=d["project_id"], status="submitted", catalogued_at=at, status_at=at))
        else:  # resubmitted after a revision, perhaps under a new title
            conn.execute(update(r).where(r.c.resource_id == d["resource_id"])
                         .values(title=d["title"], status="submitted", status_at=at))

    def on_resource_distributed(self, conn, env):
        d = env["data"]
        conn.execute(insert(self.distributions), [
            {"position": env["position"], "resource_id": d["resource_id"], "school_code": code,
             "channel": d["channel"], "occurred_at": env["occurred_at"]} for code in d["school_codes"]])

    def on_production_project_started(self, conn, env):
        d = env["data"]
        conn.execute(insert(self.projects).values(
            project_id=d["project_id"], position=env["position"], title=d["title"], subject=d["subject"],
            members=_json(d["members"]), started_at=env["occurred_at"]))

    def on_validation_committee_held(self, conn, env):
        d, at = env["data"], env["occurred_at"]
        conn.execute(insert(self.committees).values(
            committee_id=d["committee_id"], held_at=at, members=_json(d["members"]),
            recorded_by=env["actor"]["user"], position=env["position"]))
        for rank, decision in enumerate(d["decisions"]):
            conn.execute(insert(self.decisions).values(
                committee_id=d["committee_id"], rank=rank, resource_id=decision["resource_id"],
                decision=decision["decision"], remarks=decision["remarks"]))
            conn.execute(update(self.resources).where(self.resources.c.resource_id == decision["resource_id"])
                         .values(status=decision["decision"], status_at=at))

    def on_awareness_workshop_held(self, conn, env):
        d = env["data"]
        conn.execute(insert(self.workshops).values(
            workshop_id=d["workshop_id"], position=env["position"], held_at=env["occurred_at"],
            school_codes=_json(d["school_codes"]), participants=d["participants"], topic=d["topic"]))

    def on_resource_usage_recorded(self, conn, env):
        d = env["data"]
        conn.execute(insert(self.usage).values(
            position=env["position"], school_code=d["school_code"], resource_id=d["resource_id"],
            period_start=d["period_start"], period_end=d["period_end"], uses=d["uses"], teachers=d["teachers"]))

    def on_good_practice_recorded(self, conn, env):
        d = env["data"]
        conn.execute(insert(self.practices).values(
            practice_id=d["practice_id"], position=env["position"], school_code=d["school_code"],
            teacher=d["teacher"], description=d["description"], recorded_at=env["occurred_at"]))

    def on_dysfunction_reported(self, conn, env):
        d = env["data"]
        conn.execute(insert(self.dysfunctions).values(
            dysfunction_id=d["dysfunction_id"], position=env["position"], school_code=d["school_code"],
            description=d["description"], reported_at=env["occurred_at"]))

    def on_dysfunction_resolved(self, conn, env):
        d, t = env["data"], self.dysfunctions
        conn.execute(update(t).where(t.c.dysfunction_id == d["dysfunction_id"])
                     .values(resolution=d["resolution"], resolved_at=env["occurred_at"]))

    def on_local_research_recorded(self, conn, env):
        d = env["data"]
        conn.execute(insert(self.research).values(
            research_id=d["research_id"], position=env["position"], title=d["title"], findings=d["findings"],
            recommendations=d["recommendations"], recorded_at=env["occurred_at"]))

    # ---- what commands need

    def committees_deciding(self, conn, resource_id: str) -> list[str]:
        """The committees that decided on a resource, oldest first."""
        d, c = self.decisions, self.committees
        return list(conn.execute(
            select(d.c.committee_id).join(c, c.c.committee_id == d.c.committee_id)
            .where(d.c.resource_id == resource_id).order_by(c.c.position)).scalars())

    # ---- queries

    def catalogue(self, conn, status: str | None = None) -> list[dict]:
        """Every resource with its status and the schools it was distributed to."""
        q = select(self.resources).order_by(self.resources.c.position)
        if status is not None:
            q = q.where(self.resources.c.status == status)
        rows = [self._resource(r) for r in conn.execute(q).mappings()]
        reach = self._distributed_to(conn, [r["resource_id"] for r in rows])
        for r in rows:
            r["distributed_to"] = reach.get(r["resource_id"], [])
        return rows

    def _distributed_to(self, conn, resource_ids) -> dict[str, list[str]]:
        t = self.distributions
        out: dict[str, list[str]] = {}
        if not resource_ids:
            return out
        for rid, code in conn.execute(select(t.c.resource_id, t.c.school_code).distinct()
                                      .where(t.c.resource_id.in_(resource_ids))
                                      .order_by(t.c.resource_id, t.c.school_code)):
            out.setdefault(rid, []).append(code)
        return out

    @staticmethod
    def _resource(row) -> dict:
        r = dict(row)
        r["levels"] = json.loads(r["levels"]) if r["levels"] is not None else None
        return r

    def school_resources(self, conn, school_code: str) -> list[dict]:
        """The resources distributed to a school: when first, by which channels, uses recorded there."""
        t, r, u = self.distributions, self.resources, self.usage
        first, channels = {}, {}
        for rid, channel, at in conn.execute(select(t.c.resource_id, t.c.channel, t.c.occurred_at)
                                             .where(t.c.school_code == school_code).order_by(t.c.position)):
            # the earliest date, not the first entered: a distribution may be entered late (the rule on uses
            # counts from that day)
            if rid not in first or datetime.fromisoformat(at) < datetime.fromisoformat(first[rid]):
                first[rid] = at
            if channel not in channels.setdefault(rid, []):
                channels[rid].append(channel)
        if not first:
            return []
        rows = {row["resource_id"]: dict(row) for row in conn.execute(
            select(r.c.resource_id, r.c.title, r.c.subject, r.c.format, r.c.origin, r.c.status)
            .where(r.c.resource_id.in_(list(first)))).mappings()}
        uses = dict(conn.execute(select(u.c.resource_id, func.sum(u.c.uses))
                                 .where(u.c.school_code == school_code).group_by(u.c.resource_id)).all())
        return [dict(rows[rid], first_distributed_at=at, channels=channels[rid], uses=int(uses.get(rid) or 0))
                for rid, at in first.items()]

    def open_dysfunctions(self, conn, school_code: str | None = None) -> list[dict]:
        t = self.dysfunctions
        q = (select(t.c.dysfunction_id, t.c.school_code, t.c.description, t.c.reported_at)
             .where(t.c.resolved_at.is_(None)).order_by(t.c.position))
        if school_code is not None:
            q = q.where(t.c.school_code == school_code)
        return [dict(r) for r in conn.execute(q).mappings()]

    def dysfunctions_list(self, conn, school_code: str | None = None, status: str | None = None) -> list[dict]:
        """Every dysfunction, open or resolved (`status`: open, resolved), oldest first."""
        t = self.dysfunctions
        q = select(t).order_by(t.c.position)
        if school_code is not None:
            q = q.where(t.c.school_code == school_code)
        if status == "open":
            q = q.where(t.c.resolved_at.is_(None))
        elif status == "resolved":
            q = q.where(t.c.resolved_at.is_not(None))
        return [dict(r) for r in conn.execute(q).mappings()]

    def resource_follow_up(self, conn, resource_id: str) -> dict:
        """What became of a resource: its uses by school and period, and each committee's decision on it with
        the remarks, oldest first."""
        u, d, c = self.usage, self.decisions, self.committees
        usage = [dict(r) for r in conn.execute(
            select(u.c.school_code, u.c.period_start, u.c.period_end, u.c.uses, u.c.teachers)
            .where(u.c.resource_id == resource_id).order_by(u.c.school_code, u.c.period_start)).mappings()]
        decisions = [dict(r) for r in conn.execute(
            select(d.c.committee_id, c.c.held_at, d.c.decision, d.c.remarks)
            .join(c, c.c.committee_id == d.c.committee_id)
            .where(d.c.resource_id == resource_id).order_by(c.c.position)).mappings()]
        return {"resource_id": resource_id, "usage": usage, "decisions": decisions}

    def committee_minutes(self, conn, committee_id: str) -> dict | None:
        """The minutes (PV) of a committee: when, who, and each decision with its resource."""
        c, d, r = self.committees, self.decisions, self.resources
        head = conn.execute(select(c).where(c.c.committee_id == committee_id)).mappings().first()
        if head is None:
            return None
        decisions = [dict(row) for row in conn.execute(
            select(d.c.resource_id, r.c.title, r.c.project_id, d.c.decision, d.c.remarks)
            .join(r, r.c.resource_id == d.c.resource_id, isouter=True)
            .where(d.c.committee_id == committee_id).order_by(d.c.rank)).mappings()]
        summary = {k: sum(1 for x in decisions if x["decision"] == k)
                   for k in ("approved", "rejected", "revision")}
        return {"committee_id": committee_id, "held_at": head["held_at"],
                "members": json.loads(head["members"]), "recorded_by": head["recorded_by"],
                "decisions": decisions, "summary": summary}

    def committees_list(self, conn) -> list[dict]:
        c = self.committees
        return [{"committee_id": row.committee_id, "held_at": row.held_at}
                for row in conn.execute(select(c.c.committee_id, c.c.held_at).order_by(c.c.position))]

    def workshops_list(self, conn, school_code: str | None = None) -> list[dict]:
        rows = []
        for row in conn.execute(select(self.workshops).order_by(self.workshops.c.position)).mappings():
            row = dict(row, school_codes=json.loads(row["school_codes"]))
            if school_code is None or school_code in row["school_codes"]:
                rows.append(row)
        return rows

    def projects_list(self, conn) -> list[dict]:
        return [dict(r, members=json.loads(r["members"])) for r in conn.execute(
            select(self.projects).order_by(self.projects.c.position)).mappings()]

    def good_practices(self, conn, school_code: str | None = None) -> list[dict]:
        q = select(self.practices).order_by(self.practices.c.position)
        if school_code is not None:
            q = q.where(self.practices.c.school_code == school_code)
        return [dict(r) for r in conn.execute(q).mappings()]

    def local_research(self, conn) -> list[dict]:
        q = select(self.research).order_by(self.research.c.position)
        return [dict(r) for r in conn.execute(q).mappings()]
