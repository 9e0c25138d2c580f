"""The activity log in words: each kind of event as a sentence over its data, in the reader's language,
for the page, the API's `text` and the exported file alike."""
from __future__ import annotations

from shared.territory import said as territory_said

from .i18n import Lang
from .vocabulary import N_

EXPORT_MOST = 20000  # lines one exported file holds at most

SAY = {
    "school_registered": N_("%(actor)s registered the school %(school)s"),
    "equipment_received": N_("%(actor)s received %(kind)s %(serial)s in delivery %(delivery_ref)s from %(supplier)s"),
    "equipment_assigned": N_("%(actor)s assigned a piece of equipment to %(school)s"),
    "equipment_installed": N_("%(actor)s confirmed an installation at %(school)s"),
    "transfer_rejected": N_("%(actor)s rejected transfer %(transfer_id)s: %(reason)s"),
    "equipment_decommissioned": N_("%(actor)s decommissioned a piece of equipment: %(reason)s"),
    "connectivity_recorded": N_("%(actor)s recorded the connectivity of %(school)s: %(status)s"),
    "filtering_recorded": N_("%(actor)s recorded the content filtering of %(school)s"),
    "infrastructure_work_recorded": N_("%(actor)s recorded infrastructure works at %(school)s: %(kind)s, %(status)s"),
    "fault_declared": N_("%(actor)s declared a fault at %(school)s: %(symptom)s"),
    "warranty_claim_filed": N_("%(actor)s filed warranty claim %(claim_ref)s with %(supplier)s"),
    "repair_completed": N_("%(actor)s recorded a repair at %(school)s: %(action)s"),
    "equipment_replaced": N_("%(actor)s replaced a piece of equipment at %(school)s by %(new_serial)s"),
    "fault_closed": N_("%(actor)s closed a fault at %(school)s: %(resolution)s"),
    "resource_received": N_("%(actor)s received the resource “%(title)s”"),
    "production_project_started": N_("%(actor)s started the production project “%(title)s”"),
    "resource_submitted": N_("%(actor)s submitted the resource “%(title)s”"),
    "good_practice_recorded": N_("%(actor)s recorded a good practice at %(school)s"),
    "dysfunction_reported": N_("%(actor)s reported a dysfunction at %(school)s: %(description)s"),
    "dysfunction_resolved": N_("%(actor)s resolved a dysfunction: %(resolution)s"),
    "local_research_recorded": N_("%(actor)s recorded the local research “%(title)s”"),
    "training_planned": N_("%(actor)s planned the training “%(title)s”"),
    "session_scheduled": N_("%(actor)s scheduled a session from %(starts_on)s to %(ends_on)s at %(venue)s"),
    "participant_invited": N_("%(actor)s invited %(name)s to a session"),
    "attendance_recorded": N_("%(actor)s recorded attendance on %(day)s: %(status)s"),
    "session_completed": N_("%(actor)s completed a session"),
    "session_cancelled": N_("%(actor)s cancelled a session: %(reason)s"),
    "certification_awarded": N_("%(actor)s awarded certificate %(certificate_no)s"),
}
# What inventory records by itself when maintenance replaces a faulty item: said as that, not by its inner codes
# (the delivery `replacement:<fault>`, the reason `replaced`).
REPLACEMENT_RECEIVED = N_("%(actor)s received %(kind)s %(serial)s from %(supplier)s, replacing a faulty item")
REPLACED = N_("replaced after a fault")
def teachers_words(L: Lang, n) -> str:
    return L.ngettext("%(num)s teacher", "%(num)s teachers", n)


def from_schools_words(L: Lang, n) -> str:
    return L.ngettext("from %(num)s school", "from %(num)s schools", n)


# The sentences that carry a count, each in the form its number calls for (French: one or several; Arabic: none,
# one, two, a few, many, a hundred and more), `%(num)s` that number as the reader's locale writes it. `count`
# is how many schools, visits' observations, audits' findings or decisions an entry's data holds, `items` how
# many pieces of equipment a transfer moves; a second count of a sentence is said in its own form too.
COUNTED = {
    "school_census_recorded": lambda L, v: L.ngettext(
        "%(actor)s recorded the census of %(school)s for %(school_year)s: %(num)s pupil, %(teachers)s",
        "%(actor)s recorded the census of %(school)s for %(school_year)s: %(num)s pupils, %(teachers)s",
        v["pupils"], **dict(v, teachers=teachers_words(L, v["teachers"]))),
    "usage_visit_recorded": lambda L, v: L.ngettext(
        "%(actor)s recorded a follow-up visit at %(school)s: %(num)s item seen",
        "%(actor)s recorded a follow-up visit at %(school)s: %(num)s items seen", v["count"], **v),
    "transfer_proposed": lambda L, v: L.ngettext(
        "%(actor)s proposed transfer %(transfer_id)s: %(num)s item from %(from_school)s to %(to_school)s",
        "%(actor)s proposed transfer %(transfer_id)s: %(num)s items from %(from_school)s to %(to_school)s",
        v["items"], **v),
    "transfer_approved": lambda L, v: L.ngettext(
        "%(actor)s approved transfer %(transfer_id)s: %(num)s item from %(from_school)s to %(to_school)s",
        "%(actor)s approved transfer %(transfer_id)s: %(num)s items from %(from_school)s to %(to_school)s",
        v["items"], **v),
    "transfer_completed": lambda L, v: L.ngettext(
        "%(actor)s completed transfer %(transfer_id)s: %(num)s item now at %(to_school)s",
        "%(actor)s completed transfer %(transfer_id)s: %(num)s items now at %(to_school)s", v["items"], **v),
    "inventory_audit_completed": lambda L, v: L.ngettext(
        "%(actor)s audited %(school)s: %(num)s item checked",
        "%(actor)s audited %(school)s: %(num)s items checked", v["count"], **v),
    "resource_distributed": lambda L, v: L.ngettext(
        "%(actor)s distributed a resource to %(num)s school",
        "%(actor)s distributed a resource to %(num)s schools", v["count"], **v),
    "awareness_workshop_held": lambda L, v: L.ngettext(
        "%(actor)s held an awareness workshop on %(topic)s: %(num)s participant %(from_schools)s",
        "%(actor)s held an awareness workshop on %(topic)s: %(num)s participants %(from_schools)s",
        v["participants"], **dict(v, from_schools=from_schools_words(L, v["count"]))),
    "validation_committee_held": lambda L, v: L.ngettext(
        "%(actor)s held a validation committee: %(num)s decision",
        "%(actor)s held a validation committee: %(num)s decisions", v["count"], **v),
    "resource_usage_recorded": lambda L, v: L.ngettext(
        "%(actor)s recorded %(num)s use of a resource at %(school)s",
        "%(actor)s recorded %(num)s uses of a resource at %(school)s", v["uses"], **v),
    "training_evaluated": lambda L, v: L.ngettext(
        "%(actor)s recorded a training's evaluation: %(mean_score)s out of 5 from %(num)s respondent",
        "%(actor)s recorded a training's evaluation: %(mean_score)s out of 5 from %(num)s respondents",
        v["respondents"], **v),
}
AXIS = {"inventory": N_("Infrastructure and equipment"), "maintenance": N_("Maintenance"),
        "resources": N_("Digital resources"), "training": N_("Training")}
# The vocabulary a code of an event's data is said with, by event type and field.
TERMS = {("equipment_received", "kind"): "kind", ("connectivity_recorded", "status"): "connectivity",
         ("infrastructure_work_recorded", "kind"): "work_kind",
         ("infrastructure_work_recorded", "status"): "work_status", ("fault_closed", "resolution"): "resolution"}
ATTENDANCE = {"present": N_("present"), "absent": N_("absent"), "excused": N_("excused")}
DATES = ("starts_on", "ends_on", "day")


def school_words(L: Lang, school: dict | None) -> str:
    if not school:
        return "—"
    name = school.get("name_ar" if L.code == "ar" else "name_fr")
    return f"{name} ({school['school_code']})" if name else school["school_code"]


def actor_words(L: Lang, actor: dict) -> str:
    user = (actor or {}).get("user") or "—"
    return L.gettext("The system") if user == "system" else user


def say(lang: str, entry: dict) -> str:
    """One entry of the log as a sentence in `lang`."""
    L = Lang(lang)
    kind = entry["event_type"]
    values = {k: ("—" if v is None else v) for k, v in (entry.get("data") or {}).items()
              if not isinstance(v, (list, dict))}
    if isinstance(values.get("school_year"), str) and values["school_year"] != "—":
        values["school_year"] = L.year(values["school_year"])  # in order after Arabic words
    for name in DATES:
        if isinstance(values.get(name), str) and values[name] != "—":
            values[name] = L.date(values[name])
    for (event, name), vocabulary in TERMS.items():
        if event == kind and name in values:
            values[name] = L.term(vocabulary, values[name])
    if kind == "attendance_recorded" and values.get("status") in ATTENDANCE:
        values["status"] = L.gettext(ATTENDANCE[values["status"]])
    schools = entry.get("schools") or []
    by_code = {s["school_code"]: s for s in schools}
    data = entry.get("data") or {}
    values["school"] = school_words(L, schools[0]) if schools else "—"
    values["count"] = len(data.get("school_codes") or data.get("observations") or data.get("findings")
                          or data.get("decisions") or [])
    transfer = entry.get("transfer") or {}
    values["items"] = transfer.get("items") or len(data.get("asset_ids") or [])
    for name in ("from_school", "to_school"):
        code = transfer.get(name) or data.get(name)
        values[name] = school_words(L, by_code.get(code) or ({"school_code": code} if code else None))
    values["actor"] = actor_words(L, entry.get("actor"))
    sentence = SAY.get(kind)
    if kind == "equipment_received" and str(data.get("delivery_ref") or "").startswith("replacement:"):
        sentence = REPLACEMENT_RECEIVED
    if kind == "equipment_decommissioned" and data.get("reason") == "replaced":
        values["reason"] = L.gettext(REPLACED)
    if sentence is None and kind not in COUNTED:
        return f"{values['actor']}: {L.term('event', kind)}"
    try:  # a count or a value missing from old data: the action said by its name
        return COUNTED[kind](L, values) if kind in COUNTED else L.gettext(sentence) % values
    except (KeyError, TypeError, ValueError):
        return f"{values['actor']}: {L.term('event', kind)}"


def lines(answer: dict, lang: str) -> list[dict]:
    """The entries as the exported file's lines."""
    L = Lang(lang)
    return [{"occurred_at": L.datetime(e["occurred_at"]), "user": actor_words(L, e["actor"]),
             "role": L.gettext("The system") if e["actor"]["role"] == "system" else L.term("role", e["actor"]["role"]),
             "axis": L.gettext(AXIS.get(e["source"], e["source"])),
             "province": territory_said("province", e.get("province_code"), lang),
             "kind": L.term("event", e["event_type"]), "text": e["text"],
             "schools": ", ".join(s["school_code"] for s in e.get("schools") or [])}
            for e in answer["entries"]]
