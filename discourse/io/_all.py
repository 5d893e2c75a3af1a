"""Importing this module registers every reader (each reader module calls ``register`` on import).

One line per reader module; keep them sorted.
"""

from discourse.io import (
    bluesky,  # noqa: F401
    convokit,  # noqa: F401
    discourse_forum,  # noqa: F401
    disqus,  # noqa: F401
    fetched,  # noqa: F401
    flatpage,  # noqa: F401
    generic,  # noqa: F401
    hackernews,  # noqa: F401
    lemmy,  # noqa: F401
    mastodon,  # noqa: F401
    peertube,  # noqa: F401
    pushshift,  # noqa: F401
    reddit,  # noqa: F401
    savedpage,  # noqa: F401
    stackexchange,  # noqa: F401
    stackexchange_api,  # noqa: F401
    telegram,  # noqa: F401
    webpage,  # noqa: F401
    wxr,  # noqa: F401
    youtube,  # noqa: F401
)
