"""Grounding and checks: every value tied to the article's words, and what is wrong with it.

- ``align``: locate each quote in the article (exact, tolerant, fuzzy) and attach evidence
  with offsets to every value.
- ``checks``: the issues of a record (quotes and names that do not occur, values from the
  header, too few participants, unknown countries ...): a record with issues goes to review.

May import: ``reading``, ``text``, ``errors``, ``config``, ``schemas``.
"""
