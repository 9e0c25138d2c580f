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

# Each column's heading.
HEADINGS = {
    "age_days": N_("Days open"),
    "age_years": N_("Age (years)"),
    "assigned": N_("Assigned"),
    "audience": N_("Audience"),
    "audit_id": N_("Audit"),
    "audited_by": N_("Audited by"),
    "axis": N_("Axis"),
    "bundle": N_("Bundle"),
    "certified": N_("Certified"),
    "claim_ref": N_("Claim reference"),
    "commune": N_("Commune"),
    "connectivity": N_("Connectivity"),
    "cycle": N_("Cycle"),
    "days_down": N_("Days out of service"),
    "days_left": N_("Days left"),
    "days_open": N_("Days open"),
    "declared_at": N_("Declared on"),
    "delivery_ref": N_("Delivery note"),
    "description": N_("Description"),
    "fault_id": N_("Fault"),
    "faults_12m": N_("Faults in 12 months"),
    "findings": N_("Findings"),
    "format": N_("Format"),
    "from_school": N_("From school"),
    "held_at": N_("Date"),
    "hours": N_("Hours"),
    "installed": N_("Installed"),
    "items": N_("Items"),
    "kind": N_("Kind"),
    "levels": N_("Levels"),
    "modality": N_("Modality"),
    "model": N_("Model"),
    "name_ar": N_("Name in Arabic"),
    "name_fr": N_("Name in French"),
    "occasion": N_("Occasion"),
    "occurred_at": N_("Date"),
    "origin": N_("Origin"),
    "participants": N_("Participants"),
    "planned_participants": N_("Planned participants"),
    "proposed_at": N_("Proposed on"),
    "reason": N_("Reason"),
    "received_at": N_("Received on"),
    "received_on": N_("Received on"),
    "recommendations": N_("Recommendations"),
    "recorded_at": N_("Date"),
    "region_code": N_("Region code"),
    "reported_at": N_("Reported on"),
    "resolution": N_("Resolution"),
    "resolved_at": N_("Resolved on"),
    "role": N_("Role"),
    "school_code": N_("School code"),
    "schools": N_("Schools"),
    "score": N_("Score"),
    "serial": N_("Serial number"),
    "sessions": N_("Sessions"),
    "sessions_completed": N_("Sessions completed"),
    "setting": N_("Setting"),
    "subject": N_("Subject"),
    "supplier": N_("Supplier"),
    "symptom": N_("Symptom"),
    "teacher": N_("Teacher"),
    "text": N_("What was done"),
    "title": N_("Title"),
    "to_school": N_("To school"),
    "topic": N_("Topic"),
    "trained": N_("Trained"),
    "transfer_id": N_("Transfer"),
    "under_warranty": N_("Under warranty"),
    "user": N_("Who"),
    "warranty": N_("Warranty"),
    "warranty_ends_on": N_("Warranty ends on"),
}

# The columns whose codes are said in words, and the vocabulary that says them.
VOCABULARY = {"audience": "audience", "bundle": "bundle", "connectivity": "connectivity", "cycle": "cycle",
              "format": "resource_format", "kind": "kind", "modality": "modality", "occasion": "occasion",
              "origin": "origin", "setting": "setting", "warranty": "warranty"}

# listing -> its columns: a name of HEADINGS, or (column, heading, vocabulary) where the list says it its own way
LISTS = {
    "equipment": ["serial", "kind", "model", "bundle", "school_code", "commune",
                  ("status", N_("Status"), "asset_status"), "supplier", "delivery_ref", "received_on",
                  "warranty_ends_on", "warranty"],
    "schools": ["school_code", "name_ar", "name_fr", "commune", "cycle", "setting", "connectivity", "region_code"],
    "deliveries": ["delivery_ref", "supplier", "received_at", "items", "assigned", "installed"],
    "faults": ["fault_id", "school_code", "serial", "kind", "model", "symptom", "declared_at", "under_warranty",
               "supplier", "claim_ref"],
    "overdue_faults": ["fault_id", "school_code", "symptom", "declared_at", "days_open"],
    "warranty_expiring": ["serial", "kind", "school_code", "supplier", "warranty_ends_on", "days_left"],
    "transfers": ["transfer_id", ("status", N_("Status"), "transfer_status"), "from_school", "to_school", "reason",
                  "proposed_at"],
    "renewal": ["serial", "kind", "school_code", "age_years", "faults_12m", "days_down", "warranty", "score"],
    "audits": ["audit_id", "school_code", "occasion", "occurred_at", "audited_by"],
    "resources": ["title", "subject", "levels", "format", "origin", ("status", N_("Status"), "resource_status"),
                  ("schools", N_("Schools reached"), None)],
    "dysfunctions": ["school_code", "description", "reported_at", "age_days", "resolved_at", "resolution"],
    "practices": ["school_code", "teacher", "description", "recorded_at"],
    "research": ["title", "findings", "recommendations", "recorded_at"],
    "workshops": ["topic", "participants", "schools", "held_at"],
    "annual_summary": ["title", "modality", "audience", ("status", N_("Status"), "training_status"),
                       "planned_participants", "sessions", "sessions_completed", "trained", "certified", "hours"],
    "activity": ["occurred_at", "user", "role", "axis", ("kind", N_("Action"), None), "text", "schools"],
    "activity_by_province": ["occurred_at", "user", "role", ("province", N_("Province"), None), "axis",
                             ("kind", N_("Action"), None), "text", "schools"],
}
COLUMNS = {listing: [c if isinstance(c, tuple) else (c, HEADINGS[c], VOCABULARY.get(c)) for c in columns]
           for listing, columns in LISTS.items()}


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


def table(listing: str, rows: list[dict], fmt: str, lang: str, columns: str | None = None) -> tuple[bytes, str]:
    """The file of a list; `columns`: which of LISTS to use, where not the list's own."""
    head, body = clean_all(cells(columns or listing, rows, lang))  # what older logs hold, without control characters
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
