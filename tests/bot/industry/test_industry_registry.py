"""The lab registry: shipped data checked against real fixtures, alias rules, config extension."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from industry_fixtures import REAL_DIR, load_json

from bot.industry.registry import Registry, lab_from_entry
from bot.industry.text import normalize

OPENALEX_FILES = [
    "industry-eval/openalex/openalexrag_works_sample.json",
    "industry/openalex/openalexrag_authors_sample.json",
    "industry/openalex/openalexrag_institutions_sample.json",
    "industry/cassettes/paperqa_2025-09_title_search_chemcrow_openalex.body.json",
    "industry/cassettes/paperqa_2025-08_doi_search_ionis_openalex.body.json",
]


def _institutions(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        ident = value.get("id")
        is_institution = isinstance(ident, str) and re.fullmatch(
            r"https://openalex\.org/I\d+", ident
        )
        if is_institution and "display_name" in value:
            yield value
        for child in value.values():
            yield from _institutions(child)
    elif isinstance(value, list):
        for child in value:
            yield from _institutions(child)


@pytest.fixture(scope="module")
def seen_institutions() -> dict[str, dict[str, Any]]:
    """Every OpenAlex institution object in the real fixtures, by short id."""
    seen: dict[str, dict[str, Any]] = {}
    for relpath in OPENALEX_FILES:
        for inst in _institutions(load_json(relpath)):
            seen[inst["id"].rsplit("/", 1)[1]] = inst
    return seen


def test_default_registry_covers_the_issue_companies(registry: Registry) -> None:
    companies = {lab.company for lab in registry.labs}
    required = {
        "Google", "Meta", "Microsoft", "OpenAI", "Anthropic", "NVIDIA", "Apple", "Amazon", "IBM",
        "Alibaba", "Tencent", "ByteDance", "Baidu", "Huawei", "Samsung", "Adobe", "Salesforce",
        "Intel", "Qualcomm", "Sony", "Mistral AI", "Cohere", "xAI", "DeepSeek", "Moonshot AI",
        "Zhipu AI", "SenseTime", "Megvii", "Bosch", "Siemens", "Naver", "LG", "Kakao",
        "Ant Group", "JD.com", "Meituan", "Xiaomi", "Kuaishou", "Netflix", "Uber", "Spotify",
        "Bloomberg", "JPMorgan", "Yandex", "Hugging Face", "Stability AI", "Runway",
        "Character.AI", "Inflection AI", "Databricks", "Snowflake", "Cerebras", "Graphcore",
        "Together AI", "AI21 Labs", "Aleph Alpha", "Sakana AI", "Preferred Networks", "NTT",
        "Fujitsu", "Hitachi", "Toyota", "Waymo", "Tesla",
    }  # fmt: skip
    assert required <= companies
    labs = {(lab.company, lab.lab) for lab in registry.labs}
    for lab in [("Google", "Google DeepMind"), ("Google", "Google Brain"), ("Meta", "FAIR"),
                ("Microsoft", "Microsoft Research Asia"), ("Alibaba", "DAMO Academy"),
                ("Alibaba", "Qwen"), ("Huawei", "Noah's Ark Lab"), ("Amazon", "AWS"),
                ("Databricks", "MosaicML"), ("Toyota", "Toyota Research Institute")]:  # fmt: skip
        assert lab in labs


def test_every_openalex_id_was_seen_in_the_fixtures_with_a_matching_name(
    registry: Registry, seen_institutions: dict[str, dict[str, Any]]
) -> None:
    """Ids are trusted only when a real record shows them with one of the lab's names."""
    for lab in registry.labs:
        names = {lab.company, lab.lab, *(a.removeprefix("=") for a in lab.aliases)}
        padded_names = {f" {normalize(n)} " for n in names}
        for ident in lab.openalex_ids:
            assert ident in seen_institutions, f"{lab.lab}: {ident} not in any fixture"
            display = f" {normalize(seen_institutions[ident]['display_name'])} "
            assert any(n in display for n in padded_names), f"{lab.lab}: {ident} is {display!r}"


def test_every_ror_id_belongs_to_one_of_the_labs_institutions(
    registry: Registry, seen_institutions: dict[str, dict[str, Any]]
) -> None:
    for lab in registry.labs:
        rors = {seen_institutions[i]["ror"].rsplit("/", 1)[1] for i in lab.openalex_ids}
        assert set(lab.ror_ids) == rors, lab.lab


def test_non_industry_ids_are_the_look_alikes_of_the_fixtures(
    registry: Registry, seen_institutions: dict[str, dict[str, Any]]
) -> None:
    names = {
        seen_institutions[i]["display_name"] for g in registry.non_industry for i in g.openalex_ids
    }
    assert names == {
        "Toyota Technological Institute at Chicago",
        "Toyota Technological Institute",
        "Los Alamos National Security (United States)",
        "Los Alamos National Laboratory",
        "Allen Institute for Artificial Intelligence",
        "Shanghai Artificial Intelligence Laboratory",
    }
    lanl = seen_institutions["I4210131040"]
    assert lanl["type"] == "company"  # why the guard exists


def test_ibm_research_facilities_are_caught_by_id_not_by_type(
    registry: Registry, seen_institutions: dict[str, dict[str, Any]]
) -> None:
    zurich = seen_institutions["I4210126328"]
    assert (zurich["display_name"], zurich["type"]) == ("IBM Research - Zurich", "facility")
    lab = registry.lab_for_openalex("https://openalex.org/I4210126328")
    assert lab is not None and lab.company == "IBM"
    assert registry.lab_for_ror("https://ror.org/02js37d36") == lab


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Meta", {"Meta"}),
        ("Meta, Menlo Park", {"Meta"}),
        ("Meta AI", {"Meta"}),
        ("FAIR at Meta", {"Meta"}),
        ("Meta Platforms, Inc.", {"Meta"}),
        ("Department of Meta-Analysis, University of Bern", set()),
        ("Meta-Research Innovation Center at Stanford", set()),
        ("Apple, Cupertino, USA", {"Apple"}),
        ("University of Southern California+Apple", {"Apple"}),
        ("Big Apple Robotics Club, Columbia University", set()),
        ("Amazon Web Services", {"Amazon"}),
        ("Instituto Nacional de Pesquisas da Amazônia", set()),
        ("Amazon Conservation Team", set()),
        ("Anthropic PBC", {"Anthropic"}),
        ("Centre for Anthropic Studies, Durham", set()),
        ("Intel Labs + Intel Corporation", {"Intel"}),
        ("Intelligent Systems Lab", set()),
        ("Google", {"Google"}),
        ("Robotics at Google", {"Google"}),
        ("Toyota Technological Institute at Chicago", set()),
        ("Toyota Research Institute", {"Toyota"}),
        ("Toyota National College of Technology, Toyota, Aichi", set()),
        ("Samsung Medical Center, Seoul", set()),
        ("Samsung AI Center Cambridge, UK", {"Samsung"}),
        ("Dyson School of Design Engineering, Imperial College London", set()),
        ("Boston Dynamics AI Institute", set()),
        ("Physical Intelligence Department, Max Planck Institute for Intelligent Systems", set()),
        ("Allen Institute for Artificial Intelligence", set()),
        ("Shanghai AI Laboratory", set()),
        ("IDEAS NCBR Sp.", set()),
        ("Noah’s Ark Lab, Huawei Technologies", {"Huawei"}),
        ("2FUXI AI Laboratory, NetEase, Hangzhou, China", {"NetEase"}),
        ("Kuaishou- 快手科技", {"Kuaishou"}),
        ("AT and T Research Laboratories, Red Bank, NJ, USA", {"AT&T"}),
        ("J.P. Morgan AI Research", {"JPMorgan"}),
    ],
)
def test_alias_matching_on_affiliation_strings(
    registry: Registry, text: str, expected: set[str]
) -> None:
    assert {hit.lab.company for hit in registry.match_text(text)} == expected


def test_longest_alias_wins_and_names_the_lab(registry: Registry) -> None:
    assert [h.lab.lab for h in registry.match_text("Google Research, Brain Team")] == [
        "Google Brain"
    ]
    assert [h.lab.lab for h in registry.match_text("Google DeepMind, London")] == [
        "Google DeepMind"
    ]
    assert [h.lab.lab for h in registry.match_text("Meta AI (FAIR)")] == ["FAIR"]


@pytest.mark.parametrize(
    ("address", "lab"),
    [
        ("karansinghal@google.com", "Google"),
        ("google.com", "Google"),
        ("research.google.com", "Google Research"),
        ("someone@deepmind.google", "Google DeepMind"),
        ("qti.qualcomm.com", "Qualcomm AI Research"),
        ("us.ibm.com", "IBM Research"),
        ("mailto:X@FB.com", "Meta"),
        ("googl.Vare.com", None),  # garbled in automl2022 record 6722bb62ee
        ("notgoogle.com", None),
        ("google.com.evil.example", None),
        ("gmail.com", None),
        ("com", None),
        ("", None),
    ],
)
def test_email_domains_match_subdomains_not_look_alikes(
    registry: Registry, address: str, lab: str | None
) -> None:
    found = registry.lab_for_email(address)
    assert (found.lab if found else None) == lab


ENTRY = {
    "company": "Acme Robotics",
    "lab": "Acme Research",
    "aliases": ["Acme Robotics", "=Acme"],
    "email_domains": ["acme.example"],
    "openalex_ids": ["https://openalex.org/I999"],
    "ror_ids": ["https://ror.org/0abcde123"],
}


def test_extended_adds_labs_from_plain_config_dicts(registry: Registry) -> None:
    extended = registry.extended([ENTRY])
    assert len(extended.labs) == len(registry.labs) + 1
    assert [h.lab.lab for h in extended.match_text("Acme, Berlin")] == ["Acme Research"]
    assert [h.lab.lab for h in extended.match_text("Acme Robotics GmbH")] == ["Acme Research"]
    assert extended.match_text("Acme-style anvils") == ()
    acme = extended.lab_for_email("wile@lab.acme.example")
    assert acme is not None and acme.company == "Acme Robotics"
    assert extended.lab_for_openalex("I999") == acme
    assert extended.lab_for_ror("0abcde123") == acme
    assert registry.match_text("Acme, Berlin") == ()  # the original is unchanged


def test_extended_ignores_labs_or_whole_companies(registry: Registry) -> None:
    without_fair = registry.extended(ignore=["fair"])
    assert without_fair.match_text("FAIR at Meta") == ()
    assert [h.lab.lab for h in without_fair.match_text("FAIR, Meta")] == ["Meta"]
    without_google = registry.extended(ignore=["Google"])
    assert without_google.match_text("Google DeepMind") == ()
    assert without_google.lab_for_email("x@google.com") is None
    assert without_google.lab_for_email("x@waymo.com") is not None
    assert len(without_google.non_industry) == len(registry.non_industry)


def test_ignoring_a_lab_and_adding_it_back_overrides_it(registry: Registry) -> None:
    custom = {"company": "OpenAI", "lab": "OpenAI", "aliases": ["OpenAI", "OpenAI Research"]}
    overridden = registry.extended([custom], ignore=["OpenAI"])
    assert [h.lab.aliases for h in overridden.match_text("OpenAI Research")] == [
        ("OpenAI", "OpenAI Research")
    ]
    assert overridden.lab_for_email("a@openai.com") is None  # the custom entry has no domain


@pytest.mark.parametrize("alias", ["Meta", "Apple", "Amazon", "Anthropic", "Intel", "FAIR", "AI"])
def test_bare_ambiguous_aliases_are_refused(alias: str) -> None:
    with pytest.raises(ValueError, match="ambiguous bare word"):
        lab_from_entry({"company": "X Corp", "aliases": [alias]})
    assert lab_from_entry({"company": "X Corp", "aliases": [f"={alias}"]}).aliases == (f"={alias}",)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"lab": "No company"}, "'company' must be a non-empty string"),
        ({"company": "A", "aliases": "Acme"}, "must be a list of non-empty strings"),
        ({"company": "A", "aliases": [""]}, "must be a list of non-empty strings"),
        ({"company": "A", "colour": "red"}, "unknown keys"),
        ({"company": "A", "aliases": ["!!!"]}, "no letters or digits"),
    ],
)
def test_invalid_entries_say_what_is_wrong(entry: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        lab_from_entry(entry)


def test_an_alias_or_domain_cannot_belong_to_two_labs(registry: Registry) -> None:
    with pytest.raises(ValueError, match="already an alias"):
        registry.extended([{"company": "Other", "aliases": ["Google DeepMind"]}])
    with pytest.raises(ValueError, match="already belongs"):
        registry.extended([{"company": "Other", "email_domains": ["openai.com"]}])


def test_lab_defaults_to_company_name() -> None:
    lab = lab_from_entry({"company": "Acme"})
    assert (lab.company, lab.lab, lab.aliases) == ("Acme", "Acme", ())


def test_labs_toml_ships_as_package_data() -> None:
    from importlib import resources

    text = resources.files("bot.industry").joinpath("labs.toml").read_text(encoding="utf-8")
    assert "[[lab]]" in text and "[[not_industry]]" in text
    assert REAL_DIR.is_dir()
