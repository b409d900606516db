"""Words of the briefing's sentences: one plural rule and one way of listing."""
from briefing.words import listed, plural


def test_a_word_agrees_with_its_count():
    assert plural(1, "measure") == "1 measure" and plural(0, "measure") == "0 measures"
    assert plural(3, "measure was", "measures were") == "3 measures were"
    assert plural(1, "has", "have", count=False) == "has" and plural(2, "column", count=False) == "columns"


def test_words_are_listed_as_a_sentence_lists_them():
    assert [listed(w) for w in ([], ["a"], ["a", "b"], ["a", "b", "c"])] == ["", "a", "a and b", "a, b and c"]


def test_sentence_case_capitalises_the_first_letter_and_keeps_the_rest():
    from briefing.words import sentence_case
    assert sentence_case("rose from 2 in March 2022") == "Rose from 2 in March 2022"
    assert sentence_case("") == ""
