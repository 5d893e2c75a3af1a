"""Importing this module registers every reader (each reader module calls ``register`` on import).

One line per reader module; keep them sorted.
"""

from discourse.io import convokit  # noqa: F401
from discourse.io import discourse_forum  # noqa: F401
from discourse.io import disqus  # noqa: F401
from discourse.io import flatpage  # noqa: F401
from discourse.io import generic  # noqa: F401
from discourse.io import hackernews  # noqa: F401
from discourse.io import mastodon  # noqa: F401
from discourse.io import peertube  # noqa: F401
from discourse.io import pushshift  # noqa: F401
from discourse.io import reddit  # noqa: F401
from discourse.io import stackexchange  # noqa: F401
from discourse.io import youtube  # noqa: F401
