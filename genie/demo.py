"""A demo province modelled on Oued Ed-Dahab, entered through the services' public commands.

Two school years (2024-2025 and 2025-2026) of one province: schools with their
names in Arabic and French, censuses, connectivity and filtering, works,
equipment delivered in batches, distributed, installed, visited, transferred,
audited and decommissioned; faults with warranty claims, repairs and
replacements; digital resources, their committees and use; trainings with
attendance and certificates. Every event type of the contract appears.

Running it again adds nothing: every command carries a fixed id and a fixed
date, and a command whose first event is already in its service's log (read
through the public `events_since`) is not sent again. A command a service
refuses is counted, not fatal, so a partly entered province can be completed.
"""
from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Callable, TextIO

from shared.config import SOURCES
from shared.errors import CommandRejected

META = {"actor": {"user": "demo.coordinateur", "role": "coordinator"}}
REGION = "DOE"
YEARS = ("2024-2025", "2025-2026")
# The ids a demo province of its own makes its own (school codes and asset ids are made so from the start).
TAGGED = {"fault_id", "claim_ref", "transfer_id", "visit_id", "audit_id", "work_id", "resource_id", "project_id",
          "committee_id", "workshop_id", "practice_id", "research_id", "dysfunction_id", "training_id", "session_id",
          "staff_id", "decisions", "participants", "attendance"}

NAMES = [
    ("الوحدة", "Al Wahda"), ("النهضة", "Annahda"), ("الأمل", "Al Amal"), ("المسيرة الخضراء", "Al Massira Al Khadra"),
    ("الفتح", "Al Fath"), ("ابن خلدون", "Ibn Khaldoun"), ("الشريف الإدريسي", "Al Idrissi"),
    ("ابن بطوطة", "Ibn Battouta"), ("محمد الزرقطوني", "Mohammed Zerktouni"), ("الخوارزمي", "Al Khawarizmi"),
    ("ابن سينا", "Ibn Sina"), ("الفارابي", "Al Farabi"), ("المغرب العربي", "Al Maghrib Al Arabi"),
    ("وادي الذهب", "Oued Ed-Dahab"), ("الساقية الحمراء", "Saguia El Hamra"), ("الانبعاث", "Al Inbiaat"),
    ("أبو بكر الرازي", "Ar-Razi"), ("ابن رشد", "Ibn Rochd"), ("الحسن الثاني", "Hassan II"),
    ("المنصور الذهبي", "Al Mansour Eddahbi"), ("يوسف بن تاشفين", "Youssef Ibn Tachfine"),
    ("عبد الكريم الخطابي", "Abdelkrim El Khattabi"), ("الكندي", "Al Kindi"), ("طارق بن زياد", "Tarik Ibn Ziad"),
]
CYCLES = (("primary", "مدرسة", "École", "P"), ("middle", "إعدادية", "Collège", "C"),
          ("secondary", "ثانوية", "Lycée", "L"))
# Dakhla is the town; the other communes of the province are rural.
COMMUNES = ("Dakhla", "Dakhla", "Dakhla", "El Argoub", "Bir Anzarane", "Imlili", "Oum Dreyga", "Mijik")
KINDS = (("laptop", "LT", 0.36), ("desktop", "PC", 0.22), ("tablet", "TB", 0.18), ("projector", "VP", 0.12),
         ("interactive_whiteboard", "TBI", 0.05), ("printer", "IMP", 0.05), ("server", "SRV", 0.02))
SUPPLIERS = ("Maroc Informatique SARL", "Sahara Tech Distribution", "Atlas Digital Équipements")
FIRST_NAMES = ("Amina", "Yassine", "Fatima", "Mohamed", "Khadija", "Said", "Hind", "Omar", "Salma", "Brahim",
               "Naima", "Abdellah", "Zineb", "Mustapha", "Meriem", "Hamid", "Soukaina", "Lahcen")
LAST_NAMES = ("Idrissi", "Alaoui", "Bennani", "Tazi", "El Fassi", "Ouali", "Amrani", "Berrada", "Lahlou",
              "Ait Ahmed", "Boukhari", "Chraibi", "El Mansouri", "Ziani", "Naciri", "Ould Sidi")


def at(day: str, hour: int = 9, minute: int = 0) -> str:
    """A time in Morocco (UTC+01:00) on `day`, as the commands take it."""
    return f"{day}T{hour:02d}:{minute:02d}:00+01:00"


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(timezone.utc)


def _day(d: date, plus: int = 0) -> str:
    return (d + timedelta(days=plus)).isoformat()


@dataclass
class School:
    code: str
    name_ar: str
    name_fr: str
    cycle: str
    setting: str
    commune: str


@dataclass
class Asset:
    asset_id: str
    kind: str
    serial: str
    school: str | None = None


@dataclass
class Outcome:
    sent: int = 0
    already: int = 0
    refused: list = field(default_factory=list)  # (service.method, code, message)


class Progress:
    """A one-line progress bar on a terminal (or nothing)."""

    def __init__(self, total: int, out: TextIO | None, width: int = 40):
        self.total, self.out, self.width = max(total, 1), out, width
        self.done, self._shown = 0, 0.0

    def step(self, label: str = "") -> None:
        self.done += 1
        now = time.monotonic()
        if self.out is not None and (now - self._shown > 0.1 or self.done >= self.total):
            self._shown = now
            done = min(self.done, self.total)
            filled = self.width * done // self.total
            self.out.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done * 100 // self.total:3d}% "
                           f"{done}/{self.total} {label[:30]:<30}")
            self.out.flush()

    def close(self, finished: bool = True) -> None:
        if self.out is not None:
            if finished:  # the plan's counts are estimates: end the bar at its end
                self.done, self._shown = self.total - 1, 0.0
                self.step("done")
            self.out.write("\n")
            self.out.flush()


class DemoProvince:
    """The demo plan for `schools` schools and about `assets_per_school` assets each."""

    def __init__(self, schools: int = 60, assets_per_school: int = 50, seed: int = 2024,
                 province: str | None = None, region: str = REGION):
        """`province`: a demo province of that code beside others (an academy's, the country's): its school
        codes and every other id begin with `<province>-`, so that none is another province's too."""
        self.rng = random.Random(seed)
        self.province, self.region = province, region
        self.prefix = f"{province}-" if province else "OED"
        self.schools = self._schools(schools)
        self.assets: list[Asset] = []
        self.assets_per_school = assets_per_school

    def _schools(self, count: int) -> list[School]:
        schools = []
        for i in range(count):
            cycle, word_ar, word_fr, letter = CYCLES[0] if i % 5 < 3 else CYCLES[1 + i % 5 % 2]
            name_ar, name_fr = NAMES[i % len(NAMES)]
            round_ = i // len(NAMES)
            suffix_ar, suffix_fr = (f" {round_ + 1}", f" {round_ + 1}") if round_ else ("", "")
            commune = COMMUNES[i % len(COMMUNES)]
            schools.append(School(f"{self.prefix}{letter}{i + 1:03d}", f"{word_ar} {name_ar}{suffix_ar}",
                                  f"{word_fr} {name_fr}{suffix_fr}", cycle,
                                  "urban" if commune == "Dakhla" else "rural", commune))
        return schools

    def tag(self, value):
        """An id of this province's own (see `__init__`); ids, lists and records of ids alike."""
        if not self.province:
            return value
        if isinstance(value, list):
            return [self.tag(v) for v in value]
        if isinstance(value, dict):
            return {k: self.tag(v) if k in TAGGED else v for k, v in value.items()}
        if isinstance(value, str) and not value.startswith(f"{self.province}-"):
            return f"{self.province}-{value}"
        return value


class Seeder:
    """Enters a `DemoProvince` through `cluster` (a ClusterRpcProxy), skipping what is already recorded."""

    def __init__(self, cluster, province: DemoProvince, out: TextIO | None = sys.stderr,
                 wait_timeout: float = 120):
        self.cluster = cluster
        self.p = province
        self.out = out
        self.wait_timeout = wait_timeout
        self.outcome = Outcome()
        self.index: dict[tuple[str, datetime], list[dict]] = {}
        self.progress: Progress | None = None

    # ---- what is already in the logs

    def read_logs(self) -> None:
        self.index.clear()
        for source in SOURCES:
            after = 0
            while True:
                page = getattr(self.cluster, source).events_since(after, 5000)
                for env in page:
                    key = (env["event_type"], _instant(env["occurred_at"]))
                    self.index.setdefault(key, []).append(env["data"])
                if len(page) < 5000:
                    break
                after = page[-1]["position"]

    def recorded(self, event_type: str, when: str, **data) -> bool:
        return any(all(d.get(k) == v for k, v in data.items())
                   for d in self.index.get((event_type, _instant(when)), ()))

    # ---- sending a command

    def send(self, service: str, method: str, command: dict, expect: str, **key) -> bool:
        """Send `command` unless its first event (`expect` with `key` in its data) is already recorded."""
        if self.progress is not None:
            self.progress.step(f"{service}.{method}")
        command, key = self.p.tag(command), self.p.tag(key)
        if self.recorded(expect, command["occurred_at"], **key):
            self.outcome.already += 1
            return False
        try:
            getattr(getattr(self.cluster, service), method)(command, META)
        except CommandRejected as exc:
            self.outcome.refused.append((f"{service}.{method}", exc.code, exc.message))
            return False
        self.outcome.sent += 1
        return True

    def wait(self, what: str, predicate: Callable[[], bool]) -> None:
        deadline = time.monotonic() + self.wait_timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError(f"demo: waited {self.wait_timeout:.0f}s for {what}")
            time.sleep(0.2)

    def caught_up(self) -> None:
        """Wait until every service has read inventory's log (schools and equipment)."""
        last = self.cluster.inventory.health()["last_position"]
        self.wait("maintenance to read inventory's log", lambda: self.cluster.maintenance.health()
                  ["equipment_view"]["positions"].get("inventory", 0) >= last)
        codes = {s.code for s in self.p.schools}
        self.wait("resources to know the schools", lambda: codes <= {
            s["school_code"] for s in self.cluster.resources.known_schools()})

    # ---- the whole province

    def run(self) -> Outcome:
        self.read_logs()
        plan = self.plan()
        self.progress = Progress(sum(n for n, _ in plan), self.out)
        try:
            for _, part in plan:
                part()
        except BaseException:
            self.progress.close(finished=False)
            raise
        self.progress.close()
        return self.outcome

    def plan(self) -> list[tuple[int, Callable[[], None]]]:
        """(how many commands, what sends them) in the order they must go."""
        n = len(self.p.schools)
        per = self.p.assets_per_school
        self._make_assets()
        assets = len(self.p.assets)
        self.faults = max(4, assets // 100)  # about one asset in a hundred breaks down
        return [
            (n * 7 + max(1, n // 5) * 2, self.schools),
            (len(self.batches) + assets * 2 + 3, self.equipment),
            (n * 2 + 2 * 3 + 1, self.visits_transfers),
            (max(1, n // 6) + 1, self.audits),
            (self.faults * 4 + 1, self.maintenance),
            (self._resources_count(), self.resources),
            (self._training_count(), self.training),
        ] if per else []

    # ---- schools

    def schools(self) -> None:
        inv = "inventory"
        for i, s in enumerate(self.p.schools):
            self.send(inv, "register_school", {
                "school_code": s.code, "name_ar": s.name_ar, "name_fr": s.name_fr, "cycle": s.cycle,
                "setting": s.setting, "commune": s.commune, "region_code": self.p.region,
                "occurred_at": at("2024-09-02", 8, i % 60)}, "school_registered", school_code=s.code)
        for y, year in enumerate(YEARS):
            for s in self.p.schools:
                rng = random.Random(f"{s.code}{year}")
                pupils = {"primary": 320, "middle": 540, "secondary": 760}[s.cycle] + rng.randint(-120, 160)
                if s.setting == "rural":
                    pupils //= 3
                self.send(inv, "record_census", {
                    "school_code": s.code, "school_year": year, "pupils": pupils,
                    "teachers": max(4, pupils // 24), "occurred_at": at(f"{2024 + y}-10-05")},
                    "school_census_recorded", school_code=s.code, school_year=year)
                link = "fiber" if s.setting == "urban" else rng.choice(("4g", "adsl", "satellite"))
                connected = s.setting == "urban" or rng.random() < 0.5 + 0.3 * y
                self.send(inv, "record_connectivity", {
                    "school_code": s.code, "status": "connected" if connected else "disconnected", "link": link,
                    "bandwidth_mbps": {"fiber": 100.0, "adsl": 20.0, "4g": 30.0, "satellite": 10.0}[link]
                    if connected else 0.0, "occurred_at": at(f"{2024 + y}-10-15")},
                    "connectivity_recorded", school_code=s.code)
                self.send(inv, "record_filtering", {
                    "school_code": s.code, "active": connected and (y == 1 or s.setting == "urban"),
                    "occurred_at": at(f"{2024 + y}-10-16")}, "filtering_recorded", school_code=s.code)
        for i, s in enumerate(self.p.schools[::5]):
            work = f"W-{s.code}"
            kind = ("electrical", "cabling", "room_fitting")[i % 3]
            for status, day in (("planned", "2024-11-04"), ("done", "2025-02-10")):
                self.send(inv, "record_infrastructure_work", {
                    "work_id": work, "school_code": s.code, "kind": kind, "status": status,
                    "occurred_at": at(day)}, "infrastructure_work_recorded", work_id=work, status=status)

    # ---- equipment

    def _make_assets(self) -> None:
        if self.p.assets:
            return
        rng = random.Random("assets")
        total = len(self.p.schools) * self.p.assets_per_school
        weights = [w for _, _, w in KINDS]
        for n in range(1, total + 1):
            kind, prefix, _ = rng.choices(KINDS, weights)[0]
            self.p.assets.append(Asset(self.p.tag(f"A{n:05d}") if self.p.province else f"OED-A{n:05d}", kind, f"{prefix}-{24 + (n > total // 2)}{n:05d}"))
        # Three deliveries: two the first year, one the second.
        third = max(1, total // 3)
        self.batches = [("BL-2024-0917", "2024-09-17", self.p.assets[:third], SUPPLIERS[0]),
                        ("BL-2025-0114", "2025-01-14", self.p.assets[third:total // 2 + 1], SUPPLIERS[1]),
                        ("BL-2025-1006", "2025-10-06", self.p.assets[total // 2 + 1:], SUPPLIERS[2])]
        self.batches = [b for b in self.batches if b[2]]
        # Each school gets its share; a few stay in stock for replacements and later needs.
        for i, a in enumerate(self.p.assets[:-3] if total > 6 else self.p.assets):
            a.school = self.p.schools[i % len(self.p.schools)].code

    def _delivery_day(self, asset: Asset) -> str:
        for _, day, items, _ in self.batches:
            if asset in items:
                return day
        raise KeyError(asset.asset_id)

    def equipment(self) -> None:
        inv = "inventory"
        for ref, day, items, supplier in self.batches:
            self.send(inv, "receive_delivery", {
                "supplier": supplier, "delivery_ref": ref, "occurred_at": at(day, 10),
                "items": [{"asset_id": a.asset_id, "kind": a.kind, "serial": a.serial,
                           "model": f"{a.kind.replace('_', ' ').title()} G{2 + (day > '2025')}",
                           "warranty_months": 12 if a.kind == "tablet" else 24,
                           "bundle": ("smm", "vmm", "none")[int(a.asset_id[-5:]) % 3]} for a in items]},
                "equipment_received", asset_id=items[0].asset_id)
        for a in self.p.assets:
            if a.school is None:
                self.progress.step()
                self.progress.step()
                continue
            received = date.fromisoformat(self._delivery_day(a))
            self.send(inv, "assign_equipment", {"asset_id": a.asset_id, "school_code": a.school,
                                                "occurred_at": at(_day(received, 7), 9)},
                      "equipment_assigned", asset_id=a.asset_id, school_code=a.school)
            self.send(inv, "confirm_installation", {"asset_id": a.asset_id, "school_code": a.school,
                                                    "occurred_at": at(_day(received, 14), 11)},
                      "equipment_installed", asset_id=a.asset_id, school_code=a.school)
        # Worn-out equipment leaves the inventory.
        for a in [a for a in self.p.assets if a.school][-3:-1]:
            self.send(inv, "decommission_equipment", {
                "asset_id": a.asset_id, "reason": "Hors d'usage après la crue de janvier / تلف بعد الفيضان",
                "occurred_at": at("2026-03-02")}, "equipment_decommissioned", asset_id=a.asset_id)
            a.school = None
        self.progress.step()  # the third of the planned steps: the stock left undistributed

    def _at_school(self, code: str) -> list[Asset]:
        return [a for a in self.p.assets if a.school == code]

    # ---- visits and transfers

    def visits_transfers(self) -> None:
        # Equipment a visit found unused is what a school may hand over to another.
        self.unused: set[str] = set()
        self.visits(0)
        self.transfers()
        self.visits(1)

    def visits(self, y: int) -> None:
        inv = "inventory"
        for i, s in enumerate(self.p.schools):
            here = [a for a in self._at_school(s.code) if self._delivery_day(a) < f"{2024 + y}-12-01"]
            if not here:
                self.progress.step()
                continue
            visit = f"V{2024 + y}-{s.code}"
            seen = {a.asset_id: "unused" if j == len(here) - 1 and y == 0 else
                    "broken" if j == 1 and len(here) > 2 else "in_use" for j, a in enumerate(here)}
            self.unused |= {a for a, status in seen.items() if status == "unused"}
            self.send(inv, "record_usage_visit", {
                "visit_id": visit, "school_code": s.code,
                "observations": [{"asset_id": a, "status": status} for a, status in seen.items()],
                "notes": "Visite de suivi de l'usage / زيارة تتبع الاستعمال",
                "occurred_at": at(f"{2025 + y}-0{2 + i % 2}-1{i % 10}", 10)},
                "usage_visit_recorded", visit_id=visit)

    def transfers(self) -> None:
        inv = "inventory"
        schools = self.p.schools
        if len(schools) < 2:
            return
        # A school that has too many projectors gives two to a neighbour; another request is turned down.
        transfers = [("T-2025-001", schools[0], schools[1], "approve"), ("T-2025-002", schools[-1], schools[0],
                                                                          "reject")]
        for tid, src, dst, decision in transfers:
            moving = [a for a in self._at_school(src.code) if a.asset_id in self.unused][:2]
            if not moving:
                self.progress.step()
                self.progress.step()
                self.progress.step()
                continue
            self.send(inv, "propose_transfer", {
                "transfer_id": tid, "asset_ids": [a.asset_id for a in moving], "from_school": src.code,
                "to_school": dst.code, "reason": "Redéploiement selon les effectifs / إعادة التوزيع حسب الأعداد",
                "report": f"PV de passation entre {src.name_fr} et {dst.name_fr}.",
                "occurred_at": at("2025-04-21")}, "transfer_proposed", transfer_id=tid)
            if decision == "approve":
                self.send(inv, "approve_transfer", {"transfer_id": tid, "occurred_at": at("2025-04-23")},
                          "transfer_approved", transfer_id=tid)
                self.send(inv, "complete_transfer", {"transfer_id": tid, "occurred_at": at("2025-04-28")},
                          "transfer_completed", transfer_id=tid)
                for a in moving:
                    a.school = dst.code
            else:
                self.send(inv, "reject_transfer", {"transfer_id": tid, "occurred_at": at("2025-04-24"),
                                                   "reason": "Les équipements sont utilisés sur place."},
                          "transfer_rejected", transfer_id=tid)
                self.progress.step()

    # ---- audits, at the end of the second year, from what inventory says is there

    def audits(self) -> None:
        when = at("2026-06-22")
        for i, s in enumerate(self.p.schools[: max(1, len(self.p.schools) // 6)]):
            audit = f"AUD-2026-{s.code}"
            if self.recorded("inventory_audit_completed", when, audit_id=audit):
                self.progress.step()
                self.outcome.already += 1
                continue
            expected = self.cluster.inventory.school_equipment(s.code)
            findings = [{"asset_id": a["asset_id"], "status": "damaged" if j == 0 and i % 2 else "present"}
                        for j, a in enumerate(expected)]
            self.send("inventory", "complete_inventory_audit", {
                "audit_id": audit, "school_code": s.code, "occasion": "annual", "findings": findings,
                "unexpected_serials": ["SN-INCONNU-77"] if i == 0 else [], "occurred_at": when},
                "inventory_audit_completed", audit_id=audit)
        self.progress.step("waiting for the other services")
        self.caught_up()

    # ---- maintenance

    def maintenance(self) -> None:
        mnt = "maintenance"
        # Faults on equipment of the first delivery, away from the schools that transfer.
        first_batch = self.batches[0][2]
        candidates = [a for a in first_batch if a.school and a.kind != "tablet"
                      and a.school not in (self.p.schools[0].code, self.p.schools[-1].code)]
        stories = ("warranty", "replace", "paid_repair", "cancel")
        symptoms = ("L'écran reste noir au démarrage / الشاشة لا تشتغل", "Ne s'allume plus / لا يشتغل",
                    "Clavier défectueux", "Bruit anormal du ventilateur", "La lampe du projecteur a grillé",
                    "Batterie qui ne charge plus")
        step = max(1, len(candidates) // self.faults) if candidates else 1
        for n in range(self.faults):
            story = stories[n % len(stories)]
            if n * step >= len(candidates):
                self.progress.step()
                continue
            a = candidates[n * step]
            fid = f"F-{n + 1:03d}"
            # Spread over the two years, under warranty; a paid repair is of equipment past its 24 months.
            declared = (_day(date(2025, 1, 10), n * 37 % 500) if story != "paid_repair"
                        else _day(date(2026, 10, 1), n % 28))
            self.send(mnt, "declare_fault", {
                "fault_id": fid, "asset_id": a.asset_id, "school_code": a.school,
                "symptom": symptoms[n % len(symptoms)], "occurred_at": at(declared)}, "fault_declared", fault_id=fid)
            later = lambda days: at(_day(date.fromisoformat(declared), days))  # noqa: E731
            if story == "warranty":
                self.send(mnt, "file_warranty_claim", {"fault_id": fid, "claim_ref": f"GAR-{fid}",
                                                       "occurred_at": later(1)}, "warranty_claim_filed", fault_id=fid)
                self.send(mnt, "record_repair", {"fault_id": fid, "action": "Carte mère remplacée par le fournisseur",
                                                 "occurred_at": later(12)}, "repair_completed", fault_id=fid)
                self.send(mnt, "close_fault", {"fault_id": fid, "resolution": "repaired",
                                               "occurred_at": later(13)}, "fault_closed", fault_id=fid)
            elif story == "replace":
                new = self.p.tag(f"R{n + 1:04d}") if self.p.province else f"OED-R{n + 1:04d}"
                self.send(mnt, "file_warranty_claim", {"fault_id": fid, "claim_ref": f"GAR-{fid}",
                                                       "occurred_at": later(1)}, "warranty_claim_filed", fault_id=fid)
                self.send(mnt, "replace_equipment", {"fault_id": fid, "new_serial": f"REMP-{a.serial}",
                                                     "new_asset_id": new, "occurred_at": later(20)},
                          "equipment_replaced", fault_id=fid)
                self.send(mnt, "close_fault", {"fault_id": fid, "resolution": "replaced",
                                               "occurred_at": later(21)}, "fault_closed", fault_id=fid)
            elif story == "paid_repair":
                self.send(mnt, "record_repair", {"fault_id": fid, "action": "Clavier changé", "cost_mad": 450.0,
                                                 "occurred_at": later(5)}, "repair_completed", fault_id=fid)
                self.send(mnt, "close_fault", {"fault_id": fid, "resolution": "repaired",
                                               "occurred_at": later(6)}, "fault_closed", fault_id=fid)
                self.progress.step()
            else:
                self.send(mnt, "cancel_fault", {"fault_id": fid, "occurred_at": later(2)}, "fault_closed",
                          fault_id=fid)
                self.progress.step()
                self.progress.step()
        self.progress.step("waiting for the replacements")
        last = self.cluster.maintenance.health()["last_position"]
        self.wait("inventory to react to the replacements", lambda: self.cluster.inventory.health()
                  ["reactions"]["positions"].get("maintenance", 0) >= last)

    # ---- resources

    RESOURCES = [
        ("RES-MATH-01", "Fractions en vidéo / الكسور بالفيديو", "mathématiques", ["4AP", "5AP"], "video"),
        ("RES-SVT-01", "Le cycle de l'eau interactif", "sciences", ["6AP", "1AC"], "interactive"),
        ("RES-AR-01", "قراءة ممتعة: قصص مصورة", "arabe", ["2AP", "3AP"], "document"),
        ("RES-FR-01", "Lecture à voix haute", "français", ["3AP", "4AP"], "video"),
        ("RES-GEO-01", "Atlas numérique de Dakhla-Oued Ed-Dahab", "géographie", ["2AC", "3AC"], "software"),
    ]

    def _resources_count(self) -> int:
        return len(self.RESOURCES) * 2 + 1 + 2 + 1 + 1 + 1 + 2 * len(self.p.schools) + 2 + 2 + 1

    def resources(self) -> None:
        res = "resources"
        codes = [s.code for s in self.p.schools]
        for i, (rid, title, subject, levels, fmt) in enumerate(self.RESOURCES):
            self.send(res, "receive_resource", {"resource_id": rid, "title": title, "subject": subject,
                                                "levels": levels, "format": fmt, "origin": "directorate",
                                                "occurred_at": at(f"2024-10-{10 + i}")},
                      "resource_received", resource_id=rid)
            self.send(res, "distribute_resource", {"resource_id": rid, "channel": "plateforme GENIE",
                                                   "school_codes": codes[i % 2::2] or codes,
                                                   "occurred_at": at(f"2024-11-{10 + i}")},
                      "resource_distributed", resource_id=rid)
        self.send(res, "hold_awareness_workshop", {
            "workshop_id": "ATL-2024-01", "school_codes": codes[:6], "participants": 38,
            "topic": "Intégration des ressources numériques en classe / إدماج الموارد الرقمية",
            "occurred_at": at("2024-12-04")}, "awareness_workshop_held", workshop_id="ATL-2024-01")
        self.send(res, "start_production_project", {
            "project_id": "PROD-2025-01", "title": "Capsules de mathématiques en hassaniya et en arabe",
            "subject": "mathématiques", "members": ["Amina Idrissi", "Brahim Ould Sidi", "Zineb Tazi"],
            "occurred_at": at("2025-01-20")}, "production_project_started", project_id="PROD-2025-01")
        self.send(res, "submit_resource", {"resource_id": "RES-LOC-01", "project_id": "PROD-2025-01",
                                           "title": "Capsules : la proportionnalité",
                                           "occurred_at": at("2025-03-03")},
                  "resource_submitted", resource_id="RES-LOC-01")
        self.send(res, "hold_validation_committee", {
            "committee_id": "COM-2025-01", "members": ["Inspecteur pédagogique", "Coordinateur GENIE", "Enseignant"],
            "decisions": [{"resource_id": "RES-LOC-01", "decision": "approved", "remarks": "Conforme au programme"}],
            "occurred_at": at("2025-03-20")}, "validation_committee_held", committee_id="COM-2025-01")
        # The approved local resource goes to every school; a second workshop the second year.
        self.send(res, "distribute_resource", {"resource_id": "RES-LOC-01", "channel": "clé USB",
                                               "school_codes": codes, "occurred_at": at("2025-04-10")},
                  "resource_distributed", resource_id="RES-LOC-01")
        self.send(res, "hold_awareness_workshop", {
            "workshop_id": "ATL-2025-02", "school_codes": codes[-6:], "participants": 31,
            "topic": "Les ressources produites localement / الموارد المنتجة محليا",
            "occurred_at": at("2025-12-03")}, "awareness_workshop_held", workshop_id="ATL-2025-02")
        # Each school uses what reached it, after it did: the resource of its half (sent in November 2024), then
        # the local one (April 2025); resources refuses a use anywhere else or earlier.
        for i, code in enumerate(codes):
            for rid, start, end, day in ((self.RESOURCES[i % 2][0], "2025-01-06", "2025-03-28", "2025-04-01"),
                                         ("RES-LOC-01", "2025-10-06", "2026-01-30", "2026-02-02")):
                self.send(res, "record_resource_usage", {
                    "school_code": code, "resource_id": rid, "period_start": start, "period_end": end,
                    "uses": 6 + (i * 7) % 30, "teachers": 1 + i % 5, "occurred_at": at(day, 10, i % 60)},
                    "resource_usage_recorded", school_code=code, resource_id=rid)
        for n, code in enumerate(codes[:2]):
            pid = f"BP-2025-{n + 1:02d}"
            self.send(res, "record_good_practice", {
                "practice_id": pid, "school_code": code, "teacher": ("Khadija Bennani", "Omar Lahlou")[n],
                "description": "Classe inversée avec les tablettes / القسم المقلوب باستعمال اللوحات",
                "occurred_at": at(f"2025-05-1{n}")}, "good_practice_recorded", practice_id=pid)
        self.send(res, "report_dysfunction", {"dysfunction_id": "DYS-2025-01", "school_code": codes[-1],
                                              "description": "La plateforme ne s'ouvre pas sans connexion",
                                              "occurred_at": at("2025-11-03")},
                  "dysfunction_reported", dysfunction_id="DYS-2025-01")
        self.send(res, "resolve_dysfunction", {"dysfunction_id": "DYS-2025-01",
                                               "resolution": "Version hors ligne installée sur le serveur local",
                                               "occurred_at": at("2025-11-17")},
                  "dysfunction_resolved", dysfunction_id="DYS-2025-01")
        self.send(res, "record_local_research", {
            "research_id": "REC-2026-01", "title": "Usage des TICE dans les écoles rurales de la province",
            "findings": "L'usage double là où la connexion est stable.",
            "recommendations": "Prioriser la connectivité des écoles rurales.",
            "occurred_at": at("2026-05-25")}, "local_research_recorded", research_id="REC-2026-01")

    # ---- training

    def _training_count(self) -> int:
        return len(YEARS) * (1 + 1 + 1 + 1 + 5 + 1 + 1) + 2

    def training(self) -> None:
        tr = "training"
        for y, year in enumerate(YEARS):
            first = 2024 + y
            self.progress.step(f"calendar {year}")
            try:
                loaded = self.cluster.training.school_calendar(year)
            except CommandRejected:
                loaded = None
            if not loaded:
                self.cluster.training.load_school_calendar({"school_year": year, "periods": [
                    {"kind": "school_start", "name": "Rentrée scolaire / الدخول المدرسي",
                     "starts_on": f"{first}-09-01", "ends_on": f"{first}-09-15"},
                    {"kind": "holiday", "name": "Vacances de mi-année / عطلة منتصف السنة",
                     "starts_on": f"{first + 1}-01-25", "ends_on": f"{first + 1}-02-01"},
                    {"kind": "exam", "name": "Examen régional / الامتحان الجهوي",
                     "starts_on": f"{first + 1}-06-01", "ends_on": f"{first + 1}-06-10"}]}, META)
            tid = f"TICE-{first}"
            self.send(tr, "plan_training", {
                "training_id": tid, "title": "Intégration pédagogique des TICE / الإدماج البيداغوجي",
                "modality": "certifying", "audience": "teachers", "planned_participants": 25,
                "school_year": year, "occurred_at": at(f"{first}-09-20")}, "training_planned", training_id=tid)
            sid = f"{tid}-S1"
            monday = date(first, 11, 10) + timedelta(days=(0 - date(first, 11, 10).weekday()) % 7)
            week = [monday + timedelta(days=d) for d in range(5)]
            self.send(tr, "schedule_session", {
                "session_id": sid, "training_id": tid, "starts_on": week[0].isoformat(),
                "ends_on": week[-1].isoformat(), "hours": 30.0, "venue": "Centre régional, Dakhla",
                "occurred_at": at(f"{first}-10-01")}, "session_scheduled", session_id=sid)
            people = []
            for i, s in enumerate(self.p.schools[:12]):
                rng = random.Random(f"{s.code}{year}staff")
                people.append({"staff_id": f"ENS-{s.code}-{y + 1}", "role": "teacher", "school_code": s.code,
                               "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"})
            people.append({"staff_id": f"INS-{first}", "name": "Said El Mansouri", "role": "inspector",
                           "school_code": None})
            self.send(tr, "invite_participants", {"session_id": sid, "participants": people,
                                                  "occurred_at": at(f"{first}-10-20")},
                      "participant_invited", session_id=sid)
            for d, day in enumerate(week):
                marks = [{"staff_id": p["staff_id"],
                          "status": "absent" if (i + d) % 7 == 6 else ("excused" if i == 1 and d == 4 else "present")}
                         for i, p in enumerate(people)]
                self.send(tr, "record_attendance", {"session_id": sid, "day": day.isoformat(), "attendance": marks,
                                                    "occurred_at": at(day.isoformat(), 17)},
                          "attendance_recorded", session_id=sid, day=day.isoformat())
            self.send(tr, "complete_session", {"session_id": sid, "occurred_at": at(week[-1].isoformat(), 18)},
                      "session_completed", session_id=sid)
            self.send(tr, "award_certificates", {"training_id": tid, "occurred_at": at(_day(week[-1], 10))},
                      "certification_awarded", training_id=tid)
            # The continuing-training office's evaluation, a week after the session.
            self.send(tr, "evaluate_training", {
                "training_id": tid, "respondents": len(people) - 1, "mean_score": (4.1, 4.4)[y % 2],
                "remarks": "Séances pratiques appréciées ; prévoir un suivi en classe / حصص تطبيقية مفيدة",
                "occurred_at": at(_day(week[-1], 12))}, "training_evaluated", training_id=tid)
        # A workshop planned the second year, its session cancelled.
        self.send(tr, "plan_training", {
            "training_id": "ATELIER-2026", "title": "Atelier robotique / ورشة الروبوتيك", "modality": "in_person",
            "audience": "teachers", "planned_participants": 15, "school_year": YEARS[1],
            "occurred_at": at("2026-02-10")}, "training_planned", training_id="ATELIER-2026")
        self.send(tr, "schedule_session", {
            "session_id": "ATELIER-2026-S1", "training_id": "ATELIER-2026", "starts_on": "2026-03-16",
            "ends_on": "2026-03-17", "hours": 12.0, "venue": "Lycée Hassan II, Dakhla",
            "occurred_at": at("2026-02-11")}, "session_scheduled", session_id="ATELIER-2026-S1")
        self.send(tr, "cancel_session", {"session_id": "ATELIER-2026-S1", "reason": "Kits non livrés à temps",
                                         "occurred_at": at("2026-03-09")}, "session_cancelled",
                  session_id="ATELIER-2026-S1")


def seed(cluster, schools: int = 60, assets_per_school: int = 50, out: TextIO | None = sys.stderr,
         province: str | None = None, region: str = REGION) -> Outcome:
    """Enter the demo province through `cluster`; return what was sent, already there, or refused."""
    return Seeder(cluster, DemoProvince(schools, assets_per_school, province=province, region=region), out).run()
