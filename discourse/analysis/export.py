"""Export the author network for Gephi, Cytoscape, yEd and friends: GraphML and GEXF 1.3.

Both files carry typed attributes (declared once, with their type) and the signed weight split into
``pos_w``, ``neg_w``, ``abs_w`` and ``net_sign``, so tools whose layouts cannot take negative weights
can use ``abs_w`` or ``pos_w``. The GraphML/GEXF ``weight`` is ``abs_w`` for that reason; the signed
sum is ``weight_sum``. Files are written atomically (discourse.io.write). Text is XML-escaped; names
and attribute values are untrusted data and never become markup.

The node and edge lines are built as polars string expressions over one frame per table (values
formatted and XML-escaped column by column, not row by row) and streamed to the file by polars'
CSV writer with quoting off, one line per row. A million-comment network (~100k authors, ~700k
edges) is written in seconds this way; the bytes are those a per-row writer using Python's
``repr`` and ``xml.sax.saxutils`` would produce (see BENCHMARKS.md, "Export").
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import igraph as ig
import numpy as np
import polars as pl

from discourse.errors import OutputError
from discourse.io.write import atomic_path, write_csv, write_parquet

__all__ = ["graph_with_nodes", "write_gexf", "write_graph_files", "write_graphml", "write_tables"]

# characters XML 1.0 forbids even escaped; they become U+FFFD
_BAD_XML = [chr(c) for c in (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF)]
# one Aho-Corasick pass each: element text (saxutils.escape, plus CR) and attribute values (quoteattr)
_TEXT_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;", **dict.fromkeys(_BAD_XML, "\ufffd")}
_ATTR_ESCAPES = {**_TEXT_ESCAPES, "\n": "&#10;", "\t": "&#9;"}
_NONE = type(None)
_CHUNK = 100_000  # document lines built and written per slice of rows


def _kind(values: Sequence[Any]) -> str:
    """The attribute type of a column: boolean, long, double or string (nulls and NaN ignored)."""
    seen = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if seen and all(isinstance(v, bool) for v in seen):
        return "boolean"
    if seen and all(isinstance(v, int) and not isinstance(v, bool) for v in seen):
        return "long"
    if seen and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in seen):
        return "double"
    return "string"


def _fmt(value: Any, kind: str) -> str | None:
    """One value as attribute text (None: leave it out). The slow path for unusual columns."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "double":
        return repr(float(value))
    return str(value)


def _double_text(s: pl.Series, finite_only: bool = True) -> pl.Series:
    """Float64 values as Python's ``repr`` writes them; non-finite ones null (or, with
    ``finite_only=False``, ``nan``/``inf``/``-inf`` as repr has them).

    polars writes the same shortest round-trip digits as ``repr`` for every magnitude from 1e-4 up
    (checked on 3M random bit patterns), but ``0.00001`` and ``1.5e-7`` below it, where Python writes
    ``1e-05`` and ``1.5e-07``: those few values are written by ``repr`` itself.
    """
    text = s.cast(pl.String)
    small = ((s.abs() < 1e-4) & (s != 0)).fill_null(False)
    if small.any():
        text = text.scatter(small.arg_true(), [repr(v) for v in s.filter(small).to_list()])
    x, t = pl.col("x"), pl.col("t")
    odd = pl.when(x.is_nan()).then(pl.lit("nan")).when(x > 0).then(pl.lit("inf")).otherwise(pl.lit("-inf"))
    frame = pl.DataFrame({"x": s, "t": text})
    return frame.select(pl.when(x.is_finite()).then(t).otherwise(None if finite_only else odd)).to_series()


def _column(values: Sequence[Any]) -> tuple[str, pl.Series, bool]:
    """A column's declared type, its values as attribute text (null: left out) and whether that text
    can hold markup characters (and so needs escaping). Plain bool/int/float/str columns are
    converted by polars; anything else (lists, mixed or foreign types) value by value."""
    types = set(map(type, values))
    types.discard(_NONE)
    if types == {int, float} and all(math.isnan(v) for v in values if type(v) is float):
        # whole numbers and NaN: NaN is left out, as _kind ignores it, so the column is a long one
        values, types = [None if type(v) is float else v for v in values], {int}
    if types == {str}:
        return "string", pl.Series(values, dtype=pl.String), True
    if types == {bool}:
        s = pl.Series(values, dtype=pl.Boolean)
        return "boolean", pl.select(pl.when(s).then(pl.lit("true")).when(~s).then(pl.lit("false"))).to_series(), False
    if types == {int}:
        try:
            return "long", pl.Series(values, dtype=pl.Int64).cast(pl.String), False
        except (OverflowError, TypeError, pl.exceptions.PolarsError):
            pass  # beyond 64 bits: the slow path writes them exactly
    elif types and types <= {int, float}:
        floats = values if types == {float} else [None if v is None else float(v) for v in values]
        s = pl.Series("x", floats, dtype=pl.Float64)
        if s.is_not_nan().any():   # a column of nothing but NaN is untyped, as in _kind
            return "double", _double_text(s), False
    joined = [";".join(map(str, v)) if isinstance(v, (list, tuple)) else v for v in values]
    kind = _kind(joined)
    return kind, pl.Series([_fmt(v, kind) for v in joined], dtype=pl.String), True


def _text(x: pl.Expr, markup: bool = True) -> pl.Expr:
    """Element text as ``saxutils.escape`` writes it, XML-forbidden characters as U+FFFD. A carriage
    return is written ``&#13;``: a parser would read a raw one as ``\\n``."""
    return x.str.replace_many(_TEXT_ESCAPES) if markup else x


def _attr(x: pl.Expr, markup: bool = True) -> pl.Expr:
    """A quoted attribute value, as ``xml.sax.saxutils.quoteattr`` writes it: whitespace controls as
    character references, double quotes unless the value holds one (then single quotes, or
    ``&quot;`` when it holds both)."""
    if not markup:
        return pl.concat_str(pl.lit('"'), x, pl.lit('"'))
    v = x.str.replace_many(_ATTR_ESCAPES)
    dq = x.str.contains('"', literal=True)
    both = dq & x.str.contains("'", literal=True)
    quote = pl.when(dq & ~both).then(pl.lit("'")).otherwise(pl.lit('"'))
    body = pl.when(both).then(v.str.replace_all('"', "&quot;", literal=True)).otherwise(v)
    return pl.concat_str(quote, body, quote)


def _attr_str(value: str) -> str:
    """:func:`_attr` for one header value (an attribute name)."""
    return pl.select(_attr(pl.lit(value, dtype=pl.String))).item()


class _Table:
    """The attributes of a vertex or edge sequence: declarations and one text column each."""

    def __init__(self, seq: ig.VertexSeq | ig.EdgeSeq, n: int, skip: str) -> None:
        self.decl: list[tuple[str, str]] = []
        self.markup: list[bool] = []
        cols = [pl.int_range(n, dtype=pl.UInt32).cast(pl.String).alias("_i")]
        for i, name in enumerate(sorted(a for a in seq.attributes() if a != skip)):
            kind, series, markup = _column(seq[name])
            self.decl.append((name, kind))
            self.markup.append(markup)
            cols.append(pl.lit(series).alias(f"c{i}"))
        self.frame = pl.select(cols) if n else pl.DataFrame(schema={"_i": pl.String, **{
            f"c{i}": pl.String for i in range(len(self.decl))}})

    def pieces(self, make: Callable[[int, pl.Expr, bool], pl.Expr]) -> list[pl.Expr]:
        """``make(i, text, markup)`` for each column ``c{i}`` (text null where the value is left out;
        ``markup``: the text may hold characters to escape)."""
        return [make(i, pl.col(f"c{i}"), self.markup[i]) for i in range(len(self.decl))]


def _write(path: str | Path, parts: Iterable[str | pl.DataFrame]) -> Path:
    """Strings as UTF-8; one-column frames as one line per row (polars' CSV writer, quoting off)."""
    try:
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            for part in parts:
                _put(fh, part)
    except (OSError, pl.exceptions.PolarsError) as err:
        # polars' I/O errors carry no strerror: the message's first line says what failed
        why = err.strerror if isinstance(err, OSError) and err.strerror else (str(err).strip().splitlines() or [""])[0]
        raise OutputError(f"{path}: could not write ({why})") from err
    return Path(path)


def _put(fh: IO[bytes], part: str | pl.DataFrame) -> None:
    if isinstance(part, str):
        fh.write(part.encode("utf-8"))
    elif part.height:
        part.write_csv(fh, include_header=False, quote_style="never", line_terminator="\n")


def _names(graph: ig.Graph) -> pl.Series:
    if "name" in graph.vs.attributes():
        return pl.Series([str(n) for n in graph.vs["name"]], dtype=pl.String)
    return pl.Series([str(i) for i in range(graph.vcount())], dtype=pl.String)


def _weights(graph: ig.Graph) -> pl.Series:
    """The layout weight (``abs_w``, else 1.0) as ``repr(float(w))`` text."""
    if "abs_w" not in graph.es.attributes():
        return pl.Series(["1.0"] * graph.ecount(), dtype=pl.String)
    values = graph.es["abs_w"]
    if set(map(type, values)) <= {float}:
        return _double_text(pl.Series(values, dtype=pl.Float64), finite_only=False)
    return pl.Series([repr(float(w)) for w in values], dtype=pl.String)


def _edge_frame(graph: ig.Graph, table: _Table) -> pl.DataFrame:
    m = graph.ecount()
    ends = np.fromiter(itertools.chain.from_iterable(graph.get_edgelist()), dtype=np.int64, count=2 * m)
    return table.frame.with_columns(a=pl.Series(ends[0::2]).cast(pl.String),
                                    b=pl.Series(ends[1::2]).cast(pl.String), w=_weights(graph))


def _lines(frame: pl.DataFrame, line: pl.Expr) -> Iterator[pl.DataFrame]:
    """One column of document lines, ``_CHUNK`` rows at a time so a large graph's text is never all
    in memory at once (lazy, so subexpressions shared by branches are computed once)."""
    for start in range(0, frame.height, _CHUNK):
        yield frame.slice(start, _CHUNK).lazy().select(line.alias("line")).collect()


class _Prepared:
    """What both documents need from one graph, converted once: vertex and edge attribute tables,
    vertex names and the edge frame (ends and layout weight)."""

    def __init__(self, graph: ig.Graph) -> None:
        self.graph = graph
        self.vt = _Table(graph.vs, graph.vcount(), skip="name")
        self.et = _Table(graph.es, graph.ecount(), skip="weight")
        self.names = _names(graph)
        self.edges = _edge_frame(graph, self.et)


def _directed(graph: ig.Graph) -> str:
    return "directed" if graph.is_directed() else "undirected"


def graphml_parts(graph: ig.Graph | _Prepared) -> Iterator[str | pl.DataFrame]:
    """The GraphML document: header text, frames of node lines, frames of edge lines, footer."""
    prep = graph if isinstance(graph, _Prepared) else _Prepared(graph)
    graph, vt, et = prep.graph, prep.vt, prep.et
    head = ['<?xml version="1.0" encoding="UTF-8"?>\n',
            '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
            'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n',
            '  <key id="v_label" for="node" attr.name="label" attr.type="string"/>\n']
    head += [f'  <key id="v{i}" for="node" attr.name={_attr_str(name)} attr.type="{kind}"/>\n'
             for i, (name, kind) in enumerate(vt.decl)]
    head.append('  <key id="e_weight" for="edge" attr.name="weight" attr.type="double"/>\n')
    head += [f'  <key id="e{i}" for="edge" attr.name={_attr_str(name)} attr.type="{kind}"/>\n'
             for i, (name, kind) in enumerate(et.decl)]
    head.append(f'  <graph id="G" edgedefault="{_directed(graph)}">\n')

    def data(prefix: str) -> Any:
        return lambda i, x, markup: pl.concat_str(pl.lit(f'<data key="{prefix}{i}">'), _text(x, markup),
                                                  pl.lit("</data>"))

    yield "".join(head)
    yield from _lines(vt.frame.with_columns(name=prep.names), pl.concat_str(
        pl.lit('    <node id="n'), pl.col("_i"), pl.lit('"><data key="v_label">'), _text(pl.col("name")),
        pl.lit("</data>"), *vt.pieces(data("v")), pl.lit("</node>"), ignore_nulls=True))
    yield from _lines(prep.edges, pl.concat_str(
        pl.lit('    <edge id="e'), pl.col("_i"), pl.lit('" source="n'), pl.col("a"), pl.lit('" target="n'),
        pl.col("b"), pl.lit('">'), pl.concat_str(pl.lit('<data key="e_weight">'), pl.col("w"), pl.lit("</data>")),
        *et.pieces(data("e")), pl.lit("</edge>"), ignore_nulls=True))
    yield "  </graph>\n</graphml>\n"


def write_graphml(graph: ig.Graph, path: str | Path, nodes: pl.DataFrame | None = None) -> Path:
    """Write ``graph`` as GraphML (typed ``<key>`` declarations, ``weight`` = ``abs_w``), atomically.

    ``nodes`` (the analysis' node table) adds factions, roles and centralities to the vertices.
    """
    return _write(path, graphml_parts(graph if nodes is None else graph_with_nodes(graph, nodes)))


# the ten largest factions get distinct colours in Gephi; the rest are grey
_PALETTE = ((31, 119, 180), (214, 39, 40), (44, 160, 44), (255, 127, 14), (148, 103, 189),
            (140, 86, 75), (227, 119, 194), (23, 190, 207), (188, 189, 34), (127, 127, 127))
_GREY = (199, 199, 199)


def _viz_color(faction: Any) -> str:
    r, g, b = _PALETTE[faction] if isinstance(faction, int) and 0 <= faction < len(_PALETTE) else _GREY
    return f'<viz:color r="{r}" g="{g}" b="{b}"/>'


def _viz_colors(graph: ig.Graph) -> pl.Series | None:
    """Each vertex's ``<viz:color>`` by faction (``community``), or None without factions."""
    if "community" not in graph.vs.attributes():
        return None
    factions = graph.vs["community"]
    if set(map(type, factions)) <= {int, _NONE}:
        lookup = {k: _viz_color(k) for k in range(len(_PALETTE))}
        s = pl.Series("f", factions, dtype=pl.Int64)
        return s.to_frame().select(pl.col("f").replace_strict(lookup, default=_viz_color(None),
                                                             return_dtype=pl.String)).to_series()
    return pl.Series([_viz_color(f) for f in factions], dtype=pl.String)


def gexf_parts(graph: ig.Graph | _Prepared) -> Iterator[str | pl.DataFrame]:
    """The GEXF 1.3 document: header text, frames of node lines, frames of edge lines, footer."""
    prep = graph if isinstance(graph, _Prepared) else _Prepared(graph)
    graph, vt, et = prep.graph, prep.vt, prep.et
    head = ['<?xml version="1.0" encoding="UTF-8"?>\n',
            '<gexf xmlns="http://gexf.net/1.3" xmlns:viz="http://gexf.net/1.3/viz" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd" version="1.3">\n',
            '  <meta><creator>discourse</creator><description>signed author network</description></meta>\n',
            f'  <graph mode="static" defaultedgetype="{_directed(graph)}">\n',
            '    <attributes class="node">\n']
    head += [f'      <attribute id="v{i}" title={_attr_str(name)} type="{kind}"/>\n'
             for i, (name, kind) in enumerate(vt.decl)]
    head.append('    </attributes>\n    <attributes class="edge">\n')
    head += [f'      <attribute id="e{i}" title={_attr_str(name)} type="{kind}"/>\n'
             for i, (name, kind) in enumerate(et.decl)]
    head.append('    </attributes>\n    <nodes>\n')

    def attvalues(table: _Table, prefix: str) -> pl.Expr:
        # GEXF's schema wants at least one <attvalue> inside <attvalues>: leave it out when empty
        if not table.decl:
            return pl.lit(None, dtype=pl.String)
        vals = table.pieces(lambda i, x, markup: pl.concat_str(
            pl.lit(f'<attvalue for="{prefix}{i}" value='), _attr(x, markup), pl.lit("/>")))
        present = pl.any_horizontal(*[pl.col(f"c{i}").is_not_null() for i in range(len(table.decl))])
        return pl.when(present).then(pl.concat_str(pl.lit("<attvalues>"), *vals, pl.lit("</attvalues>"),
                                                   ignore_nulls=True))

    colours = _viz_colors(graph)
    vframe = vt.frame.with_columns(name=prep.names, viz=colours if colours is not None else pl.lit(None, pl.String))
    yield "".join(head)
    yield from _lines(vframe, pl.concat_str(
        pl.lit('      <node id="n'), pl.col("_i"), pl.lit('" label='), _attr(pl.col("name")), pl.lit(">"),
        attvalues(vt, "v"), pl.col("viz"), pl.lit("</node>"), ignore_nulls=True))
    yield "    </nodes>\n    <edges>\n"
    yield from _lines(prep.edges, pl.concat_str(
        pl.lit('      <edge id="e'), pl.col("_i"), pl.lit('" source="n'), pl.col("a"), pl.lit('" target="n'),
        pl.col("b"), pl.lit('" weight="'), pl.col("w"), pl.lit('">'), attvalues(et, "e"), pl.lit("</edge>"),
        ignore_nulls=True))
    yield "    </edges>\n  </graph>\n</gexf>\n"


def write_gexf(graph: ig.Graph, path: str | Path, nodes: pl.DataFrame | None = None) -> Path:
    """Write ``graph`` as GEXF 1.3 (declared attribute types, ``weight`` = ``abs_w``), atomically.

    ``nodes`` (the analysis' node table) adds factions, roles and centralities to the vertices.
    """
    return _write(path, gexf_parts(graph if nodes is None else graph_with_nodes(graph, nodes)))


def write_graph_files(graph: ig.Graph, *, graphml: str | Path | None = None, gexf: str | Path | None = None,
                      nodes: pl.DataFrame | None = None) -> list[Path]:
    """Write GraphML and/or GEXF from one conversion of the graph's attributes (what
    :func:`write_graphml` and :func:`write_gexf` each do on their own), atomically. Returns the paths."""
    prep = _Prepared(graph if nodes is None else graph_with_nodes(graph, nodes))
    written = []
    if graphml is not None:
        written.append(_write(graphml, graphml_parts(prep)))
    if gexf is not None:
        written.append(_write(gexf, gexf_parts(prep)))
    return written


def graph_with_nodes(graph: ig.Graph, nodes: pl.DataFrame) -> ig.Graph:
    """A copy of ``graph`` with every column of ``nodes`` (matched on ``author`` = vertex ``name``)
    as a vertex attribute, so exports carry factions, roles and centralities."""
    g = graph.copy()
    names = pl.DataFrame({"author": _names(graph)})
    joined = names.join(nodes, on="author", how="left", maintain_order="left")
    for col in joined.columns:
        if col == "author":
            continue
        series = joined[col]
        if isinstance(series.dtype, (pl.List, pl.Array)):
            series = series.cast(pl.List(pl.String)).list.join(";")
        g.vs[col] = series.to_list()
    return g


def write_tables(nodes: pl.DataFrame, edges: pl.DataFrame, out_dir: str | Path) -> list[Path]:
    """nodes/edges as Parquet and CSV in ``out_dir`` (atomic)."""
    d = Path(out_dir)
    return [write_parquet(d / "nodes.parquet", nodes), write_parquet(d / "edges.parquet", edges),
            write_csv(d / "nodes.csv", nodes), write_csv(d / "edges.csv", edges)]
