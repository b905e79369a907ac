"""The rules that turn the model's draft into a meeting: code, not the model, decides.

- ``normalise``: a draft's quotes -> typed values (dates, times, durations, countries, names).
- ``consolidate``: merge the reports of one meeting, fill what the model left unknown from
  the sentence about it, drop denials and history; then counterparts and outcomes.
- ``counterparts``: participants the text gives by nationality ("his Japanese counterpart").
- ``outcomes``: agreements kept, topics and briefings dropped, stated agreements added.
- ``places``: cities (GeoNames) and the countries they name.

May import: ``reading``, ``text``, ``errors``, ``config``, ``schemas``. Never the network,
the model layer, grounding, the batch engine or the workflow.
"""
