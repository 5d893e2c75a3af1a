"""Reference for tests/test_export.py: the per-row GraphML/GEXF writer the vectorised one replaced
(discourse/analysis/export.py before 2026-11-24), kept verbatim except for one deliberate change:
a carriage return in element text is written ``&#13;`` (a parser reads a raw one as ``\\n``).

The fast writer must produce exactly these bytes: ``"".join(graphml_lines(g))``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import igraph as ig

# characters XML 1.0 forbids even escaped
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: Any) -> str:
    return escape(_BAD_XML.sub("\ufffd", str(value)), {"\r": "&#13;"})


def _attr(value: Any) -> str:
    return quoteattr(_BAD_XML.sub("\ufffd", str(value)))


def _kind(values: Sequence[Any]) -> str:
    """The attribute type of a column: boolean, long, double or string (nulls ignored)."""
    seen = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if seen and all(isinstance(v, bool) for v in seen):
        return "boolean"
    if seen and all(isinstance(v, int) and not isinstance(v, bool) for v in seen):
        return "long"
    if seen and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in seen):
        return "double"
    return "string"


def _fmt(value: Any, kind: str) -> str | None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "double":
        return repr(float(value))
    if isinstance(value, (list, tuple)):
        return ";".join(map(str, value))
    return str(value)


def _columns(seq: ig.VertexSeq | ig.EdgeSeq, skip: Iterable[str] = ()) -> list[tuple[str, str, list[Any]]]:
    out = []
    for name in sorted(seq.attributes()):
        if name in skip:
            continue
        values = seq[name]
        values = [";".join(map(str, v)) if isinstance(v, (list, tuple)) else v for v in values]
        out.append((name, _kind(values), values))
    return out


def _names(graph: ig.Graph) -> list[str]:
    if "name" in graph.vs.attributes():
        return [str(n) for n in graph.vs["name"]]
    return [str(i) for i in range(graph.vcount())]


def _weight(graph: ig.Graph) -> list[float]:
    attrs = graph.es.attributes()
    if "abs_w" in attrs:
        return [float(w) for w in graph.es["abs_w"]]
    return [1.0] * graph.ecount()


def graphml_lines(graph: ig.Graph) -> Iterable[str]:
    """The GraphML document, chunk by chunk."""
    gm = {"boolean": "boolean", "long": "long", "double": "double", "string": "string"}
    vcols = _columns(graph.vs, skip=("name",))
    ecols = _columns(graph.es, skip=("weight",))
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield ('<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
           'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')
    yield '  <key id="v_label" for="node" attr.name="label" attr.type="string"/>\n'
    for i, (name, kind, _) in enumerate(vcols):
        yield f'  <key id="v{i}" for="node" attr.name={_attr(name)} attr.type="{gm[kind]}"/>\n'
    yield '  <key id="e_weight" for="edge" attr.name="weight" attr.type="double"/>\n'
    for i, (name, kind, _) in enumerate(ecols):
        yield f'  <key id="e{i}" for="edge" attr.name={_attr(name)} attr.type="{gm[kind]}"/>\n'
    yield f'  <graph id="G" edgedefault="{"directed" if graph.is_directed() else "undirected"}">\n'
    names = _names(graph)
    for v in range(graph.vcount()):
        parts = [f'    <node id="n{v}">', f'<data key="v_label">{_text(names[v])}</data>']
        for i, (_, kind, values) in enumerate(vcols):
            s = _fmt(values[v], kind)
            if s is not None:
                parts.append(f'<data key="v{i}">{_text(s)}</data>')
        yield "".join(parts) + "</node>\n"
    weights = _weight(graph)
    for e, (a, b) in enumerate(graph.get_edgelist()):
        parts = [f'    <edge id="e{e}" source="n{a}" target="n{b}">',
                 f'<data key="e_weight">{weights[e]!r}</data>']
        for i, (_, kind, values) in enumerate(ecols):
            s = _fmt(values[e], kind)
            if s is not None:
                parts.append(f'<data key="e{i}">{_text(s)}</data>')
        yield "".join(parts) + "</edge>\n"
    yield "  </graph>\n</graphml>\n"


# the ten largest factions get distinct colours in Gephi; the rest are grey
_PALETTE = ((31, 119, 180), (214, 39, 40), (44, 160, 44), (255, 127, 14), (148, 103, 189),
            (140, 86, 75), (227, 119, 194), (23, 190, 207), (188, 189, 34), (127, 127, 127))
_GREY = (199, 199, 199)


def _viz_color(faction: Any) -> str:
    r, g, b = _PALETTE[faction] if isinstance(faction, int) and 0 <= faction < len(_PALETTE) else _GREY
    return f'<viz:color r="{r}" g="{g}" b="{b}"/>'


def gexf_lines(graph: ig.Graph) -> Iterable[str]:
    """The GEXF 1.3 document, chunk by chunk."""
    gx = {"boolean": "boolean", "long": "long", "double": "double", "string": "string"}
    vcols = _columns(graph.vs, skip=("name",))
    ecols = _columns(graph.es, skip=("weight",))
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield ('<gexf xmlns="http://gexf.net/1.3" xmlns:viz="http://gexf.net/1.3/viz" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xsi:schemaLocation="http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd" version="1.3">\n')
    yield '  <meta><creator>discourse</creator><description>signed author network</description></meta>\n'
    yield f'  <graph mode="static" defaultedgetype="{"directed" if graph.is_directed() else "undirected"}">\n'
    yield '    <attributes class="node">\n'
    for i, (name, kind, _) in enumerate(vcols):
        yield f'      <attribute id="v{i}" title={_attr(name)} type="{gx[kind]}"/>\n'
    yield '    </attributes>\n    <attributes class="edge">\n'
    for i, (name, kind, _) in enumerate(ecols):
        yield f'      <attribute id="e{i}" title={_attr(name)} type="{gx[kind]}"/>\n'
    yield '    </attributes>\n    <nodes>\n'
    names = _names(graph)
    factions = graph.vs["community"] if "community" in graph.vs.attributes() else None
    for v in range(graph.vcount()):
        vals = []
        for i, (_, kind, values) in enumerate(vcols):
            s = _fmt(values[v], kind)
            if s is not None:
                vals.append(f'<attvalue for="v{i}" value={_attr(s)}/>')
        # GEXF's schema wants at least one <attvalue> inside <attvalues>: leave it out when empty
        inner = f'<attvalues>{"".join(vals)}</attvalues>' if vals else ""
        if factions is not None:
            inner += _viz_color(factions[v])
        yield f'      <node id="n{v}" label={_attr(names[v])}>{inner}</node>\n'

    yield '    </nodes>\n    <edges>\n'
    weights = _weight(graph)
    for e, (a, b) in enumerate(graph.get_edgelist()):
        vals = []
        for i, (_, kind, values) in enumerate(ecols):
            s = _fmt(values[e], kind)
            if s is not None:
                vals.append(f'<attvalue for="e{i}" value={_attr(s)}/>')
        inner = f'<attvalues>{"".join(vals)}</attvalues>' if vals else ""
        yield f'      <edge id="e{e}" source="n{a}" target="n{b}" weight="{weights[e]!r}">{inner}</edge>\n'

    yield '    </edges>\n  </graph>\n</gexf>\n'
