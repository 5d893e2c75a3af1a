"""discourse: discourse-network analysis of online comment threads.

Commenters are nodes; each reply is a directed edge from the replier to the person replied to,
weighted by agreement (+) or hostility (-) read from the reply's text in relation to its parent.
"""

from discourse._version import __version__
from discourse.errors import DiscourseError

__all__ = ["__version__", "DiscourseError"]
