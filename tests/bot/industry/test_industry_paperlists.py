"""Paper-list records -> Paper: both field shapes of papercopilot/paperlists."""

from __future__ import annotations

from industry_fixtures import AUTOML22, COLM, CORL, UAI, all_paperlist_papers, paperlist

from bot.industry.paperlists import paperlist_paper
from bot.models import AffiliationSource


def test_openreview_shape_one_entry_per_author_with_plus_and_commas() -> None:
    paper = paperlist(COLM, "1eg6UnpYu7")
    assert paper.key == "paperlist:1eg6UnpYu7"
    assert [a.name for a in paper.authors][:1] and len(paper.authors) == 5
    last = paper.authors[-1]
    assert [a.name for a in last.affiliations] == ["Research, Google"]  # comma kept
    assert last.emails == ("research.google.com",)
    assert all(a.source is AffiliationSource.PAPERLIST for a in last.affiliations)
    empty = paper.authors[3]
    assert empty.affiliations == () and empty.emails == ()


def test_openreview_plus_joins_several_affiliations_and_domains() -> None:
    record = {
        "id": "x",
        "title": "T",
        "author": "Ann;Bo",
        "aff": "Massachusetts Institute of Technology;Google+Cornell University",
        "aff_domain": "mit.edu;google.com+cornell.edu",
    }
    bo = paperlist_paper(record).authors[1]
    assert [a.name for a in bo.affiliations] == ["Google", "Cornell University"]
    assert bo.emails == ("google.com", "cornell.edu")


def test_pmlr_shape_semicolon_space_and_email_field() -> None:
    paper = paperlist(UAI, "e5257143b1")
    assert [a.name for a in paper.authors][2] == "Lorne Applebaum"
    assert [a.name for a in paper.authors[0].affiliations] == ["Google Research, India"]
    assert paper.authors[0].emails == ("google.com",)
    odd = paperlist(AUTOML22, "e2dddeae99")
    assert [a.name for a in odd.authors[0].affiliations] == [
        "University of Massachusetts Amherst*1",
        "OpenAI",
    ]


def test_missing_and_mismatched_fields_do_not_crash() -> None:
    assert paperlist_paper({"id": "e", "title": "T"}).authors == ()
    paper = paperlist_paper({"id": "m", "author": "A;B;C", "aff": "X;Y", "aff_domain": None})
    assert [a.name for a in paper.authors] == ["A", "B", "C"]
    assert paper.authors[2].affiliations == ()
    empty = paperlist_paper({"id": "z", "author": "A; B", "aff": ";", "email": "; "})
    assert all(a.affiliations == () for a in empty.authors)


def test_every_real_paper_list_record_converts() -> None:
    papers = all_paperlist_papers()
    assert len(papers) == 878
    assert sum(1 for p in papers if any(a.affiliations for a in p.authors)) > 750
    corl = paperlist(CORL, "PbQOZntuXO")
    assert "IDEAS NCBR Sp." in [a.name for au in corl.authors for a in au.affiliations]
