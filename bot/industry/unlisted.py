"""Companies the registry does not list: a second, weaker signal beside it.

A name alone is no evidence ("Truthful AI" is a nonprofit, "Carnegie" a university or a
foundation), so an affiliation string counts as a company only when it carries proof of one:

``legal-form``
    it names an organisation by its legal form ("Tensormesh Inc.", "auxmoney GmbH",
    "CIDI Intelligent Driving(Chengdu) Technology Co., Ltd.", "ソニー株式会社"); the company is
    the name the form closes. An e-mail domain of the paper that spells the same name raises
    the confidence.
``company-domain``
    it is a bare name ("Furiosa AI", "PsiRobot") and an e-mail address of the same paper sits
    under a commercial domain that spells that name (furiosa.ai, psibot.ai). Academic,
    government and ``.org`` domains never count, nor do country domains without a commercial
    second level (``.de``, ``.hk``: universities live there too).

Neither fires when the name is a university, school, hospital, institute, centre, foundation,
agency, laboratory (for a bare name) or other public or non-profit body, when
the registry's not_industry guards name the string (Allen Institute, national-lab operators such
as UT-Battelle, LLC), or when the registry knows the company: its own flag is stronger, and
"Meta Platforms, Inc." must stay Meta.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Literal

from bot.industry.registry import Registry
from bot.industry.text import domain_of, emails_in, normalize, words

UnlistedVia = Literal["legal-form", "company-domain"]

# Below an OpenAlex company-typed institution confirmed by the raw string (0.5), above one that
# nothing confirms (0.4); a legal form and an agreeing domain together rank above both.
CONF_LEGAL_FORM = 0.45
CONF_COMPANY_DOMAIN = 0.45
CONF_LEGAL_FORM_DOMAIN = 0.55
CLOSE_DISCOUNT = 0.05  # the domain only abbreviates the name (psibot.ai for "PsiRobot")

MAX_NAME_WORDS = 8
MAX_BARE_NAME_WORDS = 5

# Legal forms that end a company name. Written forms are compared after stripping a trailing
# "." or ")"; the "anywhere" ones may be followed by an address in the same segment
# ("Science-Metrix Inc. 1335 Avenue ..."), the rest only close a segment.
_FORMS_ANYWHERE = words(
    "inc ltd llc l.l.c gmbh corp plc pvt pte pty llp s.a s.p.a s.r.l b.v n.v k.k ltda bhd"
)
_FORMS_AT_END = words("limited incorporated corporation sdn")
# Short forms that are also place codes, postcodes or abbreviations ("Boulder, CO",
# "Co. Dublin", "Eindhoven 5656 AG", "SE-100 44 Stockholm"): exact spelling, end of segment only.
_FORMS_EXACT = frozenset(
    ("Co", "Company", "AG", "SE", "KG", "SpA", "Spa", "Srl", "BV", "KK", "Oy", "SAS",
     "SARL", "S.L", "A/S", "ApS", "Ltée")
)  # fmt: skip
# A segment that is nothing but one of these takes its name from the segment before it
# ("Recursal AI, Inc.", "Equator Environmental, LLC"); short forms never do ("Baden, AG").
_STANDALONE = _FORMS_ANYWHERE | _FORMS_AT_END
_CJK_FORMS = (
    "股份有限公司", "有限责任公司", "有限責任公司", "有限公司", "株式会社", "有限会社", "合同会社"
)  # fmt: skip
_CJK_PREFIX_FORMS = ("株式会社", "有限会社", "合同会社", "주식회사", "(주)", "（株）", "(株)")
_CJK_NAME = r"[^\s,;，、。()（）:：/]+"
_CJK_SUFFIX_RE = re.compile(rf"({_CJK_NAME}?)(?:{'|'.join(map(re.escape, _CJK_FORMS))})")
_CJK_PREFIX_RE = re.compile(rf"(?:{'|'.join(map(re.escape, _CJK_PREFIX_FORMS))})\s*({_CJK_NAME})")

# Words of public, academic and non-profit bodies: a name containing one is not a company.
_BLOCKERS = words(
    "university universities universidad universidade universitat universite universita "
    "universiteit uniwersytet uni univ college colegio school schools ecole escuela escola "
    "hochschule polytechnic politecnico polytechnique faculty department dept institute "
    "institut instituto istituto instytut institution academy academie akademie centre center "
    "centro zentrum forschungszentrum hospital hopital ospedale klinik klinikum clinic infirmary "
    "foundation fondation fondazione fundacion fundacao stiftung society association council "
    "ministry government governmental agency authority commission bureau directorate national "
    "nacional nationale federal county municipal trust initiative charity nonprofit museum "
    "library observatory consortium alliance helmholtz fraunhofer"
)
# Bare names (no legal form) must also avoid these: "Zhejiang Lab" is a state laboratory.
_BARE_BLOCKERS = _BLOCKERS | words("lab labs laboratory laboratories independent unaffiliated")
_CJK_BLOCKERS = (
    "大学", "大學", "学院", "學院", "学校", "學校", "医院", "醫院", "病院", "研究所", "研究院",
    "中心", "基金", "財団", "财团", "政府", "机构", "機構", "科学院", "實驗室", "实验室", "대학",
)  # fmt: skip
# Words that say nothing about which company it is ("Group Inc." names no one).
GENERIC_WORDS = words(
    "the and of a an group holdings holding international global research technology "
    "technologies tech ai labs lab science sciences systems solutions software digital "
    "company co corp inc ltd llc gmbh limited corporation plc services consulting"
)
# Domains: commercial top levels, and second levels that make a country domain commercial.
_COMMERCIAL_TLDS = words("com ai io co net tech app dev inc biz company xyz aero studio")
_COMMERCIAL_SLDS = words("co com ne inc")
_NON_COMMERCIAL_SLDS = words("edu ac gov go mil org or re res int nic sch ernet")
_DOMAIN_AFFIXES = words("ai hq inc labs tech app global group io corp")
_DOMAIN_PREFIXES = words("get try use join hello")

_SEGMENT_SPLIT = re.compile(r"[,;|\n\t•·]|\s[-–—]\s")
_LEADING_JUNK = re.compile(r"^[^\w(]+|^\d+(?=[^\W\d_])")
_LEADING_ASIDE = re.compile(r"^\s*\([^()]*\)\s*")
_GLUED_FORM = re.compile(r"\b(Co|Corp|Inc)\.(?=[A-Z])")
_CUT_WORDS = frozenset(("at", "with", "@"))


@dataclass(frozen=True, slots=True)
class Mention:
    """A company named in one affiliation string, with the proof that it is a company."""

    company: str  # display name: "Tensormesh", "Furiosa AI"
    text: str  # the affiliation string
    via: UnlistedVia
    confidence: float
    domain: str | None = None  # a commercial e-mail domain of the paper spelling the same name

    @property
    def evidence(self) -> str:
        """The affiliation string, plus the agreeing e-mail domain when there is one."""
        return f"{self.text}; {self.domain}" if self.domain else self.text


def paper_domains(texts: Iterable[str], emails: Iterable[str]) -> tuple[str, ...]:
    """Commercial e-mail domains of a paper: its addresses and those written in affiliations."""
    found = [_commercial_domain(e) for e in emails]
    found += [_commercial_domain(d) for t in texts if "@" in t for d in emails_in(t)]
    return tuple(dict.fromkeys(d for d in found if d))


@lru_cache(maxsize=1 << 14)
def _commercial_domain(address: str) -> str | None:
    domain = domain_of(address)
    return domain if commercial_label(domain) else None


def may_name_company(text: str, registry: Registry) -> bool:
    """Whether a string holds a name closed by a legal form or a bare name that an e-mail domain
    could confirm (cheap: cached per string; most affiliations are universities)."""
    legal, bare = registry.cached(_candidates)(text)
    return bool(legal or bare)


def mentions(text: str, domains: Sequence[str], registry: Registry) -> tuple[Mention, ...]:
    """Unlisted companies named in one affiliation string, given the paper's commercial e-mail
    domains (:func:`paper_domains`)."""
    legal, bare = registry.cached(_candidates)(text)
    found: list[Mention] = []
    for name in legal:
        domain, close = _best_domain(name, domains)
        confidence = CONF_LEGAL_FORM_DOMAIN if domain else CONF_LEGAL_FORM
        found.append(Mention(name, text, "legal-form", confidence - close, domain))
    if found or not domains:
        return tuple(found)
    for name in bare:
        domain, close = _best_domain(name, domains)
        if domain is not None:
            confidence = CONF_COMPANY_DOMAIN - close
            return (Mention(name, text, "company-domain", confidence, domain),)
    return ()


def _best_domain(name: str, domains: Sequence[str]) -> tuple[str | None, float]:
    """The domain spelling the name best, and the confidence discount when it only abbreviates
    it closely (psibot.ai for "PsiRobot") rather than spelling it."""
    close = None
    for domain in domains:
        agreement = domain_agreement(name, domain)
        if agreement == "spelled":
            return domain, 0.0
        if agreement == "close" and close is None:
            close = domain
    return close, (CLOSE_DISCOUNT if close else 0.0)


def _candidates(text: str, registry: Registry) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Names in a string that may be unlisted companies: those closed by a legal form, and
    bare names that need an agreeing e-mail domain. Cached per string (they recur)."""
    if not text.strip() or registry.is_non_industry(openalex_id=None, ror=None, name=text):
        return (), ()
    legal = tuple(n for n in legal_form_names(text) if not registry.match_text(n))
    if legal or registry.match_text(text):
        return legal, ()
    bare = []
    for segment in _segments(text):  # "Eduba, University of Edinburgh": Eduba may be one
        name = _clean_name(segment.split())
        if (
            name
            and len(name.split()) <= MAX_BARE_NAME_WORDS
            and not _only_generic(name)
            and not _blocked(segment, _BARE_BLOCKERS)
        ):
            bare.append(name)
    return (), tuple(bare)


# ------------------------------------------------------------------ legal forms
@lru_cache(maxsize=1 << 14)
def legal_form_names(text: str) -> tuple[str, ...]:
    """Names closed by a legal form in an affiliation string, academic bodies left out.

    ``"Data Intelligence Division, China Unicom Digital Technology Co., Ltd."`` gives
    ``("China Unicom Digital Technology",)``; ``"Co. Dublin"``, ``"Eindhoven 5656 AG"`` and
    ``"Forschungszentrum Jülich GmbH"`` give nothing.
    """
    names: list[str] = []
    segments = _segments(_GLUED_FORM.sub(r"\1. ", text))
    previous_named = False
    for i, segment in enumerate(segments):
        tokens = segment.split()
        cut = _form_position(tokens)
        if cut is None:
            previous_named = False
            continue
        before: list[str] = []
        if cut > 0:
            before = tokens[:cut]
        elif i > 0 and not previous_named and all(_bare(t) in _STANDALONE for t in tokens):
            before = segments[i - 1].split()  # "Recursal AI, Inc."
        previous_named = True
        name = _clean_name(before)
        # the whole text before the form must be clean too: "University at Buffalo Inc." is
        # no company called "Buffalo"
        if name and _is_company_name(name) and not _blocked(" ".join(before), _BLOCKERS):
            names.append(name)
    names.extend(n for n in _cjk_names(text) if n not in names)
    return tuple(dict.fromkeys(names))


def _segments(text: str) -> list[str]:
    return [s.strip() for s in _SEGMENT_SPLIT.split(text) if s.strip()]


def _bare(token: str) -> str:
    """A token as a legal form is written: trailing dots and brackets dropped, lower case."""
    return token.strip("()[]").rstrip(".").casefold()


def _is_form(token: str, *, at_end: bool) -> bool:
    bare = _bare(token)
    if bare in _FORMS_ANYWHERE:
        return True
    if not at_end:
        return False
    return bare in _FORMS_AT_END or token.strip("()[]").rstrip(".") in _FORMS_EXACT


def _form_position(tokens: list[str]) -> int | None:
    """Index of the first legal-form token that ends the name, or None."""
    end = len(tokens)
    while end > 0 and _is_form(tokens[end - 1], at_end=True):
        end -= 1  # "Co., Ltd", "Pvt. Ltd." and any run of forms closing the segment
    for i in range(end):
        if _is_form(tokens[i], at_end=False):
            return i
    return end if end < len(tokens) else None


def _clean_name(tokens: Sequence[str]) -> str | None:
    """The organisation name in the tokens before a legal form (or in a bare segment)."""
    picked = list(tokens)
    for i in range(len(picked) - 1, -1, -1):
        if picked[i].casefold() in _CUT_WORDS:  # "Work done at Tensormesh Inc."
            picked = picked[i + 1 :]
            break
    name = " ".join(picked)
    if name.count("(") > name.count(")"):  # "FAIR (Meta Platforms Inc.)"
        name = name.rpartition("(")[2]
    name = _LEADING_JUNK.sub("", _LEADING_ASIDE.sub("", name)).strip(" .,:;*†‡§¶#&-–—'\"")
    while name.count(")") > name.count("("):  # each pass drops at least one ")"
        name = name.rstrip(")").strip() if name.endswith(")") else name.rpartition(")")[2].strip()
    if name.casefold().startswith("the "):
        name = name[4:].strip()
    return name or None


def _is_company_name(name: str) -> bool:
    tokens = name.split()
    if len(tokens) > MAX_NAME_WORDS or not any(c.isalpha() for c in tokens[-1]):
        return False  # a sentence, or a postcode such as "5656 AG"
    return not _blocked(name, _BLOCKERS) and not _only_generic(name)


def _blocked(text: str, blockers: frozenset[str]) -> bool:
    if any(word in text for word in _CJK_BLOCKERS):
        return True
    return any(w in blockers or w.removesuffix("s") in blockers for w in normalize(text).split())


def _only_generic(name: str) -> bool:
    return all(w in GENERIC_WORDS for w in normalize(name).split())


def _cjk_names(text: str) -> list[str]:
    found = [m.group(1) for m in _CJK_SUFFIX_RE.finditer(text)]
    found += [m.group(1) for m in _CJK_PREFIX_RE.finditer(text)]
    return [n for n in found if n and not _blocked(n, _BLOCKERS)]


# ------------------------------------------------------------------ e-mail domains
@lru_cache(maxsize=1 << 14)
@lru_cache(maxsize=1 << 14)
def commercial_label(domain: str) -> str | None:
    """The company label of a commercial domain (``mosk.tytlabs.co.jp`` -> ``tytlabs``), else
    None for academic, government, ``.org`` and plain country domains."""
    labels = [label for label in domain.lower().strip(".").split(".") if label]
    if len(labels) < 2 or any(label in _NON_COMMERCIAL_SLDS for label in labels[-3:-1]):
        return None
    if labels[-1] in _COMMERCIAL_TLDS:
        owner = labels[-2]
    elif len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _COMMERCIAL_SLDS:
        owner = labels[-3]
    else:
        return None
    owner = owner.replace("-", "")
    return owner if len(owner) >= 3 else None


def name_matches_domain(name: str, domain: str) -> bool:
    """Whether a commercial domain spells a company name or closely abbreviates it."""
    return domain_agreement(name, domain) is not None


@lru_cache(maxsize=1 << 14)
def domain_agreement(name: str, domain: str) -> Literal["spelled", "close"] | None:
    """How a commercial domain agrees with a company name: "spelled" when it is the name's first
    words run together (nearearth.aero for "Near Earth Autonomy") or the name plus a usual affix
    (rasahq.com), "close" when it abbreviates the name (psibot.ai for "PsiRobot"), else None."""
    label = commercial_label(domain)
    if label is None:
        return None
    return _agreement(_name_key(name), label)


_LEGAL_WORDS = words("inc ltd llc gmbh corp plc co limited corporation company ag se")


@lru_cache(maxsize=1 << 12)
def _name_key(name: str) -> str:
    """A company name's words without legal forms (few names recur; domains vary by paper)."""
    return " ".join(w for w in normalize(name).split() if w not in _LEGAL_WORDS)


def _agreement(normalized: str, label: str) -> Literal["spelled", "close"] | None:
    tokens = normalized.split()
    if not tokens:
        return None
    full = "".join(tokens)
    # Every rule below needs the label to start like the name or end with it: most pairs of a
    # paper's names and domains fail this at once, before the costly comparison.
    if not (label.startswith(full[:3]) or label.endswith(full)):
        return None
    prefixes = {"".join(tokens[:k]) for k in range(1, len(tokens) + 1)}
    if label == full or (len(label) >= 4 and label in prefixes):
        return "spelled"
    if any(label in (full + affix, prefix + full) for affix in _DOMAIN_AFFIXES
           for prefix in _DOMAIN_PREFIXES):  # fmt: skip
        return "spelled"
    if (
        len(label) >= 5
        and len(full) >= 5
        and label[:3] == full[:3]
        and SequenceMatcher(None, label, full).ratio() >= 0.8
    ):
        return "close"
    return None


# ------------------------------------------------------------------ one firm, several spellings
def firm_words(name: str) -> tuple[str, ...]:
    """The distinctive words of a company name (legal forms and generic words dropped)."""
    return tuple(w for w in normalize(name).split() if w not in GENERIC_WORDS)


@lru_cache(maxsize=1 << 14)
def same_firm(a: str, b: str) -> bool:
    """Whether two names are spellings of one firm: "CiDi" and "CIDI Intelligent Driving
    (Chengdu) Technology", "Shell" and "Shell International", "Sunrise AI" and "Sunrise
    Technology" (one's distinctive words begin the other's), "PsiBot" and "PsiRobot" (a close
    abbreviation); "China Telecom" and "China Unicom" are not."""
    compact_a, compact_b = normalize(a).replace(" ", ""), normalize(b).replace(" ", "")
    if compact_a == compact_b:
        return True
    wa, wb = firm_words(a), firm_words(b)
    if not wa or not wb:
        return False
    short, long = sorted((wa, wb), key=len)
    return long[: len(short)] == short or _agreement(" ".join(long), "".join(short)) is not None
