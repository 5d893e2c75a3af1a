"""discourse: discourse-network analysis of online comment threads.

Commenters are nodes; each reply is a directed edge from the replier to the person replied to,
weighted by agreement (+) or hostility (-) read from the reply's text in relation to its parent.

>>> import discourse
>>> result = discourse.build(["sample_data/main_street.csv"], seed=0)   # doctest: +SKIP
>>> result.figure()                                                     # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from discourse._version import __version__
from discourse.errors import DiscourseError

if TYPE_CHECKING:
    from discourse.compare import Comparison, compare
    from discourse.io import read
    from discourse.pipeline import BuildOptions, BuildResult, build

__all__ = ["__version__", "DiscourseError", "build", "BuildOptions", "BuildResult", "compare", "Comparison",
           "read"]

# the heavy stages (igraph, plotly) load on first use, so `import discourse` stays quick
_LAZY = {
    "build": "discourse.pipeline", "BuildOptions": "discourse.pipeline", "BuildResult": "discourse.pipeline",
    "compare": "discourse.compare", "Comparison": "discourse.compare", "read": "discourse.io",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'discourse' has no attribute {name!r}")
