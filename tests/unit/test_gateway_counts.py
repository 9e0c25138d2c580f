"""Counts said as each language says them: French one or several (0 and 1 take the singular), Arabic's six
forms (none, one, two, three to ten, eleven to ninety-nine, a hundred and more), on the lists' pages."""
import re

import pytest

from tests.helpers import gateway_site, page_as
from tests.unit.test_gateway_api import KEY, cheap_hashing  # noqa: F401  (fixture)
from tests.unit.test_gateway_web import PEOPLE, SCHOOLS, Services


class Counted(Services):
    """A province of `n` schools with `n` transfers awaiting a decision."""

    def __init__(self, n: int):
        super().__init__()
        self.n = n

    def answer(self, service, method, *args):
        if method == "schools":
            return [dict(SCHOOLS[i % 2], school_code=f"S{i + 1}") for i in range(self.n)]
        if method in ("open_transfers", "transfers"):
            return [{"transfer_id": f"TR-{i}", "status": "proposed", "asset_ids": ["A1"], "from_school": "S1",
                     "to_school": "S2", "reason": "r", "report": "r", "proposed_at": "2026-01-02T09:00:00+01:00",
                     "proposed_by": "youssef"} for i in range(self.n)]
        return super().answer(service, method, *args)


@pytest.fixture
def counts_of(tmp_path, monkeypatch):
    """The count lines of the transfers' and the schools' pages, in `lang`, when the province has `n` of each."""
    monkeypatch.setenv("PROVINCE_CODE", "OED")

    def counts(n: int, lang: str) -> tuple[str, str]:
        (tmp_path / lang).mkdir()
        client = gateway_site(tmp_path / lang, Counted(n), PEOPLE, KEY)
        return tuple(count_line(page_as(client, "coord", f"/{which}?lang={lang}")) for which in ("transfers", "schools"))

    return counts


def count_line(page: str) -> str:
    line = re.search(r'<p class="actions">(.*?)·', page, re.S)
    assert line, page[:3000]
    return " ".join(re.sub(r"<[^>]+>", "", line.group(1)).split())


@pytest.mark.parametrize("n,transfers,schools", [(1, "1 transfert", "1 établissement"),
                                                 (2, "2 transferts", "2 établissements")])
def test_counts_in_french_are_singular_for_one_and_plural_beyond(counts_of, n, transfers, schools):
    assert counts_of(n, "fr") == (transfers, schools)


@pytest.mark.parametrize("n,transfers,schools", [
    (1, "تحويل واحد", "مؤسسة واحدة"),  # one: the singular, "one" after it
    (2, "تحويلان", "مؤسستان"),  # two: the dual
    (3, "3 تحويلات", "3 مؤسسات"),  # three to ten: the plural
    (11, "11 تحويلا", "11 مؤسسة")])  # eleven to ninety-nine: the singular, accusative
def test_counts_in_arabic_take_the_form_of_their_number(counts_of, n, transfers, schools):
    assert counts_of(n, "ar") == (transfers, schools)
