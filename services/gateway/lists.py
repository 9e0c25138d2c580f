"""The lists and the pages of one thing (a fault, a transfer, an audit, a delivery), and the documents
printed from them. Each is `name(page, ...)` over the `Pages` of one request."""
from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote

from werkzeug.wrappers import Response

from shared.catalogue import ASSET_KINDS

from . import exports
from .access import Refused
from .forms import FORM_BY_PATH
from .http import HttpProblem
from .picking import school_named, school_said
from .templating import query_string


def _actions(page, paths, **args):
    query = "&".join(f"{k}={quote(str(v))}" for k, v in args.items() if v)
    return [(f"/forms/{p}" + (f"?{query}" if query else ""), page._(FORM_BY_PATH[p].title))
            for p in paths if page.web.may(page.user, p)]


def _serials(page, asset_ids, *schools):
    """The register's lines of these assets, read at the schools named (and from the whole scope only for an
    item moved since)."""
    return page.q.assets_of(page.user, [{"asset_id": a, "school_code": s} for a in asset_ids for s in schools if s])


def shown(params: dict) -> str:
    """The query string of a list's filters as loaded, for its export links and pages: the export is the
    list on the page."""
    def said(value):
        return ("1" if value else "0") if isinstance(value, bool) else value

    return query_string({k: said(v) for k, v in params.items() if v is not None})


# ---- maintenance

def faults(page):
    params, errors = page._params("faults")
    rows = page.q.faults(page.user, params)
    suppliers = sorted({r["supplier"] for r in page.q.faults(page.user, {}) if r.get("supplier")})
    try:  # the mean time to repair of the faults repaired or replaced, by supplier and by kind of equipment
        mttr = page.q.repair_time(page.user, {"school_code": params.get("school_code")})
    except Refused:
        mttr = None
    return page.render("faults.html", page._("Open faults"), rows=rows, params=params, errors=errors,
                       kinds=ASSET_KINDS, suppliers=suppliers, query=shown(params),
                       schools=page.school_names(), mttr=mttr,
                       actions=_actions(page, ["maintenance/declare_fault"]))


def warranties(page):
    # The filters the page offers: its window stays the 60 days its heading and the home's count say.
    params, errors = page._params("warranty_expiring", allowed={"school_code", "kind", "supplier"})
    rows = page.q.warranty_expiring(page.user, params)
    # The suppliers to pick are the whole list's, whichever are asked: read again only for a narrowed list.
    whole = page.q.warranty_expiring(page.user, {}) if any(params.values()) else rows
    suppliers = sorted({r["supplier"] for r in whole if r.get("supplier")})
    return page.render("warranties.html", page._("Warranties ending within 60 days"), rows=rows, params=params,
                       errors=errors, kinds=ASSET_KINDS, suppliers=suppliers, schools=page.school_names(),
                       query=shown(params))


def fault(page, fault_id):
    found = page.q.fault(page.user, {}, fault_id)
    assets = _serials(page, [found["asset_id"]], found.get("school_code"))
    asset = assets.get(found["asset_id"], {})
    open_ = found["status"] == "open"
    paths = []
    if open_:
        if found["under_warranty"] and not found.get("claim_ref"):
            paths.append("maintenance/file_warranty_claim")
        paths += ["maintenance/record_repair", "maintenance/replace_equipment", "maintenance/close_fault",
                  "maintenance/cancel_fault"]
    # A replacement inventory could not apply leaves the records apart: said here until it is settled.
    waiting = page.q.replacements_waiting(page.user, {"fault_id": fault_id}) if found.get("new_asset_id") else []
    settle = _actions(page, ["inventory/resolve_replacement"], fault_id=fault_id) if waiting else []
    return page.render("fault.html", page._("Fault"), fault=found, asset=asset, story=page.fault_story(found),
                       schools=page.school_names(), actions=_actions(page, paths, fault_id=fault_id),
                       waiting=waiting[0] if waiting else None, settle=settle[0][0] if settle else None)


# ---- equipment

def deliveries(page):
    params, errors = page._params("deliveries")
    rows = page.q.deliveries(page.user, params)
    suppliers = sorted({d["supplier"] for d in page.q.deliveries(page.user)})
    return page.render("deliveries.html", page._("Deliveries"), rows=rows, params=params, errors=errors,
                       suppliers=suppliers, query=shown(params),
                       actions=_actions(page, ["inventory/receive_delivery", "inventory/assign_equipment"]))


def delivery(page, ref):
    found = next((d for d in page.q.deliveries(page.user) if d["delivery_ref"] == ref), None)
    if found is None:
        raise HttpProblem(404, "Not found", code="not_found")
    items = page.q.equipment(page.user, {"delivery_ref": ref, "per_page": 0})["items"]
    return page.render("delivery.html", page._("Delivery reception record"), delivery=found, items=items,
                       schools=page.school_names(), heading=heading(page),
                       actions=_actions(page, ["inventory/assign_equipment"], delivery_ref=ref))


def short_id(value: str) -> str:
    """An id as a list shows it: a generated id (a UUID, 36 characters) by its first 8 characters, enough to
    tell the lines apart; an id a person gave (T-2025-001) whole."""
    return value[:8] if len(value) == 36 else value


def transfers(page):
    params, errors = page._params("transfers")
    rows = page.q.transfers(page.user, params)
    return page.render("transfers.html", page._("Transfers"), rows=rows, params=params, errors=errors,
                       schools=page.school_names(), query=shown(params), short_id=short_id,
                       actions=_actions(page, ["inventory/propose_transfer"]))


def transfer(page, transfer_id):
    found = page.q.transfer(page.user, {}, transfer_id)
    assets = _serials(page, found["asset_ids"], found["from_school"], found["to_school"])
    paths = {"proposed": ["inventory/approve_transfer", "inventory/reject_transfer"],
             "approved": ["inventory/complete_transfer"]}.get(found["status"], [])
    return page.render("transfer.html", page._("Transfer report"), transfer=found,
                       items=[assets.get(a, {"asset_id": a}) for a in found["asset_ids"]],
                       schools=page.school_names(), heading=heading(page), short_id=short_id,
                       actions=_actions(page, paths, transfer_id=transfer_id))


def audits(page):
    params, errors = page._params("audits")
    rows = page.q.audits(page.user, params)
    schools = page.school_names()
    return page.render("audits.html", page._("Audits"), rows=list(reversed(rows)), params=params, errors=errors,
                       schools=schools, communes=sorted({s["commune"] for s in schools.values()}),
                       query=shown(params), actions=_actions(page, ["inventory/complete_inventory_audit"]))


def audit(page, audit_id):
    found = page.q.audit(page.user, {}, audit_id)
    assets = _serials(page, [f["asset_id"] for f in found["findings"]], found["school_code"])
    findings = [dict(f, asset=assets.get(f["asset_id"], {})) for f in found["findings"]]
    return page.render("audit.html", page._("Audit discrepancy report"), audit=found, findings=findings,
                       schools=page.school_names(), heading=heading(page))


def heading(page) -> dict:
    """The unit's heading on printed documents: the province by its name in both languages."""
    from shared.config import province_code
    from shared.territory import name

    code = province_code()
    return {"province": code, "name_ar": name("province", code, "ar"), "name_fr": name("province", code, "fr")}


# ---- the renewal plan and the labels

def renewal_plan(page):
    from . import renewal

    plan = page.q.renewal(page.user)  # the API's read: the same ranking, roles and scope
    return plan["assets"], plan["schools"], renewal


def renewal(page):
    ranked, schools, rule = renewal_plan(page)
    return page.render("renewal.html", page._("Renewal plan"), assets=ranked[:100], total=len(ranked),
                       ranked_schools=schools[:50], schools=page.school_names(), rule=rule)


def renewal_file(page):
    ranked, _, _ = renewal_plan(page)
    content, mimetype = exports.table("renewal", ranked, "xlsx", page.L.code)
    return Response(content, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="renewal-plan-{page.L.code}.xlsx"'})


@lru_cache(maxsize=8192)
def qr_svg(base: str, serial: str) -> str:
    """An asset's QR code, drawn once: an asset's label does not change while its serial does not."""
    import segno

    return segno.make(f"{base}/assets?serial={quote(serial)}", error="m").svg_inline(scale=2, border=1, title=serial)


def labels(page):
    """A4 sheets of labels: each asset's QR code opens its page, from which a visit or a fault is recorded. A school
    is named by its name or code, and the sheet says whose labels they are; a filter that cannot be read prints
    nothing, rather than every label of the province."""
    args = dict(page.request.args)
    schools = page.school_names()
    school, refused = None, None
    if args.get("school_code"):
        school, problem = school_named(args["school_code"], list(schools.values()))
        if problem:
            refused = f"{page.field_label('school_code')}{page.L.colon}{page.L.term('account_rule', problem)}"
        args["school_code"] = school or ""
    params, errors = page._params("equipment", values=args)
    refused = refused or "; ".join(f"{page.field_label(k)}{page.L.colon}{v}" for k, v in errors.items()) or None
    items = [] if refused else page.q.equipment(  # ten sheets at most: the register's first 240 lines
        page.user, {**params, "page": 1, "per_page": 240})["items"]
    base = page.request.host_url.rstrip("/")
    shown = [dict(a, qr=qr_svg(base, a["serial"])) for a in items if a["status"] != "decommissioned"]
    return page.render("labels.html", page._("Equipment labels"), items=shown, schools=schools,
                       heading=heading(page), refused=refused,
                       whose=school_said(page, school, list(schools.values())) if school else None)


# ---- files

TEMPLATES = {
    "delivery": [("serial", "Serial number", "SN-0001"), ("kind", "Kind", "laptop"), ("model", "Model", "X1"),
                 ("warranty_months", "Warranty (months)", "24"), ("bundle", "Bundle", "none")],
    "assignment": [("serial", "Serial number", "SN-0001"), ("school_code", "School code", "S0001")],
    "participants": [("staff_id", "Staff number", "T0001"), ("name", "Name", "Amal Idrissi"),
                     ("role", "Role", "teacher"), ("school_code", "School code", "S0001")],
}


def file_template(page, name, fmt):
    """An empty file with the expected columns, headed in the page's language, and one example line."""
    columns = TEMPLATES.get(name)
    if columns is None or fmt not in ("csv", "xlsx"):
        raise HttpProblem(404, "Not found", code="not_found")
    import csv
    import io

    from .i18n import COLUMN_VALUES

    head = [page.L.term("column", c) for c, _, _ in columns]
    example = [page.L.term(COLUMN_VALUES[c], e) if c in COLUMN_VALUES else e for c, _, e in columns]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(head)
        writer.writerow(example)
        content, mimetype = ("\ufeff" + out.getvalue()).encode(), "text/csv"
    else:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.sheet_view.rightToLeft = page.L.code == "ar"
        sheet.append(head)
        sheet.append(example)
        buf = io.BytesIO()
        book.save(buf)
        content, mimetype = buf.getvalue(), exports.XLSX
    return Response(content, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}-{page.L.code}.{fmt}"'})


ROUTES = [("/faults", faults), ("/warranties", warranties), ("/deliveries", deliveries), ("/transfers", transfers),
          ("/audits", audits), ("/renewal", renewal), ("/renewal.xlsx", renewal_file), ("/labels", labels)]
ONE = [("/faults/", fault), ("/deliveries/", delivery), ("/transfers/", transfer), ("/audits/", audit)]


def route(page, path):
    for prefix, view in ROUTES:
        if path == prefix:
            return view(page)
    for prefix, view in ONE:
        if path.startswith(prefix) and len(path) > len(prefix):
            return view(page, path[len(prefix):])
    if path.startswith("/templates/"):
        name, _, fmt = path[len("/templates/"):].partition(".")
        return file_template(page, name, fmt)
    return None
