"""How words become index terms: stemming, Nordic letters, accents, compounds, stop words."""

from __future__ import annotations

import pytest
from search_support import ALL

from kb.search.analysis import Analyzer, ascii_key, fold
from kb.search.index import _texts


def learnt(lang: str) -> Analyzer:
    analyzer = Analyzer(lang)
    analyzer.observe_counts(analyzer.count(_texts(d for d in ALL if d.lang == lang)))
    analyzer.finish()
    return analyzer


def shares_term(analyzer: Analyzer, a: str, b: str) -> bool:
    return bool(set(analyzer.terms(a)) & set(analyzer.terms(b)))


@pytest.mark.parametrize(
    ("lang", "forms"),
    [
        ("sv", ["returnera", "returer", "retur", "returen", "returnerade"]),
        ("sv", ["reklamation", "reklamationen", "reklamera"]),
        ("sv", ["paket", "paketet", "paketen"]),
        ("nb", ["reklamasjonen", "reklamasjon", "reklamere"]),
        ("nb", ["levering", "leveringen"]),
        ("en", ["refunds", "refunded", "refund", "refunding"]),
        ("en", ["delivery", "delivered"]),
    ],
)
def test_inflected_forms_of_a_word_meet_in_one_term(lang: str, forms: list[str]) -> None:
    analyzer = learnt(lang)
    first = forms[0]
    for other in forms[1:]:
        assert shares_term(analyzer, first, other), (first, other, analyzer.terms(other))


def test_nordic_letters_stay_letters_of_their_own() -> None:
    analyzer = learnt("sv")
    assert fold("Får") == "får"
    assert fold("ÖVER") == "över"
    assert fold("søppel") == "søppel"
    assert fold("Ærlig") == "ærlig"
    assert not shares_term(analyzer, "får", "far")
    assert not shares_term(analyzer, "för", "for")


def test_foreign_accents_are_folded() -> None:
    assert fold("Café") == "cafe"
    assert fold("Müller") == "muller"
    assert fold("naïve") == "naive"
    assert fold("Straße") == "strasse"


def test_spelling_without_nordic_letters_has_one_key() -> None:
    assert ascii_key("ångerrätt") == ascii_key("angerratt")
    assert ascii_key("kjøp") == ascii_key("kjoep") == ascii_key("kjop")


def test_swedish_compounds_are_indexed_with_their_parts() -> None:
    analyzer = learnt("sv")
    terms = set(analyzer.terms("leveranstid"))
    assert set(analyzer.terms("leverans")) <= terms
    assert set(analyzer.terms("tid")) <= terms
    assert analyzer.compounds is not None
    assert analyzer.compounds.split("betalningsvillkor", strict=False) == ("betalning", "villkor")


def test_norwegian_compounds_drop_the_linking_s() -> None:
    analyzer = learnt("nb")
    assert analyzer.compounds is not None
    assert analyzer.compounds.split("leveringstid") == ("levering", "tid")
    assert set(analyzer.terms("levering")) <= set(analyzer.terms("leveringstid"))


def test_a_word_is_not_split_into_unrelated_short_words() -> None:
    analyzer = learnt("sv")
    assert analyzer.compounds is not None
    assert analyzer.compounds.split("kontakt") is None
    assert analyzer.compounds.split("returnera") is None


def test_english_is_not_decompounded() -> None:
    assert learnt("en").compounds is None


def test_split_compound_in_a_document_is_also_indexed_joined() -> None:
    analyzer = learnt("sv")
    positions, _ = analyzer.analyse("Ändra ditt lösen ord här")
    assert set(analyzer.terms("lösenord")) <= set(positions)


def test_stop_words_are_left_out_but_keep_their_place() -> None:
    analyzer = learnt("en")
    positions, end = analyzer.analyse("the refund of the order")
    assert "the" not in positions
    assert "=the" not in positions
    assert end == 5
    (refund,) = (positions[t] for t in analyzer.terms("refund")[:1])
    (order,) = (positions[t] for t in analyzer.terms("order")[:1])
    assert order[0] - refund[0] == 3
