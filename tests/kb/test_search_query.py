"""What a customer typing into the search box gets: found articles, ranking, snippets, paging."""

from __future__ import annotations

from pathlib import Path

import pytest
from search_support import EN, build, doc, marked, parse_fragment

from kb.search.index import SearchIndex
from kb.search.query import search, suggest


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    return build(tmp_path_factory.mktemp("search"))


def keys(index: SearchIndex, lang: str, q: str, **kwargs: object) -> list[str]:
    return [hit.key for hit in search(index, lang, q, **kwargs).hits]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("lang", "q", "expected"),
    [
        ("sv", "returnera", "sv-refund"),  # "Retur och återbetalning" says "returen"
        ("sv", "returer", "sv-return"),
        ("sv", "reklamera", "sv-complaint"),
        ("nb", "reklamasjonen", "nb-complaint"),
        ("nb", "reklamere", "nb-complaint"),
        ("en", "refunds", "en-refund-card"),  # the article says "refunded"
        ("en", "refunding", "en-refund-when"),
    ],
)
def test_inflected_query_finds_the_article(
    index: SearchIndex, lang: str, q: str, expected: str
) -> None:
    assert expected in keys(index, lang, q)


def test_compound_query_finds_the_parts_and_the_parts_find_the_compound(index: SearchIndex) -> None:
    assert keys(index, "sv", "leveranstid")[:1] == ["sv-delivery-times"]
    assert "sv-tracking" in keys(index, "sv", "leveranstid")  # "leverans" … "tid"
    assert keys(index, "sv", "leverans tid")[0] in {"sv-delivery-times", "sv-tracking"}
    assert "sv-delivery-times" in keys(index, "sv", "leverans tid")


def test_norwegian_compound_both_ways(index: SearchIndex) -> None:
    assert "nb-delivery-times" in keys(index, "nb", "levering")
    assert keys(index, "nb", "leveringstid")[0] == "nb-delivery-times"
    assert "nb-home" in keys(index, "nb", "leveringstid")
    assert keys(index, "nb", "levering tid")[0] in {"nb-delivery-times", "nb-home"}


def test_machine_translated_split_compound_is_found_both_ways(index: SearchIndex) -> None:
    assert "sv-mt-password" in keys(index, "sv", "lösenord")
    assert "sv-login" in keys(index, "sv", "lösen ord")


def test_same_letters_with_and_without_ring_are_different_words(index: SearchIndex) -> None:
    assert keys(index, "sv", "far") == ["sv-father"]
    assert keys(index, "sv", "får faktura")[0] == "sv-invoice"


def test_query_without_nordic_letters_finds_them_and_offers_the_spelling(
    index: SearchIndex,
) -> None:
    results = search(index, "sv", "angerratt")
    assert [h.key for h in results.hits][:1] == ["sv-withdrawal"]
    assert results.did_you_mean == "ångerrätt"


@pytest.mark.parametrize(
    ("lang", "q", "expected", "correction"),
    [
        ("sv", "returnra", "sv-return", "returnera"),  # one letter missing
        ("sv", "rekalmatoin", "sv-complaint", "reklamation"),  # two swapped pairs
        ("nb", "angrerret", "nb-withdrawal", "angrerett"),  # one letter too many
        ("nb", "rekalmasjn", "nb-complaint", "reklamasjon"),  # swap and a missing letter
        ("en", "refnud", "en-refund-when", "refund"),  # swapped letters
        ("en", "dilevery", "en-delivery", "delivery"),  # two wrong letters
    ],
)
def test_typo_still_finds_the_article_and_offers_a_correction(
    index: SearchIndex, lang: str, q: str, expected: str, correction: str
) -> None:
    results = search(index, lang, q)
    assert expected in [hit.key for hit in results.hits][:3]
    assert results.corrected
    assert results.did_you_mean == correction


def test_correct_query_offers_no_correction(index: SearchIndex) -> None:
    results = search(index, "en", "refund")
    assert results.did_you_mean is None
    assert not results.corrected


def test_synonym_phrase_finds_the_other_wording(index: SearchIndex) -> None:
    assert "sv-refund" in keys(index, "sv", "pengarna tillbaka")
    assert "en-delivery" in keys(index, "en", "package")


def test_title_match_ranks_above_body_matches(index: SearchIndex) -> None:
    assert keys(index, "en", "warranty")[:2] == ["en-warranty", "en-faulty"]


def test_all_words_rank_above_some_words_but_some_still_answer(index: SearchIndex) -> None:
    found = keys(index, "en", "refund card")
    assert found[:2] == ["en-refund-card", "en-refund-when"] or found[0] == "en-refund-card"
    assert keys(index, "en", "refund xylophone") != []


def test_category_filter(index: SearchIndex) -> None:
    results = search(index, "sv", "paket leverans", category="delivery")
    assert results.hits
    assert {hit.category for hit in results.hits} == {"delivery"}
    assert search(index, "sv", "paket", category="refunds").hits == []


def test_results_are_in_the_asked_language_only(index: SearchIndex) -> None:
    assert all(hit.lang == "nb" for hit in search(index, "nb", "levering").hits)
    assert search(index, "da", "levering").hits == []


def test_pagination(tmp_path: Path) -> None:
    many = [
        doc(f"widget-{i}:en", "en", f"Widget model {i}", f"The widget number {i}.")
        for i in range(25)
    ]
    index = build(tmp_path, [*EN, *many])
    first = search(index, "en", "widget", page=1, per_page=10)
    third = search(index, "en", "widget", page=3, per_page=10)
    assert (first.total, first.pages, len(first.hits), len(third.hits)) == (25, 3, 10, 5)
    all_keys = [h.key for p in (1, 2, 3) for h in search(index, "en", "widget", page=p).hits]
    assert len(set(all_keys)) == 25


def test_snippet_escapes_markup_and_marks_only_query_words(index: SearchIndex) -> None:
    (hit,) = search(index, "en", "paste").hits
    fragment = parse_fragment(hit.snippet_html)
    assert set(fragment.tags) == {"mark"}
    assert "<script>alert('owned')</script>" in "".join(fragment.text)
    assert marked(hit.snippet_html) == ["paste"]
    title = parse_fragment(search(index, "en", "markup").hits[0].title_html)
    assert set(title.tags) <= {"mark"}
    assert "<b>markup</b>" in "".join(title.text)


def test_snippet_marks_inflected_forms(index: SearchIndex) -> None:
    hit = search(index, "sv", "returnera").hits[0]
    assert any(
        word.lower().startswith("retur") for word in marked(hit.snippet_html + hit.title_html)
    )


def test_suggest_completes_the_last_word(index: SearchIndex) -> None:
    titles = [s.title for s in suggest(index, "sv", "leveranst")]
    assert titles[:1] == ["Leveranstider i Sverige"]
    assert [s.key for s in suggest(index, "en", "refund c")][:1] == ["en-refund-card"]
    assert suggest(index, "en", "   ") == []


def test_empty_and_unknown_queries_answer_empty(index: SearchIndex) -> None:
    assert search(index, "en", "").total == 0
    assert search(index, "en", "qqqzzzxx").hits == []
    assert search(index, "xx", "refund").hits == []


def test_a_correctly_spelt_query_never_looks_for_typos(
    index: SearchIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kb.search.spelling import Speller

    calls: list[str] = []
    original = Speller.near

    def counting(self: Speller, word: str, limit: int | None = None) -> list:
        calls.append(word)
        return original(self, word, limit)

    monkeypatch.setattr(Speller, "near", counting)
    assert search(index, "sv", "lång tid").hits
    assert search(index, "en", "warranty").hits
    assert calls == []
    search(index, "en", "warrenty")
    assert calls == ["warrenty"]


def test_norwegian_typed_without_nordic_letters(tmp_path: Path) -> None:
    index = build(tmp_path, [doc("kjop:nb", "nb", "Kjøp med faktura", "Betal kjøpet senere.")])
    results = search(index, "nb", "kjoep")
    assert [hit.key for hit in results.hits] == ["kjop"]
    assert results.did_you_mean == "kjøp"


def test_quoted_phrase_and_stop_word_queries(tmp_path: Path) -> None:
    index = build(
        tmp_path,
        [
            doc("who:en", "en", "The Who", "A band."),
            doc("log-in:en", "en", "Log in to the shop", "Use your email to log in to the shop."),
            doc("shop-log:en", "en", "Shop log", "The shop keeps a log; it is read daily."),
        ],
    )
    assert [h.key for h in search(index, "en", "the who").hits][:1] == ["who"]
    assert [h.key for h in search(index, "en", '"log in to the shop"').hits] == ["log-in"]
    assert {h.key for h in search(index, "en", "log shop").hits} == {"log-in", "shop-log"}


def test_synonym_with_a_stop_word_inside(tmp_path: Path) -> None:
    index = build(tmp_path, [doc("cool:en", "en", "Cooling-off period", "You have 14 days.")])
    index.set_synonyms({"en": [["right of withdrawal", "cooling-off period"]]})
    assert [h.key for h in search(index, "en", "right of withdrawal").hits] == ["cool"]


def test_hyphenated_words_match_written_together_and_in_synonyms(tmp_path: Path) -> None:
    index = build(tmp_path, [doc("mail:sv", "sv", "Byt e-postadress", "Ändra din epostadress.")])
    index.set_synonyms({"sv": [["e-post", "mejl"]]})
    assert [h.key for h in search(index, "sv", "epostadress").hits] == ["mail"]
    assert [h.key for h in search(index, "sv", "e-postadress").hits] == ["mail"]


@pytest.mark.parametrize(
    ("lang", "q"),
    [
        ("en", "how do I send the broken kettle back"),
        ("sv", "hur skickar jag varan tillbaka"),
        ("nb", "kan jeg sende pakken tilbake"),
    ],
)
def test_particle_verb_with_its_object_between_finds_the_synonym(
    tmp_path: Path, lang: str, q: str
) -> None:
    index = build(
        tmp_path,
        [
            doc("return:en", "en", "Returns", "Start a return from your order page."),
            doc("send:en", "en", "Sending gifts", "We send a gift card by email."),
            doc("return:sv", "sv", "Retur", "Registrera din retur på ordersidan."),
            doc("send:sv", "sv", "Skicka presentkort", "Vi skickar presentkortet med mejl."),
            doc("return:nb", "nb", "Retur", "Registrer returen på ordresiden."),
            doc("send:nb", "nb", "Sende gavekort", "Vi sender gavekortet på e-post."),
        ],
    )
    index.set_synonyms(
        {
            "en": [["return", "send back"]],
            "sv": [["retur", "skicka tillbaka"]],
            "nb": [["retur", "sende tilbake"]],
        }
    )
    assert keys(index, lang, q)[:1] == ["return"]
