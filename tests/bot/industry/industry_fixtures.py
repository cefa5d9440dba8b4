"""Real records for the industry tests, loaded from the recordings in ``tests/fixtures/``.

Imported by the test modules of this directory (a plain module, not conftest, so the name is
unique in the whole suite).

Paper lists go through ``bot.industry.paperlists``; OpenAlex works through the real OpenAlex
parser, so the detector is tested on the affiliation shape the bot actually stores
(institutions with ids and display names, raw strings as separate affiliations).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from bot.industry.paperlists import paperlist_paper
from bot.models import Paper
from tests.fixture_files import FIXTURES_DIR as REAL_DIR
from tests.fixture_files import fixture_bytes

WORKS = "industry-eval/openalex/openalexrag_works_sample.json"
COLM = "industry/paperlists/paperlists_colm2024.json"
UAI = "industry/paperlists/paperlists_uai2024.json"
CORL = "industry-eval/paperlists/paperlists_corl2024.json"
ALT = "industry-eval/paperlists/paperlists_alt2025.json"
AUTOML22 = "industry-eval/paperlists/paperlists_automl2022.json"
CHEMCROW = "industry/cassettes/paperqa_2025-09_title_search_chemcrow_openalex.body.json"
IONIS = "industry/cassettes/paperqa_2025-08_doi_search_ionis_openalex.body.json"
KEYPAPERS = "openalex/openalexpro_works_cursor_keypapers_page1.json"
CHUNK4 = "openalex/openalexpro_works_cursor_chunk4_page1.json"
BIODIVERSITY = (
    "openalex/openalexpro_vcr_2026-03_works_title_and_abstract_search_cursor_page1_excerpt23.body.json"
)


@cache
def load_json(relpath: str) -> Any:
    return json.loads(fixture_bytes(relpath))


@cache
def _paperlist_index(relpath: str) -> dict[str, dict[str, Any]]:
    return {str(r["id"]): r for r in load_json(relpath)}


@cache
def _openalex_index(relpath: str) -> dict[str, Paper]:
    from bot.sources.openalex import parse_openalex_value

    papers = parse_openalex_value(load_json(relpath)).papers
    return {p.openalex_id or p.key: p for p in papers}


def paperlist_record(relpath: str, record_id: str) -> dict[str, Any]:
    return _paperlist_index(relpath)[record_id]


def paperlist(relpath: str, record_id: str) -> Paper:
    """The Paper of one real paper-list record."""
    return paperlist_paper(paperlist_record(relpath, record_id))


def work(relpath: str, work_id: str) -> Paper:
    """The Paper of one real OpenAlex work, as the OpenAlex source parser builds it."""
    return _openalex_index(relpath)[work_id]


def all_paperlist_papers() -> list[Paper]:
    files = sorted(REAL_DIR.glob("industry*/paperlists/*.json"))
    return [paperlist_paper(r) for f in files for r in load_json(str(f.relative_to(REAL_DIR)))]
