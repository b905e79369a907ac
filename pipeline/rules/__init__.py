"""The rules that turn the model's draft into meetings: code, not the model, decides.

- ``normalise``: a draft's sentence numbers and words -> typed values (dates, times,
  durations, countries, names).
- ``registry``: the named rules, applied in order to one article's meetings, each switchable
  (``meetx rules`` lists them; ``--rule-off NAME``), each marking the values it sets.
- ``consolidate``: what the rules know: which reports are one meeting (same participants by
  name, or by country and role), the sentences about a meeting and their cues.
- ``outcomes``: agreements kept, topics and briefings dropped, each outcome once.

May import: ``reading``, ``text``, ``errors``, ``config``, ``schemas``. Never the network,
the model layer, grounding, the batch engine or the workflow.
"""
