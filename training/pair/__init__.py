"""Training the ``neural`` pair scorer (discourse/stance/_pair.py) from the labeled dev sets in ../shared.

Run from the repository root: ``python -m training.pair.build`` (see README.md here). Not installed with
the package; needs the training extras in requirements.txt.
"""
