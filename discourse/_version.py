__version__ = "0.1.0"

# the name on PyPI (pip install ...); the import name and the command stay `discourse`
DISTRIBUTION = "discourse-network-analysis"
