"""One options model for every way into discourse: the CLI, the Python API and metrics.json.

A build's options are grouped by the stage that reads them::

    BuildOptions
    ├── seed
    ├── read:     ReadOptions      format, column mapping, on_error, max_line_bytes, site, thread_id, page_layout
    ├── infer:    InferOptions     infer_replies, refine_mentions
    ├── stance:   StanceOptions    scorer
    ├── network:  NetworkOptions   self_replies, root_edges, mention_edges, min_confidence
    ├── analysis: AnalysisOptions  method, runs, resolution, null_models
    ├── render:   RenderOptions    size_by, max_edges, webgl, title, cdn, image, image_width, image_height, image_scale
    └── engine:   EngineOptions    engine, chunk_rows, workers, partitions, scheduler

and ``compare`` adds :class:`CompareOptions` (first_n, bootstrap, min_comments). Each stage takes its
own group. Every option has one *flat name*, unique across the groups, which is at once the Python
keyword (``discourse.build(path, text_col="body", null_models=20)``), the CLI flag (``--text-col``,
``--null-models``; the CLI's flags are generated from these fields) and the key in metrics.json's
``reproducibility.options`` (grouped there). Values are checked when a group is constructed: a bad
one raises :class:`OptionError` naming the option and what it accepts.

Adding an option: a field in its group here (with ``opt(...)``: default, help, bounds) and the code
of the stage that reads it. tests/test_options.py fails when an option has no CLI flag, does not
reach metrics.json, or is ignored by an engine or by compare.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, TypeVar, Union, get_args, get_origin

from discourse._typing import OnError
from discourse.errors import DiscourseError

__all__ = [
    "AUTO_SCORER",
    "COLUMN_ROLES",
    "ENGINE_NAMES",
    "FACTION_METHODS",
    "NEURAL_MAX_REPLIES",
    "AnalysisOptions",
    "BuildOptions",
    "CompareOptions",
    "EngineOptions",
    "ImageFormat",
    "InferOptions",
    "NetworkOptions",
    "OptionError",
    "OptionGroup",
    "OptionSpec",
    "ReadOptions",
    "RenderOptions",
    "StanceOptions",
    "option_specs",
]

SelfReplies = Literal["drop", "keep"]
UnknownAuthors = Literal["node", "drop"]
FactionMethod = Literal["leiden-cpm", "leiden-sponge", "signed-modularity", "spinglass", "leiden", "louvain", "infomap",
                        "label-propagation"]
FACTION_METHODS: tuple[str, ...] = get_args(FactionMethod)
EngineName = Literal["memory", "stream", "dask"]
ENGINE_NAMES: tuple[str, ...] = get_args(EngineName)
ImageFormat = Literal["png", "svg"]
AUTO_SCORER = "default"
# replies the neural scorer takes under "default": about a minute on a 2-core laptop (BENCHMARKS.md,
# "Which scorer runs"); above it the fast lexical scorer runs
NEURAL_MAX_REPLIES = 20_000

# the generic reader's column roles, each with its flag: --id-col, --parent-col, ...
COLUMN_ROLES: tuple[str, ...] = ("id", "parent", "author", "text", "time", "thread", "score", "site", "title")


class OptionError(DiscourseError):
    """An option has a value it does not accept, or no option has that name."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"option {name!r} (--{name.replace('_', '-')}): {message}")
        self.name = name


def opt(default: Any = None, *, help: str, factory: Any = None, min: float | None = None,
        max: float | None = None, short: str | None = None, flag: str | None = None,
        metavar: str | None = None, panel: str | None = None) -> Any:
    """A dataclass field with what the CLI and the checks need: help text, bounds, a short flag.

    ``flag`` renames the option's flat name (the field ``EngineOptions.name`` is ``--engine``).
    """
    meta = {"help": help, "min": min, "max": max, "short": short, "flag": flag, "metavar": metavar,
            "panel": panel}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


def _describe(tp: Any) -> str:
    if get_origin(tp) is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(tp))
    if _is_optional(tp):
        return _describe(_strip_optional(tp)) + " or None"
    return getattr(tp, "__name__", str(tp))


def _is_optional(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType) and type(None) in get_args(tp)


def _strip_optional(tp: Any) -> Any:
    args = [a for a in get_args(tp) if a is not type(None)]
    return args[0] if len(args) == 1 else Union[tuple(args)]  # noqa: UP007  (a runtime union of several)


def _coerce(name: str, tp: Any, value: Any) -> Any:
    """``value`` checked against the annotation ``tp`` (ints are accepted for floats)."""
    if _is_optional(tp):
        return None if value is None else _coerce(name, _strip_optional(tp), value)
    origin = get_origin(tp)
    if origin is Literal:
        if value not in get_args(tp):
            raise OptionError(name, f"expected {_describe(tp)}, got {value!r}")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise OptionError(name, f"expected true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise OptionError(name, f"expected a whole number, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise OptionError(name, f"expected a number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise OptionError(name, f"expected a string, got {value!r}")
        return value
    if origin in (dict, Mapping) or tp is dict:
        if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
            raise OptionError(name, f"expected a mapping with string keys, got {value!r}")
        return {k: list(v) if isinstance(v, tuple) else v for k, v in sorted(value.items())}
    raise TypeError(f"options: no check for the type {tp!r} of {name!r}")  # a bug in this module


G = TypeVar("G", bound="OptionGroup")


@dataclass(frozen=True)
class OptionGroup:
    """A group of options; construction checks every value (types, choices, bounds)."""

    heading: ClassVar[str] = ""  # the CLI help panel of the group

    def __post_init__(self) -> None:
        hints = typing.get_type_hints(type(self))
        for f in dataclasses.fields(self):
            name = f.metadata.get("flag") or f.name
            value = _coerce(name, hints[f.name], getattr(self, f.name))
            lo, hi = f.metadata.get("min"), f.metadata.get("max")
            if value is not None and not isinstance(value, (bool, str, dict)):
                if lo is not None and value < lo:
                    raise OptionError(name, f"expected a value of at least {lo}, got {value!r}")
                if hi is not None and value > hi:
                    raise OptionError(name, f"expected a value of at most {hi}, got {value!r}")
            object.__setattr__(self, f.name, value)

    def to_dict(self) -> dict[str, Any]:
        """The group's options by flat name, JSON-serialisable."""
        return {f.metadata.get("flag") or f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls: type[G], values: Mapping[str, Any]) -> G:
        """The inverse of :meth:`to_dict` (flat names; unknown names are an error)."""
        by_flat = {f.metadata.get("flag") or f.name: f.name for f in dataclasses.fields(cls)}
        unknown = [k for k in values if k not in by_flat]
        if unknown:
            raise _unknown(unknown[0], list(by_flat))
        return cls(**{by_flat[k]: v for k, v in values.items()})

    def replace(self: G, **changes: Any) -> G:
        """A copy with some options changed (by flat name)."""
        return type(self).from_dict({**self.to_dict(), **changes})


def _unknown(name: str, known: list[str]) -> OptionError:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f"; options are: {', '.join(sorted(known))}"
    return OptionError(name, "no such option" + hint)


@dataclass(frozen=True)
class ReadOptions(OptionGroup):
    """How input files are read (discourse.io)."""

    heading: ClassVar[str] = "Reading"

    format: str | None = opt(None, short="-f", help="Input format; default: detected from content. See `discourse formats`.")
    on_error: OnError = opt("raise", help="raise: stop at a bad record; skip: skip bad lines of a dump and count them in quality.json.")
    max_line_bytes: int = opt(8 * 2**20, min=1024, help="NDJSON / JSON Lines (plain or .zst): the longest line accepted, in bytes (default 8 MiB, far above any real comment); a longer line is a bad record. Bounds memory under decompression bombs.")
    site: str | None = opt(None, help="Override the site label of every comment.")
    thread_id: str | None = opt(None, help="Override the thread id (single-thread inputs).")
    page_layout: dict[str, Any] = opt(factory=dict, metavar="KEY=VALUE", help="Flat-page layout rule KEY=VALUE (repeatable), e.g. blank_after_name=false; see docs/flatpage.md.")
    id_col: str | None = opt(None, panel="Column mapping", help="Column holding the comment id (generic tables).")
    parent_col: str | None = opt(None, panel="Column mapping", help="Column holding the parent comment id; empty = reply to the post.")
    author_col: str | None = opt(None, panel="Column mapping", help="Column holding the author name.")
    text_col: str | None = opt(None, panel="Column mapping", help="Column holding the comment text.")
    time_col: str | None = opt(None, panel="Column mapping", help="Column holding the time (ISO-8601 or epoch seconds).")
    thread_col: str | None = opt(None, panel="Column mapping", help="Column holding the thread id.")
    score_col: str | None = opt(None, panel="Column mapping", help="Column holding the comment score.")
    site_col: str | None = opt(None, panel="Column mapping", help="Column holding the site label (default: --site, else 'generic').")
    title_col: str | None = opt(None, panel="Column mapping", help="Column holding the thread title.")

    @property
    def columns(self) -> dict[str, str]:
        """The column mapping by role (``{"text": "body", ...}``), as the generic reader takes it."""
        return {role: col for role in COLUMN_ROLES if (col := getattr(self, f"{role}_col"))}


@dataclass(frozen=True)
class InferOptions(OptionGroup):
    """Who replied to whom, where the input does not say (discourse.infer)."""

    heading: ClassVar[str] = "Reply structure"

    infer_replies: bool | None = opt(None, help="Infer who replied to whom from the text and order (default: only for inputs without parent ids).")
    refine_mentions: bool | None = opt(None, help="Re-target '@name' replies to that author's comment (default: on Stack Exchange and YouTube, whose recorded parents are coarse).")


@dataclass(frozen=True)
class StanceOptions(OptionGroup):
    """How each reply's stance toward its parent is scored (discourse.stance)."""

    heading: ClassVar[str] = "Stance"

    scorer: str = opt(AUTO_SCORER, help="Stance scorer: default (the neural pair scorer up to --neural-max-replies replies, the fast lexical one above), neural, fast, vader, or one registered by name (`discourse stance scorers`).")
    neural_max_replies: int = opt(NEURAL_MAX_REPLIES, min=0, help="With --scorer default: the most replies the neural scorer takes (about a minute of scoring on 2 cores); above it the fast lexical scorer runs, with a notice.")


@dataclass(frozen=True)
class NetworkOptions(OptionGroup):
    """How scored replies become signed edges (discourse.analysis.network).

    self_replies:   "drop" (default) leaves out replies to one's own comment; "keep" keeps them as
                    self-loops (most analyses then ignore loops).
    root_edges:     top-level comments become edges to the post's author when it is known.
    mention_edges:  an ``@name`` naming another author known on the same site adds an extra edge
                    carrying the reply's stance (the parent's author is not counted twice).
    min_confidence: inferred parents (quote, mention, adjacency) below this confidence are left out.
    unknown_authors: "node" (default) makes each comment with no known author (anonymous, deleted)
                    a node of its own (``anonymous#<thread>/<comment>``, flagged ``anonymous``), so
                    the replies to and from it count; "drop" leaves those replies out (counted).
    """

    heading: ClassVar[str] = "Network"

    self_replies: SelfReplies = opt("drop", help="keep or drop replies to one's own comments in the network.")
    root_edges: bool = opt(True, help="Make replies to the post edges to the post's author, when known.")
    mention_edges: bool = opt(False, help="Add edges for @name mentions of other authors.")
    min_confidence: float = opt(0.0, min=0.0, max=1.0, help="Leave inferred replies below this parent confidence out of the network (counted in quality.json).")
    unknown_authors: UnknownAuthors = opt("node", help="node: each comment with no known author (anonymous, deleted) is a node of its own, unlabelled; drop: leave replies to and from them out (counted in quality.json).")

    def options_dict(self) -> dict[str, Any]:
        """The options as a JSON-serialisable dict (for metrics.json)."""
        return self.to_dict()


@dataclass(frozen=True)
class AnalysisOptions(OptionGroup):
    """Factions, key actors and thread figures (discourse.analysis)."""

    heading: ClassVar[str] = "Analysis"

    method: FactionMethod = opt("leiden-sponge", help="Faction method: " + ", ".join(FACTION_METHODS) + " (leiden-sponge, the default: Leiden-CPM's factions grouped with allies who oppose the same people; leiden-cpm: without that step).")
    runs: int = opt(5, min=1, help="Seeds in the faction ensemble; the consensus is reported with each author's stability.")
    resolution: float | None = opt(None, help="Faction resolution (default: the method's own; 0 for leiden-cpm = split only on hostility).")
    null_models: int = opt(0, min=0, help="Null-model replicates for z-scores of the thread figures (0: none).")


@dataclass(frozen=True)
class RenderOptions(OptionGroup):
    """The report and the figures (discourse.viz)."""

    heading: ClassVar[str] = "Rendering"

    size_by: str = opt("pagerank", help="Node column that sizes the nodes of network.html at first (the page offers the others).")
    max_edges: int = opt(10_000, min=1, help="Draw at most this many edges (the strongest) in network.html; the page says when it does.")
    webgl: bool | None = opt(None, help="Force WebGL traces on or off (default: on for large networks).")
    title: str | None = opt(None, help="Title shown on the page.")
    cdn: bool = opt(False, help="Load plotly.js from its CDN (small HTML, needs a network) instead of inlining it.")
    image: ImageFormat | None = opt(None, help="Also write a static network.png or network.svg (rendered by the local Chromium): the publication figure, without controls.")
    image_width: int = opt(1600, min=200, max=20_000, help="--image: width of the figure in CSS pixels (names are placed for this size).")
    image_height: int = opt(1000, min=200, max=20_000, help="--image: height of the figure in CSS pixels.")
    image_scale: float = opt(2.0, min=0.25, max=8.0, help="--image png: pixels per CSS pixel (2: a 3200 x 2000 PNG at the default size).")


@dataclass(frozen=True)
class EngineOptions(OptionGroup):
    """Where the read-to-edges work runs (discourse.engines)."""

    heading: ClassVar[str] = "Scale"

    name: EngineName = opt("memory", flag="engine", help="memory (default); stream: a dump in chunks with bounded memory; dask: on a Dask cluster. stream and dask write the network, not the per-comment tables.")
    chunk_rows: int = opt(250_000, min=1, help="stream: rows per chunk.")
    workers: int = opt(2, min=1, help="dask: worker processes of the local cluster.")
    partitions: int | None = opt(None, min=1, help="dask: parts and thread buckets (default: twice the cluster's threads).")
    scheduler: str | None = opt(None, help="dask: address of a running scheduler, e.g. tcp://10.0.0.5:8786 (default: start a local cluster).")


@dataclass(frozen=True)
class CompareOptions(OptionGroup):
    """What ``compare`` adds to a build's options."""

    heading: ClassVar[str] = "Comparison"

    first_n: int | None = opt(None, min=1, help="Compare every thread on its first N comments, so sizes match.")
    bootstrap: int = opt(100, min=0, help="Bootstrap resamples per thread for the 95% intervals (BCa over whole reply trees; 0: none).")
    min_comments: int = opt(5, min=1, help="Leave out threads with fewer comments (e.g. the many tiny threads of a blog's Disqus export).")


_GROUPS: dict[str, type[OptionGroup]] = {
    "read": ReadOptions, "infer": InferOptions, "stance": StanceOptions, "network": NetworkOptions,
    "analysis": AnalysisOptions, "render": RenderOptions, "engine": EngineOptions,
}


@dataclass(frozen=True)
class OptionSpec:
    """One option as the CLI and the checks see it."""

    group: str            # "read", ..., or "" for the seed
    name: str             # the flat name (keyword, flag, metrics.json key)
    field: str            # the attribute in its group
    type: Any
    default: Any
    help: str
    min: float | None = None
    max: float | None = None
    short: str | None = None
    metavar: str | None = None
    panel: str | None = None


def _specs(group: str, cls: type[OptionGroup]) -> list[OptionSpec]:
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        m = f.metadata
        out.append(OptionSpec(group, m.get("flag") or f.name, f.name, hints[f.name], default, m["help"],
                              m.get("min"), m.get("max"), m.get("short"), m.get("metavar"),
                              m.get("panel") or cls.heading))
    return out


SEED_SPEC = OptionSpec("", "seed", "seed", int, 0,
                       "Random seed: the same input and seed give the same outputs.", min=0)


def option_specs(*groups: str, compare: bool = False) -> list[OptionSpec]:
    """Every option of ``groups`` (all build groups when none are named), the seed first; with
    ``compare`` the compare options too."""
    names = groups or tuple(_GROUPS)
    specs = [SEED_SPEC]
    for g in names:
        specs += _specs(g, _GROUPS[g])
    if compare:
        specs += _specs("compare", CompareOptions)
    return specs


@dataclass(frozen=True)
class BuildOptions:
    """Everything that shapes a build, grouped by stage; recorded in metrics.json.

    >>> o = BuildOptions.from_flat(text_col="body", runs=3)
    >>> o.read.columns, o.analysis.runs
    ({'text': 'body'}, 3)
    >>> BuildOptions.from_flat(method="kmeans")
    Traceback (most recent call last):
    ...
    discourse.options.OptionError: option 'method' (--method): expected one of 'leiden-cpm', ...
    """

    seed: int = 0
    read: ReadOptions = field(default_factory=ReadOptions)
    infer: InferOptions = field(default_factory=InferOptions)
    stance: StanceOptions = field(default_factory=StanceOptions)
    network: NetworkOptions = field(default_factory=NetworkOptions)
    analysis: AnalysisOptions = field(default_factory=AnalysisOptions)
    render: RenderOptions = field(default_factory=RenderOptions)
    engine: EngineOptions = field(default_factory=EngineOptions)

    def __post_init__(self) -> None:
        _coerce("seed", int, self.seed)
        if self.seed < 0:
            raise OptionError("seed", f"expected a value of at least 0, got {self.seed}")
        for name, cls in _GROUPS.items():
            if not isinstance(getattr(self, name), cls):
                raise OptionError(name, f"expected a {cls.__name__}, got {type(getattr(self, name)).__name__}")

    def flat(self) -> dict[str, Any]:
        """Every option by its flat name."""
        out: dict[str, Any] = {"seed": self.seed}
        for name in _GROUPS:
            out.update(getattr(self, name).to_dict())
        return out

    def to_dict(self) -> dict[str, Any]:
        """Grouped and JSON-serialisable, as metrics.json records it."""
        return {"seed": self.seed, **{name: getattr(self, name).to_dict() for name in _GROUPS}}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> BuildOptions:
        """The inverse of :meth:`to_dict` (e.g. options read back from a bundle's metrics.json)."""
        unknown = [k for k in values if k != "seed" and k not in _GROUPS]
        if unknown:
            raise _unknown(unknown[0], ["seed", *_GROUPS])
        groups = {name: _GROUPS[name].from_dict(values.get(name) or {}) for name in _GROUPS}
        return cls(seed=values.get("seed", 0), **groups)  # type: ignore[arg-type]

    @classmethod
    def from_flat(cls, base: BuildOptions | None = None, **values: Any) -> BuildOptions:
        """Options from flat names (``text_col="body", runs=3``) over ``base`` (default: defaults)."""
        return (base or cls()).replace(**values)

    def replace(self, **values: Any) -> BuildOptions:
        """A copy with some options changed, by flat name; an unknown name is an :class:`OptionError`."""
        if not values:
            return self
        where = _flat_index()
        unknown = [k for k in values if k not in where]
        if unknown:
            raise _unknown(unknown[0], list(where))
        seed = values.pop("seed", self.seed)
        changed: dict[str, dict[str, Any]] = {}
        for k, v in values.items():
            changed.setdefault(where[k], {})[k] = v
        groups = {g: getattr(self, g).replace(**c) for g, c in changed.items()}
        return dataclasses.replace(self, seed=seed, **groups)

    def split(self, **values: Any) -> tuple[BuildOptions, dict[str, Any]]:
        """Apply the build options among ``values``; return the rest (e.g. compare's own)."""
        where = _flat_index()
        mine = {k: v for k, v in values.items() if k in where}
        return self.replace(**mine), {k: v for k, v in values.items() if k not in where}


def _flat_index() -> dict[str, str]:
    """flat option name -> group name ("" for the seed)."""
    index = {"seed": ""}
    for name, cls in _GROUPS.items():
        for f in dataclasses.fields(cls):
            index[f.metadata.get("flag") or f.name] = name
    return index
