"""Signed network analysis: the author network, factions, key actors, roles and thread figures.

>>> from discourse.analysis import author_network, analyse, NetworkOptions
>>> # net = author_network(scored_replies, threads, NetworkOptions())
>>> # result = analyse(net, scored_replies, method="leiden-cpm", seed=0)
>>> # result.nodes, result.metrics["figures"]["rwc"]
"""

from discourse.analysis.core import DEFAULT_RUNS, Analysis, analyse, figures_by_thread, thread_figures
from discourse.analysis.export import graph_with_nodes, write_gexf, write_graph_files, write_graphml, write_tables
from discourse.analysis.factions import FACTION_METHODS, ensemble, nmi, partition, signed_layers, two_camps
from discourse.analysis.network import AuthorNetwork, NetworkOptions, author_network

__all__ = [
    "DEFAULT_RUNS",
    "FACTION_METHODS",
    "Analysis",
    "AuthorNetwork",
    "NetworkOptions",
    "analyse",
    "author_network",
    "ensemble",
    "figures_by_thread",
    "graph_with_nodes",
    "nmi",
    "partition",
    "signed_layers",
    "thread_figures",
    "two_camps",
    "write_gexf",
    "write_graph_files",
    "write_graphml",
    "write_tables",
]
