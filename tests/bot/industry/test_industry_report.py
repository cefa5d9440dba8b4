"""Detection records and the readable table."""

from __future__ import annotations

import json

from industry_fixtures import BIODIVERSITY, WORKS, work

from bot.industry.detector import detect
from bot.industry.registry import Registry
from bot.industry.report import detection_record, format_table
from bot.models import Paper, record_id


def test_record_ids() -> None:
    assert record_id(Paper(key="openalex:W2755950973", title="")) == "W2755950973"
    assert (
        record_id(Paper(key="2411.01234", title="", arxiv_id="2411.01234", version=3))
        == "2411.01234"
    )
    assert record_id(Paper(key="hep-th/9901001v2", title="")) == "hep-th/9901001"
    assert record_id(Paper(key="jsonl:my-id", title="")) == "my-id"
    assert record_id(Paper(key="paperlist:abc", title="")) == "paperlist:abc"


def test_detection_record_is_json_with_the_issue_fields(registry: Registry) -> None:
    paper = work(WORKS, "W4388778348")
    record = detection_record(paper, detect(paper, registry))
    assert record["id"] == "W4388778348"
    assert record["is_industry"] is True
    assert record["title"] == paper.title
    assert record["flags"][0] == {
        "company": "AI21 Labs",
        "lab": "AI21 Labs",
        "evidence": "AI21 Labs, Israel. orir@ai21.com",
        "via": "email-domain",
        "confidence": 0.9,
        "author": record["flags"][0]["author"],
    }
    assert record["flags"][0]["author"] in {a["name"] for a in record["authors"]}
    json.dumps(record)  # serialisable as is


def test_table_shows_labs_evidence_and_unlisted_companies(registry: Registry) -> None:
    shell = work(BIODIVERSITY, "W1996435802")
    nothing = Paper(key="openalex:W1", title="An academic paper")
    table = format_table(
        [detection_record(shell, detect(shell, registry)), detection_record(nothing, ())]
    )
    lines = table.splitlines()
    assert lines[0].startswith("W1996435802") and "industry" in lines[0]
    assert "Shell — company (not in the watched list)" in lines[1] and "company-type" in lines[1]
    assert lines[2].startswith("W1 ") and " - " in lines[2]
