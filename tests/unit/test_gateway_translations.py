"""The web application's words: every message of the code and templates is translated in Arabic and
French, and every code a person can see (rules refused, events, kinds, statuses) has its words."""
import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from services.gateway import vocabulary
from services.gateway.i18n import Lang, catalogue_path
from shared.catalogue import ASSET_KINDS, BUNDLES, registry

ROOT = Path(__file__).resolve().parents[2]
GATEWAY = ROOT / "services" / "gateway"


def messages_in_sources() -> set[str]:
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"trim_blocks": "True", "lstrip_blocks": "True"}}
    found = extract_from_dir(str(GATEWAY), method_map, options, keywords={"_": None, "N_": None, "gettext": None})
    return {message for _, _, message, _, _ in found if isinstance(message, str) and message}


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_every_message_of_the_code_and_templates_is_translated(lang):
    with catalogue_path(lang).open("rb") as fh:
        catalogue = read_po(fh, locale=lang)
    translated = {m.id: m.string for m in catalogue if m.id and m.string and not m.fuzzy}
    wanted = messages_in_sources()
    assert len(wanted) > 300
    missing = sorted(wanted - set(translated))
    assert not missing, f"{lang} lacks {len(missing)} messages, e.g. {missing[:5]}"
    # Placeholders survive translation, or the page would break when it fills them.
    for msgid in wanted:
        assert set(re.findall(r"%\(\w+\)s", msgid)) == set(re.findall(r"%\(\w+\)s", translated[msgid])), msgid


def refusal_codes(where: Path) -> dict[str, set[str]]:
    """Every stable code a refusal may carry, with the services that raise it: `CommandRejected(code, …)` and
    `found(…, code, …)` in the services and what they share, `Refused(code, …)` and `HttpProblem(…, code=…)`
    in the gateway."""
    codes: dict[str, set[str]] = {}
    for path in where.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            given = {"CommandRejected": node.args[:1], "Refused": node.args[:1], "found": node.args[1:2]}.get(name, [])
            given += [k.value for k in node.keywords if k.arg == "code" and name == "HttpProblem"]
            for arg in given:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    codes.setdefault(arg.value, set()).add(path.relative_to(ROOT).parts[1])
    return codes


def test_every_refusal_of_every_service_is_said_in_words():
    codes = {**refusal_codes(ROOT / "shared"), **refusal_codes(ROOT / "services")}
    raised_by = {service for found in codes.values() for service in found}
    assert {"inventory", "maintenance", "resources", "training", "reporting", "gateway"} <= raised_by
    assert len(codes) > 90
    missing = {code: sorted(found) for code, found in codes.items() if code not in vocabulary.RULE}
    assert missing == {}


@pytest.mark.parametrize("lang,expected", [("ar", "لا توجد مؤسسة أو مديرية إقليمية أو جهة بهذا الرمز."),
                                           ("fr", "Aucun établissement, aucune province ni aucune région n'a ce code.")])
def test_reportings_refusal_of_an_unknown_scope_is_said_in_words(lang, expected):
    assert Lang(lang).term("rule", "unknown_scope") == expected


def test_every_event_and_every_kind_has_its_words():
    events = set(registry.names())
    assert len(events) > 30
    assert not sorted(events - set(vocabulary.EVENT))
    assert set(ASSET_KINDS) <= set(vocabulary.KIND) and set(BUNDLES) <= set(vocabulary.BUNDLE)


@pytest.mark.parametrize("lang,expected", [("ar", "حاسوب محمول"), ("fr", "Ordinateur portable")])
def test_a_code_is_said_in_the_pages_language(lang, expected):
    assert Lang(lang).term("kind", "laptop") == expected


def test_dates_and_numbers_are_written_as_each_locale_writes_them():
    assert Lang("fr").date("2025-10-03T09:00:00+01:00") == "3 octobre 2025"
    assert Lang("ar").date("2025-10-03T23:30:00+00:00") == "4 أكتوبر 2025"  # already the 4th in Casablanca
    assert Lang("fr").number(12345.6) == "12\u202f345,6"
    assert Lang("ar").datetime("2026-01-05T10:00:00+00:00").endswith("11:00")


def counted_messages_in_sources() -> set[tuple[str, str]]:
    """The (singular, plural) of every count said with `ngettext` in the code and templates."""
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"trim_blocks": "True", "lstrip_blocks": "True"}}
    found = extract_from_dir(str(GATEWAY), method_map, options, keywords={"ngettext": (1, 2)})
    return {message for _, _, message, _, _ in found if isinstance(message, tuple)}


@pytest.mark.parametrize("lang,forms", [("ar", 6), ("fr", 2)])
def test_every_count_has_each_form_of_its_language(lang, forms):
    with catalogue_path(lang).open("rb") as fh:
        catalogue = read_po(fh, locale=lang)
    assert catalogue.num_plurals == forms
    wanted = counted_messages_in_sources()
    assert {("%(num)s transfer", "%(num)s transfers"), ("%(num)s school", "%(num)s schools")} <= wanted
    for singular, plural in wanted:
        message = catalogue.get(singular)
        assert message is not None and not message.fuzzy, f"{lang} lacks {singular!r}"
        assert message.id == (singular, plural), message.id
        assert isinstance(message.string, tuple) and len(message.string) == forms and all(message.string), singular
        for form in message.string:  # a form may leave the number out (Arabic: "تحويلان"), never add one
            assert set(re.findall(r"%\(\w+\)s", form)) <= set(re.findall(r"%\(\w+\)s", plural)), form


@pytest.mark.parametrize("lang,counts", [
    ("fr", {0: "0 jour", 1: "1 jour", 1.5: "1,5 jour", 2: "2 jours", 12.5: "12,5 jours"}),
    ("ar", {0: "0 يوم", 1: "يوم واحد", 2: "يومان", 3: "3 أيام", 11: "11 يوما", 100: "100 يوم", 2.5: "2,5 يوم"})])
def test_a_count_takes_the_form_its_number_calls_for_even_with_decimals(lang, counts):
    for n, said in counts.items():
        assert Lang(lang).ngettext("%(num)s day", "%(num)s days", n) == said
