"""Every code a person can see, with the words that say it (English message ids; the catalogues in
`translations/` say them in Arabic and French). `N_` only marks a message for extraction."""
from __future__ import annotations


def N_(message: str) -> str:
    return message


KIND = {"desktop": N_("Desktop computer"), "laptop": N_("Laptop"), "tablet": N_("Tablet"),
        "projector": N_("Projector"), "interactive_whiteboard": N_("Interactive whiteboard"),
        "printer": N_("Printer"), "server": N_("Server"), "router": N_("Router"), "other": N_("Other equipment")}
BUNDLE = {"smm": N_("Multimedia room (SMM)"), "vmm": N_("Mobile multimedia case (VMM)"), "none": N_("No bundle")}
ASSET_STATUS = {"in_stock": N_("In stock"), "assigned": N_("Assigned"), "installed": N_("Installed"),
                "unused": N_("Unused at the last visit"), "broken": N_("Broken at the last visit"),
                "decommissioned": N_("Decommissioned")}
WARRANTY = {"running": N_("Under warranty"), "ending": N_("Warranty ends within 60 days"),
            "ended": N_("Warranty ended"), "under": N_("Under warranty"), "out": N_("Out of warranty")}
CYCLE = {"primary": N_("Primary"), "middle": N_("Middle school"), "secondary": N_("High school")}
SETTING = {"urban": N_("Urban"), "rural": N_("Rural")}
CONNECTIVITY = {"connected": N_("Connected"), "disconnected": N_("Not connected"), "unknown": N_("Not recorded")}
FILTERING = {"active": N_("Filtering active"), "inactive": N_("Filtering inactive"), "unknown": N_("Not recorded")}
LINK = {"adsl": N_("ADSL"), "fiber": N_("Fibre"), "3g": N_("3G"), "4g": N_("4G"), "satellite": N_("Satellite"),
        "other": N_("Other link")}
WORK_KIND = {"electrical": N_("Electrical installation"), "cabling": N_("Network cabling"),
             "room_fitting": N_("Room fitting"), "other": N_("Other works")}
WORK_STATUS = {"planned": N_("Planned"), "in_progress": N_("In progress"), "done": N_("Done")}
OBSERVATION = {"in_use": N_("In use"), "unused": N_("Unused"), "broken": N_("Broken"), "missing": N_("Missing")}
FINDING = {"present": N_("Present"), "missing": N_("Missing"), "damaged": N_("Damaged")}
OCCASION = {"handover": N_("Handover"), "annual": N_("Annual audit"), "spot": N_("Spot check")}
TRANSFER_STATUS = {"open": N_("Awaiting a decision or completion"), "proposed": N_("Proposed"),
                   "approved": N_("Approved"), "rejected": N_("Rejected"), "completed": N_("Completed")}
FAULT_STATUS = {"open": N_("Open"), "closed": N_("Closed")}
RESOLUTION = {"repaired": N_("Repaired"), "replaced": N_("Replaced"), "not_reproducible": N_("Not reproducible"),
              "cancelled": N_("Cancelled")}
CLAIM = {"awaiting": N_("Claim awaiting an answer"), "none": N_("No claim")}
ROLE = {"coordinator": N_("Provincial coordinator"), "infrastructure": N_("Infrastructure and equipment"),
        "resources": N_("Digital resources"), "training": N_("Training"), "school_director": N_("School director"),
        "technician": N_("Technician"), "viewer": N_("Read only")}
EVENT = {
    "school_registered": N_("School registered"), "school_census_recorded": N_("Census recorded"),
    "equipment_received": N_("Equipment received"), "equipment_assigned": N_("Equipment assigned"),
    "equipment_installed": N_("Installation confirmed"), "usage_visit_recorded": N_("Follow-up visit"),
    "transfer_proposed": N_("Transfer proposed"), "transfer_approved": N_("Transfer approved"),
    "transfer_rejected": N_("Transfer rejected"), "transfer_completed": N_("Transfer completed"),
    "inventory_audit_completed": N_("Inventory audit"), "equipment_decommissioned": N_("Decommissioned"),
    "connectivity_recorded": N_("Connectivity recorded"), "filtering_recorded": N_("Filtering recorded"),
    "infrastructure_work_recorded": N_("Infrastructure works recorded"), "fault_declared": N_("Fault declared"),
    "warranty_claim_filed": N_("Warranty claim filed"), "repair_completed": N_("Repair recorded"),
    "equipment_replaced": N_("Equipment replaced"), "fault_closed": N_("Fault closed"),
    "resource_received": N_("Resource received"), "resource_distributed": N_("Resource distributed"),
    "awareness_workshop_held": N_("Awareness workshop held"),
    "production_project_started": N_("Production project started"), "resource_submitted": N_("Resource submitted"),
    "validation_committee_held": N_("Validation committee held"),
    "resource_usage_recorded": N_("Resource use recorded"), "good_practice_recorded": N_("Good practice recorded"),
    "dysfunction_reported": N_("Dysfunction reported"), "dysfunction_resolved": N_("Dysfunction resolved"),
    "local_research_recorded": N_("Local research recorded"), "training_planned": N_("Training planned"),
    "session_scheduled": N_("Session scheduled"), "participant_invited": N_("Participant invited"),
    "attendance_recorded": N_("Attendance recorded"), "session_completed": N_("Session completed"),
    "session_cancelled": N_("Session cancelled"), "certification_awarded": N_("Certificate awarded"),
    "training_evaluated": N_("Training evaluated"),
}
# An asset's history in words: each event as a sentence over its data (and the page's lookups).
STORY = {
    "equipment_received": N_("Received in delivery %(delivery_ref)s from %(supplier)s (warranty %(warranty_months)s months)"),
    "equipment_assigned": N_("Assigned to %(school)s"),
    "equipment_installed": N_("Installation confirmed at %(school)s"),
    "usage_visit_recorded": N_("Found %(observation)s at the visit of %(school)s"),
    "transfer_proposed": N_("Transfer %(transfer_id)s proposed from %(from_school)s to %(to_school)s: %(reason)s"),
    "transfer_approved": N_("Transfer %(transfer_id)s approved"),
    "transfer_rejected": N_("Transfer %(transfer_id)s rejected: %(reason)s"),
    "transfer_completed": N_("Transfer %(transfer_id)s completed"),
    "inventory_audit_completed": N_("Audited at %(school)s: %(finding)s"),
    "equipment_decommissioned": N_("Decommissioned: %(reason)s"),
    "fault_declared": N_("Fault declared: %(symptom)s"),
    "warranty_claim_filed": N_("Warranty claim %(claim_ref)s filed with the supplier"),
    "repair_completed": N_("Repaired: %(action)s"),
    "equipment_replaced": N_("Replaced by %(new_serial)s"),
    "fault_closed": N_("Fault closed: %(resolution)s"),
}
RULE = {
    "already_decommissioned": N_("This equipment is already decommissioned."),
    "already_resolved": N_("This replacement was already settled."),
    "nothing_to_resolve": N_("This fault has no replacement waiting for a decision."),
    "already_installed": N_("The installation of this equipment is already confirmed."),
    "asset_already_assigned": N_("This equipment is already assigned to this school."),
    "asset_already_known": N_("This equipment is already known."),
    "asset_already_received": N_("This equipment was already received."),
    "asset_decommissioned": N_("This equipment is decommissioned."),
    "asset_in_open_transfer": N_("This equipment is part of a transfer not yet completed."),
    "asset_not_at_school": N_("This equipment is not at this school."),
    "asset_not_expected_here": N_("This equipment is not on record at this school."),
    "asset_not_in_service": N_("This equipment is not in service."),
    "asset_replaced": N_("This equipment was replaced."),
    "audit_already_recorded": N_("This audit is already recorded."),
    "before_declaration": N_("The date is before the fault was declared."),
    "coordinator_only": N_("Only the coordinator may do this."),
    "census_before_registration": N_("The school year ended before the school was registered."),
    "dated_before_first_fact": N_("The date is before the first fact recorded for it (a school's registration, "
                                  "a resource's reception, a training's planning)."),
    "dated_before_last_fact": N_("The date is before the last fact recorded."),
    "fault_already_closed": N_("This fault is already closed."),
    "fault_already_declared": N_("This fault is already declared."),
    "fault_already_open": N_("This equipment already has an open fault."),
    "fault_already_resolved": N_("This fault is already resolved."),
    "fault_before_reception": N_("The fault is dated before the equipment was received."),
    "findings_incomplete": N_("Every item the school should hold needs a finding."),
    "no_repair_recorded": N_("No repair is recorded for this fault."),
    "no_replacement_recorded": N_("No replacement is recorded for this fault."),
    "not_observed_unused": N_("This equipment was not found unused at a visit."),
    "not_under_warranty": N_("This equipment is not under warranty."),
    "report_required": N_("A report is required."),
    "resolution_contradicts_record": N_("This resolution contradicts what is recorded."),
    "same_school": N_("The two schools are the same."),
    "school_already_registered": N_("This school is already registered."),
    "serial_already_known": N_("This serial number is already known."),
    "serial_expected_here": N_("This serial number is on record at this school: give its finding instead."),
    "transfer_already_exists": N_("This transfer already exists."),
    "transfer_closed": N_("This transfer is closed."),
    "transfer_not_approved": N_("This transfer is not approved yet."),
    "transfer_not_proposed": N_("This transfer is not awaiting a decision."),
    "unknown_asset": N_("No such equipment."), "unknown_audit": N_("No such audit."),
    "unknown_fault": N_("No such fault."), "unknown_school": N_("No such school."),
    "unknown_transfer": N_("No such transfer."), "unknown_training": N_("No such training."),
    "unknown_session": N_("No such session."), "unknown_resource": N_("No such resource."),
    "visit_already_recorded": N_("This visit is already recorded."),
    "warranty_claim_already_filed": N_("A warranty claim is already filed for this fault."),
    "warranty_repair_not_free": N_("A repair under warranty costs nothing."),
    "work_at_other_school": N_("These works are recorded at another school."),
    "work_kind_changed": N_("The kind of these works cannot change."),
    "work_status_not_forward": N_("Works move forward only: planned, in progress, done."),
    "concurrent_change": N_("Someone changed this at the same time: try again."),
    "read_only": N_("You may read but not record."),
    "role_not_allowed": N_("Your role may not do this."),
    "outside_scope": N_("This is outside your scope."),
    # reporting's and the gateway's own
    "unknown_scope": N_("No school, province or region is known by this code."),
    "not_found": N_("This page does not exist."),
    "unknown_calendar": N_("No school calendar is loaded for this year."),
    "too_many_failures": N_("Too many failed sign-ins: try again in a moment."),
    "sign_in_busy": N_("Too many sign-ins at once; try again in a moment."),
}
FIELD_RULE = {
    "required": N_("Required."), "unknown_field": N_("Not expected here."),
    "not_a_number": N_("Give a number."), "not_a_date": N_("Give a date."), "wrong_type": N_("Not a valid value."),
    "length": N_("Too short or too long."), "one_of": N_("Choose one of the values offered."),
    "range": N_("Out of the allowed range."), "code_format": N_("Letters, digits, '-' and '_' only, 1 to 40."),
    "blank": N_("Must not be blank."), "school_year": N_("A school year like 2025-2026."),
    "repeated": N_("Listed more than once."), "future": N_("Must not be in the future."),
    "file_unreadable": N_("The file cannot be read."), "file_empty": N_("The file is empty."),
    "file_too_large": N_("The file is too large."),
    "file_too_long": N_("The file has more than 50,000 lines: send at most 50,000 at a time."),
    "file_columns": N_("The file's columns are not those expected."),
    "nothing_to_change": N_("Give at least one field to change."),
    "unknown_serial": N_("No equipment has this serial number."), "duplicate": N_("Already recorded."),
    "before_registration": N_("The school year ended before the school was registered."),
    "invalid": N_("Not accepted."),
}
FIELD = {
    "school_code": N_("School"), "asset_id": N_("Equipment"), "serial": N_("Serial number"),
    "serials": N_("Serial numbers"), "asset_ids": N_("Equipment"), "kind": N_("Kind"), "model": N_("Model"),
    "bundle": N_("Bundle"), "supplier": N_("Supplier"), "delivery_ref": N_("Delivery note"),
    "warranty_months": N_("Warranty (months)"), "items": N_("Items"), "file": N_("File"),
    "content_base64": N_("File"), "format": N_("Format"), "status": N_("Status"), "notes": N_("Notes"),
    "observations": N_("Observations"), "findings": N_("Findings"), "unexpected_serials": N_("Unexpected serials"),
    "occasion": N_("Occasion"), "from_school": N_("From school"), "to_school": N_("To school"),
    "reason": N_("Reason"), "report": N_("Report"), "transfer_id": N_("Transfer"), "symptom": N_("Symptom"),
    "fault_id": N_("Fault"), "claim_ref": N_("Claim reference"), "action": N_("Repair done"),
    "cost_mad": N_("Cost (MAD)"), "new_serial": N_("New serial number"), "new_kind": N_("New equipment's kind"),
    "resolution": N_("Resolution"), "name_ar": N_("Name in Arabic"), "name_fr": N_("Name in French"),
    "cycle": N_("Cycle"), "setting": N_("Setting"), "commune": N_("Commune"), "region_code": N_("Region code"),
    "school_year": N_("School year"), "pupils": N_("Pupils"), "teachers": N_("Teachers"),
    "link": N_("Link"), "bandwidth_mbps": N_("Bandwidth (Mbit/s)"), "active": N_("Filtering"),
    "work_id": N_("Works reference"), "visit_id": N_("Visit"), "audit_id": N_("Audit"),
    "occurred_at": N_("Date"), "_schema": N_("Form"), "lines": N_("Lines"), "q": N_("Search"),
    "page": N_("Page"), "per_page": N_("Per page"), "sort": N_("Order"), "warranty": N_("Warranty"),
    "age_min": N_("Age from (years)"), "age_max": N_("Age up to (years)"), "scope": N_("Scope"),
    "period": N_("Period"), "days": N_("Days"), "older_than": N_("Open for more than (days)"),
    "connectivity": N_("Connectivity"), "filtering": N_("Filtering"), "claim": N_("Warranty claim"),
    "username": N_("User name"), "password": N_("Password"), "desc": N_("Descending"),
}
# The columns of the files people bring: a template heads them in the page's language, and a file is read
# whichever language (or code) heads them.
COLUMN = {"serial": N_("Serial number"), "kind": N_("Kind"), "model": N_("Model"),
          "warranty_months": N_("Warranty (months)"), "bundle": N_("Bundle"), "school_code": N_("School code"),
          "staff_id": N_("Staff number"), "name": N_("Name"), "role": N_("Role")}
VOCABULARIES = {
    "column": COLUMN,
    "kind": KIND, "bundle": BUNDLE, "asset_status": ASSET_STATUS, "warranty": WARRANTY, "cycle": CYCLE,
    "setting": SETTING, "connectivity": CONNECTIVITY, "filtering": FILTERING, "link": LINK,
    "work_kind": WORK_KIND, "work_status": WORK_STATUS, "observation": OBSERVATION, "finding": FINDING,
    "occasion": OCCASION, "transfer_status": TRANSFER_STATUS, "fault_status": FAULT_STATUS,
    "resolution": RESOLUTION, "claim": CLAIM, "role": ROLE, "event": EVENT, "rule": RULE,
    "field_rule": FIELD_RULE, "field": FIELD,
}

# ---- accounts and the activity log
ACCOUNT_RULE = {
    "bad_username": N_("2 to 80 letters, digits, '.', '_', '-' or '@'."),
    "username_taken": N_("This user name is already taken."),
    "password_too_short": N_("At least 8 characters."),
    "unknown_role": N_("Choose one of the roles offered."),
    "bad_scope": N_("A school director needs their school."),
    "school_required": N_("A school director needs their school."),
    "unknown_school": N_("No such school."),
    "no_such_user": N_("No such account in the province."),
    "wrong_password": N_("The current password is not right."),
    "same_password": N_("The new password must differ from the current one."),
    "passwords_differ": N_("The two passwords differ."),
}
RULE.update({"own_account": N_("You cannot disable or reset your own account here; change your password.")})
EVENT.update({"account_added": N_("Account added"), "account_disabled": N_("Account disabled"),
              "password_reset": N_("Password reset"), "password_changed": N_("Password changed")})
FIELD.update({"user": N_("Who"), "axis": N_("Axis"), "since": N_("From"), "until": N_("To"),
              "role": N_("Role"), "current_password": N_("Current password"), "new_password": N_("New password"),
              "again": N_("New password again")})
VOCABULARIES["account_rule"] = ACCOUNT_RULE

# ---- digital resources and training
VOCABULARIES.update({
    "resource_format": {"video": N_("Video"), "interactive": N_("Interactive"), "document": N_("Document"),
                        "software": N_("Software"), "other": N_("Other format")},
    "origin": {"directorate": N_("From the directorate"), "local": N_("Produced locally"), "open": N_("Open resource")},
    "resource_status": {"received": N_("Received"), "submitted": N_("Submitted"), "revision": N_("In revision"),
                        "approved": N_("Approved"), "rejected": N_("Rejected")},
    "decision": {"approved": N_("Approved"), "revision": N_("Sent back for revision"), "rejected": N_("Rejected")},
    "modality": {"in_person": N_("In person"), "remote": N_("Remote"), "certifying": N_("Certifying")},
    "audience": {"teachers": N_("Teachers"), "directors": N_("School directors"), "inspectors": N_("Inspectors"),
                 "trainers": N_("Trainers"), "other": N_("Other audience")},
    "staff_role": {"teacher": N_("Teacher"), "director": N_("School director"), "inspector": N_("Inspector"),
                   "trainer": N_("Trainer"), "other": N_("Other role")},
    "attendance": {"present": N_("Present"), "absent": N_("Absent"), "excused": N_("Excused")},
    "period_kind": {"school_start": N_("Start of the school year"), "exam": N_("Exam period"),
                    "holiday": N_("Holidays")},
    "training_status": {"planned": N_("Planned"), "in_progress": N_("In progress"), "done": N_("Carried out"),
                        "cancelled": N_("Cancelled")},
    "session_status": {"scheduled": N_("Scheduled"), "completed": N_("Completed"), "cancelled": N_("Cancelled")},
})
FIELD.update({
    "title": N_("Title"), "subject": N_("Subject"), "levels": N_("Levels"), "origin": N_("Origin"),
    "resource_id": N_("Resource"), "channel": N_("Channel"), "school_codes": N_("Schools"),
    "topic": N_("Topic"), "participants": N_("Participants"), "members": N_("Members"), "project_id": N_("Project"),
    "decisions": N_("Decisions"), "decision": N_("Decision"), "remarks": N_("Remarks"),
    "period_start": N_("Period from"), "period_end": N_("Period to"), "uses": N_("Uses"), "teacher": N_("Teacher"),
    "description": N_("Description"), "dysfunction_id": N_("Dysfunction"), "findings": N_("Findings"),
    "recommendations": N_("Recommendations"), "training_id": N_("Training"), "modality": N_("Modality"),
    "audience": N_("Audience"), "planned_participants": N_("Planned participants"), "session_id": N_("Session"),
    "starts_on": N_("From"), "ends_on": N_("To"), "hours": N_("Hours"), "venue": N_("Venue"),
    "calendar_override_reason": N_("Reason to schedule over the school calendar"), "day": N_("Day"),
    "attendance": N_("Attendance"), "staff_ids": N_("Participants"), "staff_id": N_("Staff number"),
    "name": N_("Name"), "respondents": N_("Respondents"), "mean_score": N_("Mean score (1 to 5)"),
    "periods": N_("Periods"),
})
RULE.update({
    "unknown_committee": N_("No such committee."), "unknown_project": N_("No such production project."),
    "unknown_dysfunction": N_("No such dysfunction."), "resource_not_distributable": N_(
        "This resource cannot be distributed: it is neither received nor approved."),
    "session_overlaps_school_calendar": N_("The session falls on an exam period or holidays."),
    "school_calendar_not_loaded": N_("No school calendar is loaded for this year: load it, or give a reason."),
    "session_outside_school_year": N_("The session is outside the training's school year."),
    "session_already_scheduled": N_("This session is already scheduled."),
    "session_cancelled": N_("This session is cancelled."), "session_completed": N_("This session is completed."),
    "training_already_planned": N_("This training is already planned."),
    "participant_already_invited": N_("This person is already invited."),
    "participant_not_invited": N_("This person is not invited to the session."),
    "day_outside_session": N_("This day is outside the session."),
    "attendance_day_in_future": N_("Attendance cannot be recorded for a day to come."),
    "attendance_already_recorded": N_("Attendance is already recorded for this day."),
    "session_not_over": N_("The session is not over yet."),
    "no_session_completed": N_("No session of this training is completed yet."),
    "training_not_certifying": N_("This training does not certify."),
    "no_one_to_certify": N_("Nobody is eligible for a certificate."),
    "already_certified": N_("Already certified."), "sessions_still_open": N_("Some sessions are still open."),
    "attendance_below_threshold": N_("Attendance is below the threshold."),
})
RULE.update({
    "committee_already_held": N_("This committee is already recorded."),
    "dysfunction_already_reported": N_("This dysfunction is already reported."),
    "dysfunction_already_resolved": N_("This dysfunction is already resolved."),
    "no_school_matches": N_("No school is of this cycle and setting."),
    "period_ends_before_start": N_("The period ends before it starts."),
    "practice_already_recorded": N_("This good practice is already recorded."),
    "project_already_started": N_("This production project is already started."),
    "research_already_recorded": N_("This research is already recorded."),
    "resource_already_approved": N_("This resource is already approved."),
    "resource_already_known": N_("This resource is already known."),
    "resource_already_received": N_("This resource is already received."),
    "resource_already_submitted": N_("This resource is already submitted."),
    "resource_not_approved": N_("This resource is not approved."),
    "resource_not_submitted": N_("This resource is not awaiting the committee."),
    "resource_of_another_project": N_("This resource belongs to another project."),
    "resource_rejected": N_("This resource was rejected."),
    "usage_period_overlaps": N_("A use is already recorded over this period."),
    "workshop_already_recorded": N_("This workshop is already recorded."),
})

# ---- replacements inventory could not apply: why, in words
VOCABULARIES["replacement_outcome"] = {
    "new_asset_unfit": N_("The new equipment's reference or serial number cannot be recorded."),
    "old_asset_unknown": N_("The replaced equipment was never received."),
    "new_serial_is_another_asset": N_("The new serial number is already that of another piece of equipment."),
    "new_asset_decommissioned": N_("The new equipment is decommissioned."),
    "old_asset_not_assigned": N_("The replaced equipment was at no school."),
    "new_asset_at_another_school": N_("The new equipment is at another school."),
}
FIELD.update({"note": N_("What was done")})
EVENT.update({"replacement_settled": N_("Replacement settled")})

# ---- the lists' filters
VOCABULARIES.update({
    "school_visit": {"none": N_("Not visited this semester")},
    "school_audit": {"due": N_("Audit of this year due")},
    "delivery_open": {"1": N_("Not yet fully assigned"), "0": N_("Fully assigned")},
    "discrepancies": {"1": N_("With discrepancies"), "0": N_("Without discrepancies")},
})
FIELD.update({"visit": N_("Follow-up visit"), "audit": N_("Audit"), "open": N_("Assignment"),
              "discrepancies": N_("Discrepancies")})
