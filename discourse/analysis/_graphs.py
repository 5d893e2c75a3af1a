"""Building igraph graphs from numpy edge arrays, the fast way.

``ig.Graph(n, edges=ndarray)`` reads the array through a memoryview element by element and a nested
Python list costs a conversion first; ``add_edges`` on an empty graph takes the array in one piece
(0.19 s against 0.55-0.69 s for 670k edges). Edge ids follow the array's row order either way.
"""

from __future__ import annotations

import igraph as ig
import numpy as np

__all__ = ["graph_from_arrays"]


def graph_from_arrays(n: int, src: np.ndarray, dst: np.ndarray, *, directed: bool) -> ig.Graph:
    """A graph on ``n`` vertices with edge ``i`` from ``src[i]`` to ``dst[i]``."""
    g = ig.Graph(n=n, directed=directed)
    if len(src):
        g.add_edges(np.ascontiguousarray(np.column_stack([np.asarray(src, dtype=np.int64),
                                                           np.asarray(dst, dtype=np.int64)])))
    return g
