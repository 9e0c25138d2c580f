"""Lists as files: CSV or XLSX, with the columns named in the reader's language and the codes said in
words, so that a spreadsheet needs no legend."""
from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from shared.text import clean_all, csv_cell, xlsx_text_only

from .i18n import Lang
from .vocabulary import N_

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# listing -> [(column, heading, vocabulary or None)]
COLUMNS = {
    "equipment": [("serial", N_("Serial number"), None), ("kind", N_("Kind"), "kind"), ("model", N_("Model"), None),
                  ("bundle", N_("Bundle"), "bundle"), ("school_code", N_("School code"), None),
                  ("commune", N_("Commune"), None), ("status", N_("Status"), "asset_status"),
                  ("supplier", N_("Supplier"), None), ("delivery_ref", N_("Delivery note"), None),
                  ("received_on", N_("Received on"), None), ("warranty_ends_on", N_("Warranty ends on"), None),
                  ("warranty", N_("Warranty"), "warranty")],
    "schools": [("school_code", N_("School code"), None), ("name_ar", N_("Name in Arabic"), None),
                ("name_fr", N_("Name in French"), None), ("commune", N_("Commune"), None),
                ("cycle", N_("Cycle"), "cycle"), ("setting", N_("Setting"), "setting"),
                ("connectivity", N_("Connectivity"), "connectivity"), ("region_code", N_("Region code"), None)],
    "deliveries": [("delivery_ref", N_("Delivery note"), None), ("supplier", N_("Supplier"), None),
                   ("received_at", N_("Received on"), None), ("items", N_("Items"), None),
                   ("assigned", N_("Assigned"), None), ("installed", N_("Installed"), None)],
    "faults": [("fault_id", N_("Fault"), None), ("school_code", N_("School code"), None),
               ("serial", N_("Serial number"), None), ("kind", N_("Kind"), "kind"), ("model", N_("Model"), None),
               ("symptom", N_("Symptom"), None),
               ("declared_at", N_("Declared on"), None), ("under_warranty", N_("Under warranty"), None),
               ("supplier", N_("Supplier"), None), ("claim_ref", N_("Claim reference"), None)],
    "overdue_faults": [("fault_id", N_("Fault"), None), ("school_code", N_("School code"), None),
                       ("symptom", N_("Symptom"), None), ("declared_at", N_("Declared on"), None),
                       ("days_open", N_("Days open"), None)],
    "warranty_expiring": [("serial", N_("Serial number"), None), ("kind", N_("Kind"), "kind"),
                          ("school_code", N_("School code"), None), ("supplier", N_("Supplier"), None),
                          ("warranty_ends_on", N_("Warranty ends on"), None), ("days_left", N_("Days left"), None)],
    "transfers": [("transfer_id", N_("Transfer"), None), ("status", N_("Status"), "transfer_status"),
                  ("from_school", N_("From school"), None), ("to_school", N_("To school"), None),
                  ("reason", N_("Reason"), None), ("proposed_at", N_("Proposed on"), None)],
    "renewal": [("serial", N_("Serial number"), None), ("kind", N_("Kind"), "kind"),
                ("school_code", N_("School code"), None), ("age_years", N_("Age (years)"), None),
                ("faults_12m", N_("Faults in 12 months"), None), ("days_down", N_("Days out of service"), None),
                ("warranty", N_("Warranty"), "warranty"), ("score", N_("Score"), None)],
    "audits": [("audit_id", N_("Audit"), None), ("school_code", N_("School code"), None),
               ("occasion", N_("Occasion"), "occasion"), ("occurred_at", N_("Date"), None),
               ("audited_by", N_("Audited by"), None)],
    "resources": [("title", N_("Title"), None), ("subject", N_("Subject"), None), ("levels", N_("Levels"), None),
                  ("format", N_("Format"), "resource_format"), ("origin", N_("Origin"), "origin"),
                  ("status", N_("Status"), "resource_status"), ("schools", N_("Schools reached"), None)],
    "dysfunctions": [("school_code", N_("School code"), None), ("description", N_("Description"), None),
                     ("reported_at", N_("Reported on"), None), ("age_days", N_("Days open"), None),
                     ("resolved_at", N_("Resolved on"), None), ("resolution", N_("Resolution"), None)],
    "practices": [("school_code", N_("School code"), None), ("teacher", N_("Teacher"), None),
                  ("description", N_("Description"), None), ("recorded_at", N_("Date"), None)],
    "research": [("title", N_("Title"), None), ("findings", N_("Findings"), None),
                 ("recommendations", N_("Recommendations"), None), ("recorded_at", N_("Date"), None)],
    "workshops": [("topic", N_("Topic"), None), ("participants", N_("Participants"), None),
                  ("schools", N_("Schools"), None), ("held_at", N_("Date"), None)],
    "annual_summary": [("title", N_("Title"), None), ("modality", N_("Modality"), "modality"),
                       ("audience", N_("Audience"), "audience"), ("status", N_("Status"), "training_status"),
                       ("planned_participants", N_("Planned participants"), None), ("sessions", N_("Sessions"), None),
                       ("sessions_completed", N_("Sessions completed"), None), ("trained", N_("Trained"), None),
                       ("certified", N_("Certified"), None), ("hours", N_("Hours"), None)],
    "activity": [("occurred_at", N_("Date"), None), ("user", N_("Who"), None), ("role", N_("Role"), None),
                 ("axis", N_("Axis"), None), ("kind", N_("Action"), None), ("text", N_("What was done"), None),
                 ("schools", N_("Schools"), None)],
}


def cells(listing: str, rows: list[dict], lang: str) -> tuple[list[str], list[list]]:
    L = Lang(lang)
    columns = COLUMNS[listing]
    head = [L.gettext(h) for _, h, _ in columns]
    body = []
    for row in rows:
        line = []
        for key, _, vocab in columns:
            value = row.get(key)
            if vocab and value is not None:
                value = L.term(vocab, value)
            elif isinstance(value, bool):
                value = L.gettext("Yes") if value else L.gettext("No")
            line.append("" if value is None else value)
        body.append(line)
    return head, body


def table(listing: str, rows: list[dict], fmt: str, lang: str) -> tuple[bytes, str]:
    head, body = clean_all(cells(listing, rows, lang))  # what older logs hold, without control characters
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([csv_cell(v) for v in head])
        writer.writerows([csv_cell(v) for v in line] for line in body)
        return ("\ufeff" + out.getvalue()).encode("utf-8"), "text/csv"
    book = Workbook()
    sheet = book.active
    sheet.title = listing[:31]
    sheet.sheet_view.rightToLeft = lang == "ar"
    sheet.append(head)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for line in body:
        sheet.append(line)
    xlsx_text_only(book)  # what people typed stays text, never a formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), XLSX
