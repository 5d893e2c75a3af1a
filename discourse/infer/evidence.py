"""Evidence that a comment answers a given earlier comment (or the thread's post).

For a comment ``i`` and a candidate parent ``c`` the evidence is a fixed vector of numbers
(:data:`FEATURES`), scored by :mod:`discourse.infer.scorer`:

``root``           c is the thread's post
``prev``           c is the comment right before i on the page
``steps``          log(1 + how far back c is): ancestors of the previous comment (depth-first pages)
                   or earlier comments (chronological pages)
``mention_start``  i starts by addressing c's author ("@name", "Name, ...", "Name we ..."); 0.6 when only
                   the first name of a multi-word name is used
``mention_any``    i mentions "@name" of c's author somewhere else
``addressed_other`` i starts by addressing a known author who is not c's author
``quote``          share of the words i quotes ("...", “...”, > lines) that c wrote itself (fuzzy: word
                   trigrams; words c itself had in quotation marks count 0.6, so a quote goes to its original author)
``overlap``        word 4-grams i shares with c, outside explicit quotes (capped at 1)
``turn``           c answered an earlier comment by i's author (turn-taking A, B, A)
``self``           c is by i's own author (a penalty, learned)
``c_empty``        c has no text (an image-only comment)
``i_anonymous``    i has no author, for the root (anonymous drive-by comments lean to the post)
``similarity``     cosine of the sets of longer words (4+ letters) of i and c: shared topic
``c_question``     c asks something (contains "?"), for comments
``root_you``       i addresses someone ("you", "your"), for the root: a reply, not a top-level remark
``root_opener``    i opens like a reply ("Yes", "No", "But", "Exactly", "Lol", "Agreed"...), for the root
``root_length``    log(1 + words of i) / 5, for the root: long comments tend to stand alone
``rare_shared``    words (4+ letters) i shares with c that at most one other comment of the thread uses
                   (capped at 1 for two such words)
``off_chain``      c is outside the previous comment's ancestry on a depth-first page (a candidate only
                   because i quotes or addresses it)
``reply``          the learned reply-likelihood of (i, c): the log-odds that i answers c, from the text
                   alone (:mod:`discourse.infer.reply`); 0 for the post
``c_depth``        log(1 + c's depth in the tree inferred so far) (1 = a top-level comment); 0 for the post
``c_children``     log(1 + replies c has so far in the inferred tree); 0 for the post

Everything here works on plain Python values prepared once per comment (:class:`Prepared`), so
scoring a candidate is a few set operations.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

__all__ = ["FEATURES", "Prepared", "features", "prepare", "quote_score", "starts_with_name"]

FEATURES: tuple[str, ...] = (
    "root", "prev", "steps", "mention_start", "mention_any", "addressed_other", "quote", "overlap",
    "turn", "self", "c_empty", "i_anonymous", "similarity", "c_question", "root_you", "root_opener",
    "root_length", "rare_shared", "off_chain", "reply", "c_depth", "c_children",
)

_YOU_RE = re.compile(r"\b(you|your|you're|youre|yours|yourself|u)\b", re.IGNORECASE)
_OPENERS = frozenset({
    "yes", "yeah", "yep", "no", "nope", "nah", "but", "and", "so", "well", "or", "exactly", "agreed", "agree",
    "indeed", "true", "correct", "wrong", "lol", "haha", "thanks", "thank", "same", "this", "sure", "right",
    "what", "why", "how", "really", "ok", "okay", "+1", "nonsense", "rubbish", "wow", "ha", "he", "she",
    "they", "that", "that's", "thats", "it", "it's", "its", "also", "actually", "because", "source",
})

_ME_RE = re.compile(r"\b(?:I|I'm|I’m|I've|I'd)\b|\b(?i:my|me|mine|myself|we|our|ours)\b")
# a capitalised word not at a sentence start (a name, a place), or a number of 2+ digits
_NAME_RE = re.compile(r"(?<=[^\s.!?:\n\"“(] )[A-Z][\w’'-]{2,}|\b\d[\d.,]*\d\b")
_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_QUOTE_RES = (
    re.compile(r"“([^”]{8,}?)”", re.S),
    re.compile(r"«([^»]{8,}?)»", re.S),
    re.compile(r"„([^“”]{8,}?)[“”]", re.S),
    re.compile(r"(?<![\w])\"([^\"]{8,}?)\"", re.S),
)
_QUOTE_LINE_RE = re.compile(r"^\s*(?:>|&gt;)+\s?(.*)$", re.M)
_LEAD_RE = re.compile(r"^\W*@?", re.UNICODE)


def _words(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in _WORD_RE.findall(text)]


def _grams(words: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[k:k + n]) for k in range(len(words) - n + 1)}


@dataclass(frozen=True)
class Prepared:
    """What the evidence needs from one comment (or the post), computed once."""

    author: str | None
    author_key: str | None            # lower-cased author, without a leading "@"
    first_name: str | None            # first word of a multi-word author name, lower-cased
    empty: bool
    lead: str                         # the text's start, lower-cased, leading '@' and punctuation removed
    text_lower: str
    trigrams: frozenset[tuple[str, ...]]            # word trigrams of its own words (outside its quotes)
    all_trigrams: frozenset[tuple[str, ...]]        # word trigrams of all its text
    fourgrams_outside: frozenset[tuple[str, ...]]   # 4-grams outside explicit quotes
    quotes: tuple[tuple[tuple[str, ...], ...], ...]  # each quoted span as its trigrams (or one short gram)
    content: frozenset[str]           # words of 4+ letters
    you: bool
    opener: bool
    question: bool
    n_words: int
    # for the learned reply score (:mod:`discourse.infer.reply`)
    first_word: str = ""
    last_question: bool = False       # its last sentence asks something
    me: bool = False                  # speaks in the first person (I, my, we...)
    stems: frozenset[str] = frozenset()           # first 5 letters of its words of 4+ letters
    names: frozenset[str] = frozenset()           # capitalised words past a sentence start, and numbers (lower-cased)
    bigrams: frozenset[tuple[str, ...]] = frozenset()  # word bigrams outside explicit quotes
    lead_content: frozenset[str] = frozenset()    # words of 4+ letters among its first 20 words
    words: frozenset[str] = frozenset()           # all its words


def prepare(author: str | None, text: str | None, extra: str | None = None) -> Prepared:
    """Prepare one comment; ``extra`` (the post's title) is added to the text as matchable words."""
    body = text or ""
    full = f"{extra}\n{body}" if extra else body
    body_words = _words(body)
    spans: list[str] = [m.group(1) for rx in _QUOTE_RES for m in rx.finditer(body)] if any(
        q in body for q in "\"“«„") else []
    spans += [m.group(1) for m in _QUOTE_LINE_RE.finditer(body) if m.group(1).strip()] if ">" in body else []
    quotes = []
    for span in spans:
        sw = _words(span)
        if len(sw) >= 3:
            quotes.append(tuple(sorted(_grams(sw, 3))))
    outside = body
    for span in spans:
        outside = outside.replace(span, " ")
    outside_words = _words(outside) if spans else body_words
    extra_words = _words(extra) if extra else []
    own = frozenset(_grams(extra_words + outside_words, 3))
    author_key = author.strip().lstrip("@").strip().lower() if author and author.strip().lstrip("@").strip() else None
    parts = author_key.split() if author_key else []
    return Prepared(
        author=author,
        author_key=author_key,
        first_name=parts[0] if len(parts) >= 2 and len(parts[0]) >= 3 else None,
        empty=not body.strip(),
        lead=_LEAD_RE.sub("", body[:200]).lower(),
        text_lower=full.lower(),
        trigrams=own,
        all_trigrams=frozenset(_grams(extra_words + body_words, 3)) if spans else own,
        fourgrams_outside=frozenset(_grams(outside_words, 4)),
        quotes=tuple(quotes),
        content=frozenset(w for w in body_words if len(w) >= 4),
        you=bool(_YOU_RE.search(body)),
        opener=bool(body_words) and body_words[0] in _OPENERS,
        question="?" in body,
        n_words=len(body_words),
        first_word=body_words[0] if body_words else "",
        last_question=body.rstrip().endswith("?") or "?" in body.rstrip()[-120:].rsplit(".", 1)[-1],
        me=bool(_ME_RE.search(body)),
        stems=frozenset(w[:5] for w in body_words if len(w) >= 4),
        names=frozenset(m.group(0).lower() for m in _NAME_RE.finditer(body)),
        bigrams=frozenset(_grams(outside_words, 2)),
        lead_content=frozenset(w for w in body_words[:20] if len(w) >= 4),
        words=frozenset(body_words),
    )


def starts_with_name(lead: str, name_key: str) -> bool:
    """Whether a comment's lead (see :class:`Prepared`) begins with ``name_key`` as a whole word."""
    if not name_key or not lead.startswith(name_key):
        return False
    rest = lead[len(name_key):len(name_key) + 1]
    return rest == "" or not (rest.isalnum() or rest == "_")


def mention_strength(i: Prepared, author_key: str | None, first_name: str | None) -> float:
    """1.0 if ``i`` starts by addressing this author, 0.6 for the first name only, else 0."""
    if author_key is None:
        return 0.0
    if starts_with_name(i.lead, author_key):
        return 1.0
    if first_name and starts_with_name(i.lead, first_name) and i.lead[len(first_name):len(first_name) + 1] in (",", ":"):
        return 0.6
    return 0.0


def _mentions_anywhere(i: Prepared, author_key: str) -> bool:
    at = "@" + author_key
    pos = i.text_lower.find(at)
    while pos >= 0:
        end = pos + len(at)
        if end >= len(i.text_lower) or not (i.text_lower[end].isalnum() or i.text_lower[end] == "_"):
            return True
        pos = i.text_lower.find(at, pos + 1)
    return False


def quote_score(i: Prepared, c: Prepared) -> float:
    """Largest share of one of i's quoted spans whose word trigrams c wrote; words c itself had in
    quotation marks count 0.6 (c may have coined them, or only quoted someone else)."""
    quote = 0.0
    for grams in i.quotes:
        if grams:
            own = sum(1 for g in grams if g in c.trigrams) / len(grams)
            anywhere = sum(1 for g in grams if g in c.all_trigrams) / len(grams)
            quote = max(quote, own, 0.6 * anywhere)
    return quote


def features(i: Prepared, c: Prepared, *, is_root: bool, is_prev: bool, steps: int, turn: bool,
             addressed: frozenset[str], rare: int = 0, off_chain: bool = False, reply: float = 0.0,
             depth: int = 0, children: int = 0) -> list[float]:
    """The evidence vector (:data:`FEATURES`) that comment ``i`` answers candidate ``c``.

    ``steps`` is how far back c is (0 for the previous comment); ``turn`` whether c answered i's
    author before; ``addressed`` the known authors (lower-cased) whom i's start addresses; ``rare``
    how many rare words i and c share; ``off_chain`` see :data:`FEATURES`; ``reply`` the learned
    reply score (:mod:`discourse.infer.reply`), computed by the caller; ``depth`` and ``children``
    c's depth and reply count in the tree inferred so far.
    """
    mention = 0.0 if is_root and c.author_key is None else mention_strength(i, c.author_key, c.first_name)
    mention_any = 0.0
    if not mention and c.author_key and _mentions_anywhere(i, c.author_key):
        mention_any = 1.0
    other = 1.0 if addressed and (c.author_key not in addressed) else 0.0
    quote = quote_score(i, c)
    overlap = min(1.0, len(i.fourgrams_outside & c.fourgrams_outside) / 3.0) if i.fourgrams_outside else 0.0
    same = i.author_key is not None and i.author_key == c.author_key and not is_root
    similarity = 0.0
    if i.content and c.content:
        similarity = len(i.content & c.content) / math.sqrt(len(i.content) * len(c.content))
    return [
        1.0 if is_root else 0.0,
        1.0 if is_prev else 0.0,
        0.0 if is_root else math.log1p(steps),
        mention,
        mention_any,
        other,
        quote,
        overlap,
        1.0 if turn else 0.0,
        1.0 if same else 0.0,
        1.0 if c.empty and not is_root else 0.0,
        1.0 if is_root and i.author_key is None else 0.0,
        similarity,
        1.0 if c.question and not is_root else 0.0,
        1.0 if is_root and i.you else 0.0,
        1.0 if is_root and i.opener else 0.0,
        math.log1p(i.n_words) / 5.0 if is_root else 0.0,
        min(1.0, rare / 2.0),
        1.0 if off_chain else 0.0,
        0.0 if is_root else reply,
        0.0 if is_root else math.log1p(depth),
        0.0 if is_root else math.log1p(children),
    ]
