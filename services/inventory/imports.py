"""Reading the files people bring: a supplier's delivery list, a list of schools (CSV or XLSX).

A file is read into numbered lines by `shared.tables`, which stops at the line
limit. Every bad line is reported with why; nothing is recorded unless every
line is good. Columns are found by name
(English or French, any case or accents); columns we do not know are ignored.
"""
from __future__ import annotations

import re
import unicodedata

from marshmallow import ValidationError

from shared.errors import InvalidCommand
from shared.tables import file_error as _file_error
from shared.tables import read_table

from . import schemas

DELIVERY_COLUMNS = {
    "serial": ("serial", "serial_number", "serial_no", "sn", "s_n", "numero_de_serie", "n_de_serie", "n_serie",
               "num_serie", "serie", "الرقم_التسلسلي"),
    "kind": ("kind", "type", "categorie", "category", "type_de_materiel", "materiel", "النوع"),
    "model": ("model", "modele", "designation", "reference_modele", "الطراز"),
    "warranty_months": ("warranty_months", "warranty", "garantie", "garantie_mois", "duree_de_garantie",
                        "duree_garantie_mois", "garantie_en_mois", "الضمان_بالأشهر"),
    "bundle": ("bundle", "lot", "dotation", "pack", "الحزمة"),
    "asset_id": ("asset_id", "id", "identifiant", "n_inventaire", "numero_inventaire"),
}
SCHOOL_COLUMNS = {
    "school_code": ("school_code", "code", "code_etablissement", "code_gresa", "gresa"),
    "name_ar": ("name_ar", "nom_ar", "nom_arabe", "اسم_المؤسسة", "الاسم"),
    "name_fr": ("name_fr", "nom_fr", "nom", "nom_francais", "etablissement"),
    "cycle": ("cycle", "niveau", "السلك"),
    "setting": ("setting", "milieu", "الوسط"),
    "commune": ("commune", "الجماعة"),
    "region_code": ("region_code", "region", "code_region", "aref"),
    "school_year": ("school_year", "annee_scolaire", "السنة_الدراسية"),
    "pupils": ("pupils", "eleves", "nombre_eleves", "effectif", "التلاميذ"),
    "teachers": ("teachers", "enseignants", "nombre_enseignants", "الأساتذة"),
}
KINDS = {
    "desktop": "desktop", "ordinateur_de_bureau": "desktop", "pc_de_bureau": "desktop", "pc": "desktop",
    "unite_centrale": "desktop", "poste_de_travail": "desktop",
    "laptop": "laptop", "ordinateur_portable": "laptop", "pc_portable": "laptop", "portable": "laptop",
    "tablet": "tablet", "tablette": "tablet",
    "projector": "projector", "video_projector": "projector", "videoprojecteur": "projector",
    "video_projecteur": "projector", "projecteur": "projector", "data_show": "projector",
    "interactive_whiteboard": "interactive_whiteboard", "tbi": "interactive_whiteboard",
    "tableau_blanc_interactif": "interactive_whiteboard", "tableau_interactif": "interactive_whiteboard",
    "printer": "printer", "imprimante": "printer",
    "server": "server", "serveur": "server",
    "router": "router", "routeur": "router", "modem_routeur": "router",
    "other": "other", "autre": "other",
}
BUNDLES = {"": "none", "none": "none", "aucun": "none", "smm": "smm", "salle_multimedia": "smm",
           "vmm": "vmm", "mallette": "vmm", "mallette_multimedia": "vmm", "valise_multimedia": "vmm"}
CYCLES = {"primary": "primary", "primaire": "primary", "ابتدائي": "primary",
          "middle": "middle", "college": "middle", "secondaire_collegial": "middle", "إعدادي": "middle",
          "secondary": "secondary", "lycee": "secondary", "qualifiant": "secondary",
          "secondaire_qualifiant": "secondary", "ثانوي": "secondary", "تأهيلي": "secondary"}
SETTINGS = {"urban": "urban", "urbain": "urban", "حضري": "urban", "rural": "rural", "قروي": "rural"}


def words(value) -> str:
    """`Numéro de série ` → `numero_de_serie`: no case, no accents, words joined by `_`."""
    text = unicodedata.normalize("NFKD", str(value))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower().strip()
    return re.sub(r"[^\w]+", "_", text).strip("_")


# ---------------------------------------------------------------- reading a table (shared.tables)

def read_deliveries(raw: bytes, fmt: str):
    """A supplier's list read and checked line by line: (lines, errors, ids) as `delivery_items` gives."""
    return delivery_items(*read_table(raw, fmt))


def read_schools(raw: bytes, fmt: str):
    """A list of schools read and checked line by line: (schools, errors) as `school_rows` gives."""
    return school_rows(*read_table(raw, fmt))


def _columns(header: list, known: dict[str, tuple], required: tuple[str, ...]) -> dict[str, int]:
    """Where each known column is; refuses a file missing a required one or naming one twice."""
    aliases = {words(a): name for name, names in known.items() for a in names}
    where: dict[str, int] = {}
    for i, title in enumerate(header):
        name = aliases.get(words(title)) if title not in (None, "") else None
        if name is None:
            continue
        if name in where:
            raise _file_error(f"Two columns mean {name}: {header[where[name]]!r} and {title!r}.")
        where[name] = i
    missing = [n for n in required if n not in where]
    if missing:
        raise _file_error(f"Missing column(s): {', '.join(missing)} (the header line names the columns).")
    return where


def _pick(cells: list, where: dict[str, int]) -> dict:
    return {name: (cells[i] if i < len(cells) else None) for name, i in where.items()}


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _whole_number(value):
    """24, 24.0 or "24" → 24; anything else is left for the schema to refuse."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d+", value):
        return int(value)
    return value


def _choice(value, choices: dict) -> str:
    """A value in the contract's words, from English or French, any case: `Vidéoprojecteur` → projector."""
    text = _text(value)
    return choices.get(words(text), text)


def _load(schema, data: dict) -> tuple[dict | None, dict]:
    try:
        return schema.load(data), {}
    except ValidationError as exc:
        return None, exc.messages


# ---------------------------------------------------------------- a supplier's delivery list

def delivery_items(header: list, rows: list[tuple[int, list]]):
    """The items of a delivery list: ([(line, item)], {line: {field: [why]}}, [(line, ids)]).

    The last list has the serial and asset id of every line that gives a serial,
    good or bad, so that a repeat is found even beside a line with another fault.
    """
    where = _columns(header, DELIVERY_COLUMNS, ("serial", "kind", "warranty_months"))
    schema = schemas.DeliveryItem()
    items, errors, ids = [], {}, []
    for line, cells in rows:
        raw = _pick(cells, where)
        data = {
            "serial": _text(raw["serial"]),
            "kind": _choice(raw["kind"], KINDS),
            "warranty_months": _whole_number(raw["warranty_months"] if raw["warranty_months"] != "" else None),
            "model": _text(raw.get("model")),
            "bundle": _choice(raw.get("bundle"), BUNDLES),
        }
        if _text(raw.get("asset_id")):
            data["asset_id"] = _text(raw["asset_id"])
        if data["serial"]:
            ids.append((line, {"serial": data["serial"], "asset_id": data.get("asset_id")}))
        item, problems = _load(schema, data)
        if problems:
            errors[line] = problems
        else:
            items.append((line, item))
    return items, errors, ids


# ---------------------------------------------------------------- a list of schools

def school_rows(header: list, rows: list[tuple[int, list]]):
    """Schools to register, with their census when the file gives one: ([(line, school, census|None)], errors)."""
    where = _columns(header, SCHOOL_COLUMNS, ("school_code", "name_ar", "name_fr", "cycle", "setting", "commune",
                                              "region_code"))
    census_columns = [c for c in ("school_year", "pupils", "teachers") if c in where]
    if census_columns and len(census_columns) != 3:
        raise _file_error("A census needs the three columns school_year, pupils and teachers.")
    register, census_schema = schemas.RegisterSchool(), schemas.RecordCensus()
    schools, errors = [], {}
    for line, cells in rows:
        raw = _pick(cells, where)
        school, problems = _load(register, {
            "school_code": _text(raw["school_code"]), "name_ar": _text(raw["name_ar"]),
            "name_fr": _text(raw["name_fr"]), "cycle": _choice(raw["cycle"], CYCLES),
            "setting": _choice(raw["setting"], SETTINGS), "commune": _text(raw["commune"]),
            "region_code": _text(raw["region_code"])})
        census = None
        if census_columns and any(_text(raw[c]) for c in census_columns):
            census, census_problems = _load(census_schema, {
                "school_code": _text(raw["school_code"]) or "-", "school_year": _text(raw["school_year"]),
                "pupils": _whole_number(raw["pupils"]), "teachers": _whole_number(raw["teachers"])})
            census_problems.pop("school_code", None)  # already said above
            problems = {**problems, **census_problems}
        if problems:
            errors[line] = problems
        else:
            schools.append((line, school, census))
    return schools, errors


def refuse_lines(errors: dict[int, dict]) -> None:
    """Refuse the whole file, naming every bad line and why."""
    if errors:
        raise InvalidCommand({"lines": {str(line): errors[line] for line in sorted(errors)}})
