"""Which scorer ``"default"`` means for a given build.

The neural pair scorer reads parent and reply together and is the most accurate, but it scores a few
hundred replies a second; the fast lexical scorer scores ~100,000. ``"default"`` therefore means the
neural scorer while a build stays interactive (at most ``neural_max_replies`` replies to score) and the
fast scorer above that, with a one-line notice; either can be pinned by name. The choice, the count
and the threshold are recorded in metrics.json.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import polars as pl

from discourse.options import AUTO_SCORER, NEURAL_MAX_REPLIES
from discourse.stance._base import SCORERS, Scorer, get_scorer

__all__ = ["AUTO", "FAST", "NEURAL", "NEURAL_MAX_REPLIES", "ScorerChoice", "choose_scorer", "to_score"]

AUTO = AUTO_SCORER
NEURAL = "neural"
FAST = "fast"


@dataclass(frozen=True)
class ScorerChoice:
    """What was asked for, what ran and why."""

    requested: str            # the option's value ("default", or a scorer's name)
    scorer: str               # the registered name that ran
    ident: str                # its "name/version"
    replies: int              # replies to score (non-empty texts)
    neural_max_replies: int
    reason: str
    notice: bool = False      # say it on the command line (the fast scorer ran in the neural one's place)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def to_score(replies: pl.DataFrame) -> int:
    """Replies a scorer will read: those whose text is not null or blank."""
    return int(replies.select((pl.col("text").is_not_null() & (pl.col("text").str.strip_chars() != "")).sum()).item())


def _neural_unavailable() -> str | None:
    """Why the neural scorer cannot run here (None when it can), without loading it."""
    from importlib.util import find_spec

    from discourse.stance._pair import CARD_FILE, MODEL_DIR

    if NEURAL not in SCORERS:
        return "the neural scorer is not registered"
    for package in ("onnxruntime", "tokenizers"):
        if find_spec(package) is None:
            return f"the neural scorer needs the package {package!r}, which is not installed"
    if not (MODEL_DIR / CARD_FILE).is_file():
        return f"the neural scorer's model files are missing from {MODEL_DIR}"
    return None


def choose_scorer(requested: str | Scorer, n_replies: int, neural_max_replies: int = NEURAL_MAX_REPLIES) -> ScorerChoice:
    """The scorer to run on ``n_replies`` replies when ``requested`` is asked for."""
    if isinstance(requested, Scorer) or requested != AUTO:
        impl = get_scorer(requested)
        name = requested if isinstance(requested, str) else impl.name
        return ScorerChoice(str(name), str(name), impl.ident, n_replies, neural_max_replies, "pinned")
    why_not = _neural_unavailable()
    if why_not is None and n_replies <= neural_max_replies:
        return ScorerChoice(AUTO, NEURAL, get_scorer(NEURAL).ident, n_replies, neural_max_replies,
                            f"{n_replies} replies: within the neural scorer's {neural_max_replies}")
    fast = get_scorer(FAST)
    if why_not is not None:
        reason = f"{why_not}; scored with the fast lexical scorer ({fast.ident})"
    else:
        reason = (f"{n_replies} replies is more than the neural scorer takes by default ({neural_max_replies}); "
                  f"scored with the fast lexical scorer ({fast.ident}). Pin --scorer neural to use it anyway, "
                  "or raise --neural-max-replies")
    return ScorerChoice(AUTO, FAST, fast.ident, n_replies, neural_max_replies, reason, notice=True)
