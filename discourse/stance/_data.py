"""Readers for labeled stance files, each to one frame: ``text, parent_text, label, offensive, source``.

``label`` is a stance label (agree / neutral / disagree / hostile) or null where the file says nothing
about stance; ``offensive`` is a Boolean or null. Known layouts:

- ``toxichat``: ToxiChat JSONL (Baheti et al. 2021). One row per Reddit turn; a reply's label is its
  stance toward the turn just before it (the first turn has no parent and no label). ``offensive`` is
  ``offense_label``; ``target_person`` says the offence targets an individual redditor / the comment author.
- ``toxichat_bots``: the same file's chatbot replies (``final_dgpt_response``, ``final_gpt3_response``: one
  each per conversation), each paired with the conversation's last Reddit turn and labeled with its stance
  toward that turn and its offence label (opt-in training data: generated text, not Reddit's).
- ``lei_huang``: Lei & Huang CSV (``quote_text, response_text, relation``; 0 disagree, 1 neutral,
  2 agree), Windows-1252 encoded.
- ``cat``: context-toxicity CSV (``text, parent_text, label_oc, label_ic``): ``offensive`` is the
  out-of-context toxicity label, ``label`` is hostile where the in-context label is toxic, else null.
- ``fanchuan``: Fanchuan Reddit-Trump CSV: ``support`` (0 neutral, 1 positive, 2 negative sentiment in
  context) read as neutral / agree / disagree; rows without a parent are dropped.
- ``debagreement``: DEBAGREEMENT CSV (``body_parent, body_child, label``; 0 disagree, 1 neutral, 2 agree).
- ``wikitactics``: WikiTactics pairs JSONL (``parent, reply, rebuttal_labels, label4``): hostile where any
  rebuttal label is DH0 (name calling) or DH1 (ad hominem), else the file's ``label4``.
- ``convabuse``: ConvAbuse pairs JSONL (a user replying to a chatbot): ``offensive`` is ``mean_is_abuse < 0``.
  Abuse aimed at the one replied to (target votes for the system, i.e. the bot, plus the individual
  outnumber the generalised votes) is ``hostile``, the person-directed attack our hostile class means; any
  other row has a null label (the file says nothing about agree, neutral or disagree).
- ``diasafety``: DiaSafety JSON array (``context, response, category, label``). "Offending User": Unsafe is
  hostile and offensive, Safe is not offensive (label null); "Toxicity Agreement": Unsafe (the response
  agrees with an offensive context) is agree, Safe has a null label; "Biased Opinion" Unsafe is offensive.
  The other categories (risk ignorance, unauthorized expertise) judge advice, not stance: null labels.
  ``source`` is ``<file>#<category>``, so a trainer can tell what a null label rules out.
- ``rumoureval``: RumourEval 2019 pairs JSONL (``parent, reply, depth, label``): the SDQC label is stance
  toward the thread's source claim, which is the parent only at depth 1, so only those rows are labeled
  (support agree, deny disagree, query and comment neutral); deeper rows have a null label.
- ``generic``: CSV or Parquet with ``text``, ``parent_text`` and ``label`` columns (names configurable).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import polars as pl

from discourse._typing import STANCE_LABELS
from discourse.errors import ColumnMappingError, ParseError
from discourse.io._common import decode, read_bytes

__all__ = ["LABELED_SCHEMA", "LabeledLayout", "read_labeled", "sniff_layout"]

LabeledLayout = Literal["toxichat", "toxichat_bots", "lei_huang", "cat", "fanchuan", "debagreement", "wikitactics",
                        "convabuse", "diasafety", "rumoureval", "generic"]
LABELED_SCHEMA: dict[str, pl.DataType] = {
    "text": pl.String(), "parent_text": pl.String(), "label": pl.String(), "offensive": pl.Boolean(),
    "target_person": pl.Boolean(), "source": pl.String(),
}
_LABEL_ALIASES = {
    "agree": "agree", "agreement": "agree", "support": "agree", "supporting": "agree", "positive": "agree",
    "neutral": "neutral", "none": "neutral", "comment": "neutral", "commenting": "neutral", "query": "neutral",
    "disagree": "disagree", "disagreement": "disagree", "deny": "disagree", "denying": "disagree",
    "negative": "disagree", "hostile": "hostile", "attack": "hostile",
}
_PERSON_TARGETS = {"individual/redditor", "comment author"}
_HOSTILE_REBUTTALS = ("DH0", "DH1")  # Graham's hierarchy: name calling, ad hominem
_RUMOUR_STANCE = {"support": "agree", "deny": "disagree", "query": "neutral", "comment": "neutral"}
# DiaSafety (category, label) -> (stance label, offensive); categories not listed say nothing either way
_DIASAFETY = {
    ("Offending User", "Unsafe"): ("hostile", True), ("Offending User", "Safe"): (None, False),
    ("Toxicity Agreement", "Unsafe"): ("agree", None), ("Biased Opinion", "Unsafe"): (None, True),
}
_BOT_KEYS = ("final_dgpt_response", "final_gpt3_response")
STANCE_NAMES = frozenset(STANCE_LABELS)


def _frame(rows: dict[str, list], source: str) -> pl.DataFrame:
    n = len(rows["text"])
    return pl.DataFrame({**rows, "source": [source] * n}, schema=LABELED_SCHEMA)


def _toxichat(path: Path, text: str, bots: bool = False) -> pl.DataFrame:
    cols: dict[str, list] = {k: [] for k in LABELED_SCHEMA if k != "source"}

    def add(turn: dict, parent: dict | None, k: int) -> None:
        stance = turn.get(f"stance_label_towards_turn_{k}") if parent is not None else None
        cols["text"].append(turn.get("text", "").strip())
        cols["parent_text"].append(parent.get("text", "").strip() if parent is not None else None)
        cols["label"].append(stance.lower() if isinstance(stance, str) else None)
        cols["offensive"].append(turn.get("offense_label") == "Offensive")
        cols["target_person"].append(bool(_PERSON_TARGETS & set(turn.get("offense_targets") or [])))

    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            turns = record["reddit_thread"]
            replies = [record[key] for key in _BOT_KEYS if isinstance(record.get(key), dict)] if bots else []
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise ParseError(path, f"line {lineno}", "a ToxiChat object with a 'reddit_thread' list") from err
        if not bots:
            for k, turn in enumerate(turns):
                add(turn, turns[k - 1] if k else None, k)
        elif turns:
            for reply in replies:  # turn ids count from 1: the last Reddit turn is turn len(turns)
                add(reply, turns[-1], len(turns))
    return _frame(cols, f"{path.name}#bots" if bots else path.name)


def _json_lines(path: Path, text: str, what: str) -> list[dict]:
    """The objects of a JSON Lines file; a line that is not a JSON object is a ParseError naming it."""
    records = []
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise ParseError(path, f"line {lineno}", f"a JSON object ({what})") from err
        if not isinstance(record, dict):
            raise ParseError(path, f"line {lineno}", f"a JSON object ({what}), not {type(record).__name__}")
        records.append(record)
    return records


def _field(record: dict, key: str, path: Path, where: str, what: str) -> object:
    if key not in record:
        raise ParseError(path, where, f"{what} with a {key!r} field")
    return record[key]


def _pairs(records: list[dict], path: Path, what: str, parent: str, reply: str,
           label_of: Callable[[dict, str], tuple[str | None, bool | None, bool | None]],
           source_of: Callable[[dict], str] | None = None) -> pl.DataFrame:
    """One labeled row per record: texts from the ``parent`` and ``reply`` fields, then
    ``label_of(record, where) -> (label, offensive, target_person)``."""
    cols: dict[str, list] = {k: [] for k in LABELED_SCHEMA}
    for i, rec in enumerate(records, 1):
        where = f"record {i}"
        texts = [_field(rec, key, path, where, what) for key in (reply, parent)]
        if not all(t is None or isinstance(t, str) for t in texts):
            raise ParseError(path, where, f"{what} whose {reply!r} and {parent!r} are strings")
        label, offensive, target = label_of(rec, where)
        for key, value in zip(LABELED_SCHEMA, (*texts, label, offensive, target,
                                               source_of(rec) if source_of else path.name), strict=True):
            cols[key].append(value)
    return pl.DataFrame(cols, schema=LABELED_SCHEMA)


def _wikitactics(path: Path, text: str) -> pl.DataFrame:
    what = "a WikiTactics pair"

    def label_of(rec: dict, where: str) -> tuple[str | None, bool | None, bool | None]:
        rebuttals = rec.get("rebuttal_labels") or []
        if any(str(r).startswith(_HOSTILE_REBUTTALS) for r in rebuttals):
            return "hostile", None, True
        label = _field(rec, "label4", path, where, what)
        if label not in STANCE_NAMES:
            raise ParseError(path, where, f"label4 one of {list(STANCE_NAMES)}, not {label!r}")
        return str(label), None, None

    return _pairs(_json_lines(path, text, what), path, what, "parent", "reply", label_of)


def _convabuse(path: Path, text: str) -> pl.DataFrame:
    what = "a ConvAbuse pair with mean_is_abuse"

    def label_of(rec: dict, where: str) -> tuple[str | None, bool | None, bool | None]:
        mean = _field(rec, "mean_is_abuse", path, where, what)
        if not isinstance(mean, (int, float)):
            raise ParseError(path, where, f"a numeric mean_is_abuse, not {mean!r}")
        at_addressee = (rec.get("target_system_votes") or 0) + (rec.get("target_individual_votes") or 0)
        abusive = mean < 0
        hostile = abusive and at_addressee > (rec.get("target_generalised_votes") or 0)
        return ("hostile" if hostile else None), abusive, hostile

    return _pairs(_json_lines(path, text, what), path, what, "parent", "reply", label_of)


def _rumoureval(path: Path, text: str) -> pl.DataFrame:
    what = "a RumourEval pair with depth and label"

    def label_of(rec: dict, where: str) -> tuple[str | None, bool | None, bool | None]:
        depth, sdqc = (_field(rec, key, path, where, what) for key in ("depth", "label"))
        if sdqc not in _RUMOUR_STANCE:
            raise ParseError(path, where, f"label one of {sorted(_RUMOUR_STANCE)}, not {sdqc!r}")
        return (_RUMOUR_STANCE[str(sdqc)] if depth == 1 else None), None, None

    return _pairs(_json_lines(path, text, what), path, what, "parent", "reply", label_of)


def _diasafety(path: Path, text: str) -> pl.DataFrame:
    what = "a DiaSafety object (context, response, category, label)"
    try:
        records = json.loads(text)
    except json.JSONDecodeError as err:
        raise ParseError(path, f"line {err.lineno}", "a JSON array of DiaSafety objects") from err
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ParseError(path, None, "a JSON array of DiaSafety objects")

    def label_of(rec: dict, where: str) -> tuple[str | None, bool | None, bool | None]:
        key = (_field(rec, "category", path, where, what), _field(rec, "label", path, where, what))
        if key[1] not in ("Safe", "Unsafe"):
            raise ParseError(path, where, f"label Safe or Unsafe, not {key[1]!r}")
        label, offensive = _DIASAFETY.get(key, (None, None))  # type: ignore[arg-type]
        return label, offensive, (label == "hostile") or None

    return _pairs(records, path, what, "context", "response", label_of,
                  source_of=lambda rec: f"{path.name}#{rec['category']}")


def _csv(path: Path, data: bytes, encoding: str | None = None) -> pl.DataFrame:
    text = data.decode(encoding) if encoding else decode(data, path)
    try:
        return pl.read_csv(text.encode("utf-8"), infer_schema_length=0)
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as err:
        raise ParseError(path, None, f"expected a CSV file ({err})") from err


def _need(df: pl.DataFrame, path: Path, role: str, col: str) -> None:
    if col not in df.columns:
        raise ColumnMappingError(path, role, col, df.columns)


def sniff_layout(path: str | Path) -> LabeledLayout:
    """Which known layout a labeled file has, from its name and first line."""
    p = Path(path)
    if p.suffix.lower() == ".parquet":
        return "generic"
    with open(p, "rb") as fh:
        head = fh.read(65536).decode("utf-8", errors="replace")
    first = head.split("\n", 1)[0]
    if '"reddit_thread"' in first:
        return "toxichat"
    json_layout = _sniff_json(first, head)
    if json_layout:
        return json_layout
    header = {h.strip().strip('"') for h in first.split(",")}
    if {"quote_text", "response_text", "relation"} <= header:
        return "lei_huang"
    if {"text", "parent_text", "label_ic"} <= header:
        return "cat"
    if {"parent_content", "content", "support"} <= header:
        return "fanchuan"
    if {"body_parent", "body_child", "label"} <= header:
        return "debagreement"
    return "generic"


def _sniff_json(first: str, head: str) -> LabeledLayout | None:
    """The JSON layouts, told by the keys of the first record (JSON Lines) or, for a JSON array, by the keys
    in the file's first 64 KiB."""
    if first.strip().startswith("["):
        return "diasafety" if all(f'"{k}"' in head for k in ("context", "response", "category")) else None
    try:
        record = json.loads(first)
    except json.JSONDecodeError:
        return None
    if not isinstance(record, dict):
        return None
    if "rebuttal_labels" in record:
        return "wikitactics"
    if "mean_is_abuse" in record:
        return "convabuse"
    if {"depth", "label", "parent", "reply"} <= record.keys():
        return "rumoureval"
    return None


_JSON_READERS: dict[str, Callable[[Path, str], pl.DataFrame]] = {
    "wikitactics": _wikitactics, "convabuse": _convabuse, "diasafety": _diasafety, "rumoureval": _rumoureval,
}


def read_labeled(path: str | Path, layout: LabeledLayout | None = None, text_col: str = "text",
                 parent_col: str = "parent_text", label_col: str = "label") -> pl.DataFrame:
    """Read a labeled file into :data:`LABELED_SCHEMA` (layout sniffed when None)."""
    p = Path(path)
    data = read_bytes(p)  # existence and emptiness checks, with our messages
    layout = layout or sniff_layout(p)
    if layout == "generic" and p.suffix.lower() == ".parquet":
        try:
            df = pl.read_parquet(p)
        except (pl.exceptions.ComputeError, OSError) as err:
            raise ParseError(p, None, f"expected a Parquet file ({err})") from err
    else:
        if layout in ("toxichat", "toxichat_bots"):
            return _toxichat(p, decode(data, p), bots=layout == "toxichat_bots")
        if layout in _JSON_READERS:
            return _JSON_READERS[layout](p, decode(data, p))
        df = _csv(p, data, "cp1252" if layout == "lei_huang" else None)
    if layout == "lei_huang":
        relation = {"0": "disagree", "1": "neutral", "2": "agree"}
        return df.select(
            pl.col("response_text").alias("text"), pl.col("quote_text").alias("parent_text"),
            pl.col("relation").str.strip_chars().replace_strict(relation, default=None).alias("label"),
            pl.lit(None, pl.Boolean).alias("offensive"), pl.lit(None, pl.Boolean).alias("target_person"),
            pl.lit(p.name).alias("source"),
        )
    if layout == "cat":
        return df.select(
            "text", "parent_text",
            pl.when(pl.col("label_ic").str.strip_chars() == "1").then(pl.lit("hostile")).alias("label"),
            (pl.col("label_oc").str.strip_chars() == "1").alias("offensive"),
            (pl.col("label_ic").str.strip_chars() == "1").alias("target_person"),
            pl.lit(p.name).alias("source"),
        )
    if layout == "debagreement":
        relation = {"0": "disagree", "1": "neutral", "2": "agree"}
        for col in ("body_parent", "body_child", "label"):
            _need(df, p, col, col)
        return df.select(
            pl.col("body_child").alias("text"), pl.col("body_parent").alias("parent_text"),
            pl.col("label").str.strip_chars().replace_strict(relation, default=None).alias("label"),
            pl.lit(None, pl.Boolean).alias("offensive"), pl.lit(None, pl.Boolean).alias("target_person"),
            pl.lit(p.name).alias("source"),
        )
    if layout == "fanchuan":
        support = {"0": "neutral", "1": "agree", "2": "disagree"}
        return df.filter(pl.col("parent_content").is_not_null()).select(
            pl.col("content").alias("text"), pl.col("parent_content").alias("parent_text"),
            pl.col("support").str.strip_chars().replace_strict(support, default=None).alias("label"),
            pl.lit(None, pl.Boolean).alias("offensive"), pl.lit(None, pl.Boolean).alias("target_person"),
            pl.lit(p.name).alias("source"),
        )
    for role, col in (("text", text_col), ("parent", parent_col), ("label", label_col)):
        _need(df, p, role, col)
    labels = pl.col(label_col).cast(pl.String).str.strip_chars().str.to_lowercase()
    unknown = df.filter(labels.replace_strict(_LABEL_ALIASES, default=None).is_null() & pl.col(label_col).is_not_null())
    if unknown.height:
        raise ParseError(p, f"label {unknown[label_col][0]!r}",
                         f"labels must be one of {sorted(set(_LABEL_ALIASES))}")
    offensive = (pl.col("offensive").cast(pl.String).str.to_lowercase().is_in(["1", "true", "offensive", "yes"])
                 if "offensive" in df.columns else pl.lit(None, pl.Boolean))
    return df.select(
        pl.col(text_col).cast(pl.String).alias("text"), pl.col(parent_col).cast(pl.String).alias("parent_text"),
        labels.replace_strict(_LABEL_ALIASES, default=None).alias("label"), offensive.alias("offensive"),
        pl.lit(None, pl.Boolean).alias("target_person"), pl.lit(p.name).alias("source"),
    )
