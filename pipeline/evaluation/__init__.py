"""The scorer: predictions against gold annotations, by the rules of the gold README.

- ``evaluate``: pairing, slot counts, precision, recall and F1.

May import: ``text``, ``errors``, ``config``, ``schemas``. Only the command line (``meetx
eval``) and the benchmarks import it: production never does, so a scoring rule can change
without changing an output file.
"""
