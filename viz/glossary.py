"""One line per thread figure, for the pages (network.html's key figures, compare.html's glossary).

The long definitions, with references, are docs/analysis.md's "Figures glossary"; a test checks that
every figure the analysis computes, and every one that glossary lists, has a line here.
"""

from __future__ import annotations

__all__ = ["FIGURES", "KEY_FIGURES", "STANCE_SHARES", "describe"]

FIGURES: dict[str, tuple[str, str]] = {
    "reciprocity": ("reciprocity", "share of reply ties answered in the other direction"),
    "hostility_share": ("hostility share", "share of replies labelled hostile"),
    "outgroup_hostility": ("out-group hostility", "log odds of a reply being hostile across factions rather than "
                           "within (0: no difference)"),
    "modularity": ("modularity", "how cleanly the factions split the agreement ties (Newman)"),
    "signed_modularity": ("signed modularity", "agreement inside factions and hostility across them, together "
                          "(Gómez, Jensen & Arenas)"),
    "ei_positive": ("E-I index, agreement", "(external - internal) / total agreement ties across factions: -1 all "
                    "inside"),
    "ei_negative": ("E-I index, hostility", "(external - internal) / total hostile ties: +1 all across factions"),
    "triangle_balance": ("triangle balance", "share of signed triangles that are balanced (the enemy of my enemy "
                         "is my friend)"),
    "status_consistency": ("status consistency", "share of A→B→C, A→C triads whose signs follow status theory "
                           "(Leskovec et al.)"),
    "frustration": ("frustration", "share of ties the factions contradict: hostility inside, agreement across"),
    "frustration_camps": ("frustration, two camps", "the same for the two camps"),
    "rwc": ("random walk controversy", "how rarely random walks on agreement cross between the two camps "
            "(Garimella et al.; 0 none, 1 total)"),
    "boundary_polarization": ("boundary polarization", "whether the camps' boundary commenters lean inward "
                              "(Guerra et al.; > 0 polarized)"),
}
"""Each thread figure: a short name and one line of definition."""

STANCE_SHARES: dict[str, tuple[str, str]] = {
    "share_agree": ("agreeing share", "share of replies labelled agree"),
    "share_neutral": ("neutral share", "share of replies labelled neutral"),
    "share_disagree": ("disagreeing share", "share of replies labelled disagree"),
    "share_hostile": ("hostile share", "share of replies labelled hostile"),
    "share_negative": ("negative share", "share of replies labelled disagree or hostile"),
    "share_offensive": ("offensive share", "share of replies the scorer flags as offensive"),
    "hostility_mass": ("hostility mass", "the negative reply weights summed and divided by all replies (>= 0)"),
    "mean_weight": ("mean weight", "mean reply weight, from -1 (hostile) to +1 (agreeing)"),
}
"""compare's stance figures (not in metrics.json's figures)."""

KEY_FIGURES: tuple[str, ...] = ("hostility_share", "outgroup_hostility", "signed_modularity", "triangle_balance",
                                "rwc", "boundary_polarization", "reciprocity")
"""The figures network.html's header shows first."""


def describe(name: str) -> tuple[str, str]:
    """(short name, one-line definition) of a figure; unknown names get their own name and no line."""
    return FIGURES.get(name) or STANCE_SHARES.get(name) or (name.replace("_", " "), "")
