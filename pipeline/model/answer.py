"""The model's answer as it is validated when it comes: the draft schema plus the article.

``schemas.draft`` gives the shape the model fills, and nothing else. Here the same models get
the one check that needs the article, which instructor puts in the validation context: a
name the text never gives is refused, and instructor sends the message back to the model
(its re-ask), which then usually answers null. ``pipeline.model.llm`` hands
:class:`CheckedArticle` to instructor; what it returns is in the plain schema classes again.

The subclasses keep the schema's class names, fields and field order, so that validation
errors, and so the re-asks, read exactly as for the plain schema; the JSON Schema sent to the
model is the plain schema's (``llm._schema``).
"""

from __future__ import annotations

from pydantic import Field, ValidationInfo, field_validator

from meetx.pipeline.text.words import occurs_in
from meetx.schemas import draft


class ParticipantDraft(draft.ParticipantDraft):
    # no docstring, as in the schema: a docstring would become a description

    @field_validator("name")
    @classmethod
    def _name_is_in_text(cls, name: str | None, info: ValidationInfo) -> str | None:
        """With the article in the validation context, refuse names the text never gives.

        Instructor sends this message back to the model, which then usually answers null.
        A country given as a name ("US") is not sent back: the model gave the same answer
        again every time (seeds 001 and 002), and one such meeting failed the whole
        article; ``normalise.person_name`` turns it into an unnamed participant instead.
        """
        article = (info.context or {}).get("article")
        if name is not None and article is not None and not occurs_in(name, article):
            raise ValueError(
                f"the name {name!r} does not occur in the article; give the name exactly as "
                "written, or null when the text does not name this person"
            )
        return name


class MeetingDraft(draft.MeetingDraft):
    participants: list[ParticipantDraft] = Field(  # type: ignore[assignment]
        max_length=draft.MAX_PARTICIPANTS
    )


class CheckedArticle(draft.ArticleDraft):
    meetings: list[MeetingDraft] = Field(max_length=draft.MAX_MEETINGS)  # type: ignore[assignment]


def plain(answer: draft.ArticleDraft) -> draft.ArticleDraft:
    """The same answer in the schema's own classes, which pickle and compare as the cache's do."""
    return draft.ArticleDraft.model_validate(answer.model_dump())
