"""The prompt files, versioned: ``<task>/vN.toml`` (see ``meetx.pipeline.extraction.prompts``).

No code lives here; this file makes the folder the package ``meetx.prompts``, so that
``importlib.resources.files("meetx.prompts")`` finds the files in an installed wheel and in an
editable install alike. A changed prompt is a new version, stamped on every record.
"""
