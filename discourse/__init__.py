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
    from discourse.comparison import Comparison, compare
    from discourse.io import read
    from discourse.options import BuildOptions, CompareOptions, OptionError
    from discourse.pipeline import BuildResult, build

__all__ = [
    "BuildOptions",
    "BuildResult",
    "CompareOptions",
    "Comparison",
    "DiscourseError",
    "OptionError",
    "__version__",
    "build",
    "compare",
    "read",
]

# the heavy stages (igraph, plotly) load on first use, so `import discourse` stays quick. No submodule
# shares a name with these (the comparison module is not called `compare`), so importing one never
# replaces a function here.
_LAZY = {
    "build": "discourse.pipeline", "BuildResult": "discourse.pipeline",
    "BuildOptions": "discourse.options", "OptionError": "discourse.options",
    "compare": "discourse.comparison", "Comparison": "discourse.comparison", "CompareOptions": "discourse.options",
    "read": "discourse.io",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'discourse' has no attribute {name!r}")
