"""Shared notions of language, one of each, for every layer: the bottom of the pipeline.

- ``words``: folding, squashing, stop words, content words, "does this quote occur in the text".
- ``matching``: greedy one-to-one matching of two lists.
- ``names``: are two written names the same person (initials, romanisations, titles).
- ``countries``: a country or organisation as written -> display name, ISO code, is_org.
- ``places``: cities (GeoNames) by their names in any language, and the countries they name.
- ``outcomes``: are two written outcomes the same agreement (the scorer's rule, merge's too).

May import: nothing of meetx.pipeline (schemas, if ever needed).
"""
