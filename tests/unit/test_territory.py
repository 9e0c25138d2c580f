"""The list of Morocco's regions and provinces shipped with the product, and an operator's own list in its place."""
import os
import re

import pytest
from shared.config import ConfigError
from shared.territory import SHIPPED, name, read, said, territories

ARABIC = re.compile(r"[\u0600-\u06FF]")


def test_the_shipped_list_holds_the_12_regions_and_their_75_provinces_each_named_in_both_languages():
    shipped = read(SHIPPED)
    regions, provinces = shipped.of_level("region"), shipped.of_level("province")
    assert len(regions) == 12 and len(provinces) == 75
    codes = [t.code for t in shipped.rows]
    assert len(codes) == len(set(codes))
    for t in shipped.rows:
        assert ARABIC.search(t.name_ar) and not ARABIC.search(t.name_fr) and t.name_fr.strip(), t
    region_codes = {r.code for r in regions}
    assert all(p.region in region_codes for p in provinces)
    assert all(any(p.region == r.code for p in provinces) for r in regions)  # no region without a province


def test_the_codes_the_product_uses_say_their_names():
    shipped = read(SHIPPED)
    # The demo's schools are of region DOE, the academy of the README reads region DLO: the same region.
    for region in ("DLO", "DOE"):
        assert shipped.name("region", region, "fr") == "Dakhla-Oued Ed-Dahab"
        assert shipped.name("region", region, "ar") == "الداخلة - وادي الذهب"
    assert (shipped.name("province", "OED", "fr"), shipped.name("province", "OED", "ar")) == ("Oued Ed-Dahab",
                                                                                          "وادي الذهب")
    assert (shipped.name("province", "AUS", "fr"), shipped.name("province", "AUS", "ar")) == ("Aousserd", "أوسرد")
    assert shipped.get("province", "OED").region == shipped.get("province", "AUS").region == "DLO"
    assert shipped.name("region", "RSK", "fr") == "Rabat-Salé-Kénitra"
    assert shipped.name("province", "SAL", "ar") == "سلا" and shipped.get("province", "SAL").region == "RSK"


def test_an_unknown_code_is_said_as_itself(monkeypatch):
    monkeypatch.delenv("GENIE_TERRITORY", raising=False)
    assert name("region", "R99", "ar") == "R99" and name("province", "ZZZ", "fr") == "ZZZ"
    assert name("province", None, "fr") == ""
    # A code is named at its own level: a region's code is no province.
    assert name("province", "DLO", "fr") == "DLO"
    # In a table's cell: the name with its code beside, an unknown code bare (never "R99 (R99)").
    assert said("province", "OED", "fr") == "Oued Ed-Dahab (OED)"
    assert said("region", "R99", "ar") == "R99" and said("province", None, "fr") == ""


def test_an_operators_own_list_is_read_in_place_of_the_one_shipped(tmp_path, monkeypatch):
    own = tmp_path / "territory.csv"
    own.write_text("level,code,name_fr,name_ar,region\n"
                   "region,R1,Région d'essai,جهة التجربة,\n"
                   "province,P1,Province d'essai,إقليم التجربة,R1\n"
                   "province,P2,,إقليم بلا اسم فرنسي,R1\n", encoding="utf-8")
    monkeypatch.setenv("GENIE_TERRITORY", str(own))
    assert name("region", "R1", "fr") == "Région d'essai" and name("province", "P1", "ar") == "إقليم التجربة"
    assert name("province", "P2", "fr") == "إقليم بلا اسم فرنسي"  # a name left blank: the other language's
    assert name("province", "OED", "fr") == "OED"  # the shipped list is not read beside it
    # Changed while the gateway runs: read again.
    own.write_text("level,code,name_fr,name_ar,region\nregion,R1,Région renommée,جهة أخرى,\n", encoding="utf-8")
    later = own.stat().st_mtime_ns + 10**9  # a second later, whatever the file system's clock grain
    os.utime(own, ns=(later, later))
    assert name("region", "R1", "fr") == "Région renommée"


def test_a_list_that_cannot_be_read_is_said_with_the_setting_and_pages_keep_the_codes(tmp_path, monkeypatch):
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("code;nom\nOED;Oued Ed-Dahab\n", encoding="utf-8")
    monkeypatch.setenv("GENIE_TERRITORY", str(wrong))
    with pytest.raises(ConfigError, match="GENIE_TERRITORY.*lacks the column"):
        territories()
    monkeypatch.setenv("GENIE_TERRITORY", str(tmp_path / "gone.csv"))
    with pytest.raises(ConfigError, match="GENIE_TERRITORY.*gone.csv cannot be read"):
        territories()
    assert name("province", "OED", "fr") == "OED"
