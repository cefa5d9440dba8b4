"""Matching rules of the topic query language, each with examples, and the matcher's API."""

from __future__ import annotations

import pytest

from bot.models import Paper
from bot.topics import Match, TermHit, TopicIndex, parse_query
from bot.topics.normalize import is_acronym, paper_streams, stem, strip_marks, words


def matches(query: str, title: str, abstract: str = "") -> bool:
    """Does the single-topic index built from ``query`` match this text?"""
    return bool(TopicIndex.build([("t", parse_query(query))]).match(title, abstract))


def hits(query: str, title: str, abstract: str = "") -> list[tuple[str, str, int]]:
    found = TopicIndex.build([("t", parse_query(query))]).match(title, abstract)
    return [(h.term, h.field, h.count) for m in found for h in m.terms]


# -- normalisation -------------------------------------------------------------------------


def test_stem_rule() -> None:
    assert stem("models") == "model"
    assert stem("loss") == "loss"  # ends in ss
    assert stem("gas") == "gas"  # 3 characters
    assert stem("gases") == "gase"
    assert stem("lens") == "len"


def test_words_split_on_every_non_alphanumeric_character() -> None:
    assert words("self-supervised (SSL), T5's 3D-GANs_x") == [
        "self", "supervised", "SSL", "T5", "s", "3D", "GANs", "x"
    ]
    assert words("Schrödinger ﬁle") == ["Schrodinger", "file"]  # NFKD: marks gone, ligature split


def test_acronym_rule() -> None:
    assert all(is_acronym(w) for w in ["CLIP", "RAG", "GAN", "T5", "3D", "ΛCDM"])
    assert not any(is_acronym(w) for w in ["GANs", "Clip", "A", "2024", "clip"])


def test_streams_fold_join_and_align() -> None:
    folded, case = paper_streams("Self-Supervised GANs", "A  (CLIP), model.", with_case=True)
    assert folded == " self supervised gans \x01 a clip model "
    assert case == " Self Supervised GANs \x01 A CLIP model "
    folded, case = paper_streams("Straße", "Über", with_case=True)
    assert folded == " strasse \x01 uber " and case == " Straße \x01 Uber "
    assert paper_streams("x", "y", with_case=False) == (" x \x01 y ", None)


def test_strip_marks() -> None:
    assert strip_marks("Schro\u0308dinger équation") == "Schrodinger equation"


# -- the rules -----------------------------------------------------------------------------


def test_plural_tolerant_stems() -> None:
    assert matches("model", "Diffusion Models")
    assert matches("models", "a model")
    assert matches("loss", "contrastive loss")
    assert not matches("loss", "training losses")  # `losses` -> `losse`, not `loss`
    assert not matches("los", "loss")
    assert not matches("gas", "gases")  # `gas` has 3 characters, so it keeps its s
    assert not matches("model", "modeling")


def test_hyphenated_word_is_a_two_token_phrase() -> None:
    for text in ["self-supervised", "Self Supervised", "self‐supervised", "self, supervised"]:
        assert matches("self-supervised", text), text
    assert not matches("self-supervised", "selfsupervised")
    assert not matches("self-supervised", "supervised self")
    assert not matches("self-supervised", "self", "supervised")  # fields are not consecutive


def test_phrases_match_consecutive_tokens_by_stem() -> None:
    assert matches('"diffusion model"', "Latent diffusion models are")
    assert matches('"diffusion models"', "a diffusion model")
    assert not matches('"diffusion model"', "diffusion based model")
    assert hits('"a b"', "a b a b b a b") == [('"a b"', "title", 3)]


def test_long_phrases_and_phrases_with_acronyms() -> None:
    long = '"we propose a novel method for the task"'
    assert matches(long, "Here we propose a novel method for the task of X")
    assert not matches(long, "we propose a novel method for this task")
    assert matches('"CLIP model*"', "frozen CLIPs modelling")
    assert not matches('"CLIP model*"', "clip models")
    assert hits('"GPT-4 model"', "GPT-4 models; GPT 4 model; gpt-4 model") == [
        ('"GPT-4 model"', "title", 2)
    ]


def test_prefix_matches_any_continuation_without_stemming() -> None:
    assert matches("diffus*", "Diffusion")
    assert matches("diffus*", "diffusive transport")
    assert matches("diffus*", "diffus")
    assert matches("diffus*", "a diffuse")
    assert not matches("diffus*", "effusion")
    assert not matches("models*", "model")  # no stemming for prefixes
    assert matches("models*", "modelsX")
    assert matches('"score diffus*"', "Score-diffusion")


def test_acronyms_are_case_sensitive_and_accept_a_plural_s() -> None:
    assert matches("CLIP", "CLIP features")
    assert matches("CLIP", "two CLIPs")
    assert not matches("CLIP", "a video clip")
    assert not matches("CLIP", "Clip")
    assert not matches("CLIP", "CLIPS")  # only a lower-case s
    assert matches("clip", "CLIP") and matches("clip", "Clips")
    assert matches("GAN", "GANs for images")
    assert not matches("GAN", "gans")
    assert matches("GANs", "gan") and matches("GANs", "GANS")  # not capitals only: usual rules
    assert matches("T5", "a T5 encoder") and not matches("T5", "t5")


def test_acronym_and_word_sharing_a_spelling_coexist() -> None:
    topics = [("upper", "GAN"), ("lower", "gan"), ("caps", "GANS")]
    index = TopicIndex.build((name, parse_query(text)) for name, text in topics)
    found = {m.topic: m.terms for m in index.match("GAN gan", "GANs GANS")}
    assert found["upper"] == (TermHit("GAN", "title", 1), TermHit("GAN", "abstract", 1))
    assert found["lower"] == (TermHit("gan", "title", 2), TermHit("gan", "abstract", 2))
    assert found["caps"] == (TermHit("GANS", "abstract", 1),)


def test_accents_are_ignored() -> None:
    assert matches("Schrödinger", "schrodinger equation")
    assert matches("schrodinger", "The Schrödinger bridge")
    assert matches("schrodinger", "Schro\u0308dinger")  # decomposed input
    assert matches('"Erdős–Rényi"', "erdos renyi graphs")


def test_fields() -> None:
    assert matches("ti:diffusion", "Diffusion", "")
    assert not matches("ti:diffusion", "Other", "diffusion")
    assert matches("abs:diffusion", "Other", "diffusion")
    assert not matches("abs:diffusion", "Diffusion", "other")
    assert matches("ti:(a, b) abs:c", "b", "c")
    assert not matches("ti:(a, b) abs:c", "b c", "")


def test_issue_precedence_example_semantics() -> None:
    query = "diffusion model*, score matching -audio"
    assert matches(query, "Diffusion modelling")
    assert matches(query, "score matching")
    assert not matches(query, "score matching for audio")
    assert matches(query, "diffusion models for audio")  # NOT binds to its own alternative only
    assert not matches(query, "diffusion")


def test_not_excludes_in_either_field() -> None:
    assert not matches("vision -medical", "vision", "medical images")
    assert not matches("vision -ti:medical", "medical vision", "")
    assert matches("vision -ti:medical", "vision", "medical")


# -- the API -------------------------------------------------------------------------------


def test_explanations_list_positive_terms_by_field_with_counts() -> None:
    index = TopicIndex.build([("dm", parse_query("diffusion model*, score matching -audio"))])
    (found,) = index.match("Diffusion Models", "We train diffusion models with score matching.")
    assert found.topic == "dm"
    assert found.terms == (
        TermHit("diffusion", "title", 1),
        TermHit("diffusion", "abstract", 1),
        TermHit("model*", "title", 1),
        TermHit("model*", "abstract", 1),
        TermHit("score", "abstract", 1),
        TermHit("matching", "abstract", 1),
    )


def test_negated_terms_and_repeated_spellings_are_not_listed() -> None:
    index = TopicIndex.build([("t", parse_query("(model -audio) OR (Models -speech)"))])
    (found,) = index.match("model model", "audio")
    assert found.terms == (TermHit("model", "title", 2),)


def test_match_paper_and_match_many() -> None:
    index = TopicIndex.build([("a", parse_query("alpha")), ("b", parse_query("beta"))])
    papers = [Paper("1", "alpha"), Paper("2", "none", "beta alpha"), Paper("3", "gamma")]
    assert [m.topic for m in index.match_paper(papers[1])] == ["a", "b"]
    result = list(index.match_many(papers))
    assert [(p.key, sorted(str(m.topic) for m in ms)) for p, ms in result] == [
        ("1", ["a"]),
        ("2", ["a", "b"]),
        ("3", []),
    ]
    assert all(isinstance(m, Match) for _, ms in result for m in ms)
    assert len(index) == 2
    assert [name for name, _ in index.topics] == ["a", "b"]


def test_many_topics_share_one_index() -> None:
    queries = [f"word{i} common" for i in range(300)] + ["common -word7"]
    index = TopicIndex.build((n, parse_query(q)) for n, q in enumerate(queries))
    assert {m.topic for m in index.match("word7 common", "")} == {7}
    assert {m.topic for m in index.match("common", "")} == {300}
    assert index.match("", "") == []


def test_empty_and_punctuation_only_text() -> None:
    index = TopicIndex.build([("t", parse_query("a"))])
    assert index.match("", "") == []
    assert index.match("!!!", "--- ...") == []
    assert index.match("\x01 a", "") != []  # control characters in text are separators


@pytest.mark.parametrize("query", ["x", "X1", '"x y"', "x*", "ti:x", "X1 x*"])
def test_index_with_a_single_kind_of_term(query: str) -> None:
    assert TopicIndex.build([("t", parse_query(query))]).match("nothing here", "") == []


def test_split_phrases_are_counted_per_field() -> None:
    clip = '"CLIP model*"'
    assert hits(clip, "CLIP models", "a CLIP model and CLIPs modelling, clip model") == [
        (clip, "title", 1),
        (clip, "abstract", 2),
    ]
    long = '"one two three four five six"'
    text = "one two three four five six"
    assert hits(long, text, f"x {text} {text}, one two three four five") == [
        (long, "title", 1),
        (long, "abstract", 2),
    ]
    assert hits("ti:GAN", "GAN GANs gan", "GAN") == [("ti:GAN", "title", 2)]
