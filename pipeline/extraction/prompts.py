"""Versioned prompt files -> chat messages.

A prompt lives in ``prompts/<task>/vN.toml`` with ``version``, ``system``, ``user`` (a
``string.Template`` with ``$article`` and, optionally, ``$language``: the English name of the
article's language, or "unknown"; and ``$language_note``: the prompt's optional
``language_note``, a template of ``$language``, for an article in another language than
English, empty for an English one or one of unknown language), ``input`` (``text``: the
article as read; ``body``: its prose without menus, headers, captions and repeats, see
``pipeline.reading.clean``; ``sentences``: the body's sentences numbered ``[1] ...``, see
``pipeline.reading.sentences``) and ``[[examples]]`` (an invented article and the answer the
model should give). Examples become user/assistant turns after the system message, and the
article comes last, so the fixed part of the prompt is one identical prefix that llama.cpp's
server keeps cached from one article to the next.

The shipped prompt does not name the language: two prompts that did (meeting-v6 with more
instructions and a Spanish example, and v5 with a one-line note for non-English articles)
scored 0.517 and 0.519 on the development set's non-English articles, against v5's 0.551.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from string import Template

from meetx.pipeline.errors import PromptError
from meetx.pipeline.reading import articles, clean, lang, sentences
from meetx.schemas.article import Article

INPUTS = ("text", "body", "sentences")
ENGLISH = "en"
_NO_NOTE = Template("")
_VERSION_FILE = re.compile(r"^v(\d+)\.toml$")


@dataclass(frozen=True)
class Example:
    article: str
    answer: str


@dataclass(frozen=True)
class Prompt:
    version: str
    system: str
    user: Template
    examples: tuple[Example, ...]
    path: Path
    input: str = "text"
    language_note: Template = _NO_NOTE

    def render(self, article: Article) -> list[dict[str, str]]:
        """The messages for the whole article."""
        return self._messages(self._input(article), article)

    def render_chunks(self, article: Article, max_chars: int) -> list[list[dict[str, str]]]:
        """The messages for each piece of a long article (one piece for most articles)."""
        if self.input == "sentences":  # numbered across pieces: the numbers are the article's
            runs = sentences.pieces(sentences.numbered(article), max_chars)
            return [self._messages(sentences.render(run), article) for run in runs]
        pieces = clean.chunks(self._input(article), max_chars)
        return [self._messages(piece, article) for piece in pieces]

    @functools.cached_property
    def _prefix(self) -> tuple[tuple[str, str], ...]:
        """System message and examples, rendered once: the same for every article."""
        turns = [("system", self.system)]
        for example in self.examples:
            shown = articles.parse(example.article)
            turns.append(("user", self._user(self._input(shown), shown)))
            turns.append(("assistant", example.answer))
        return tuple(turns)

    def _messages(self, text: str, article: Article) -> list[dict[str, str]]:
        fixed = [{"role": role, "content": content} for role, content in self._prefix]
        return [*fixed, {"role": "user", "content": self._user(text, article)}]

    def _input(self, article: Article) -> str:
        if self.input == "sentences":
            return sentences.render(sentences.numbered(article))
        return clean.body(article) if self.input == "body" else article.text

    def _user(self, text: str, article: Article) -> str:
        # the article sits between <<< and >>>: it must not close the fence itself
        fenced = text.replace(">>>", "> > >")
        language = lang.name(article.lang)
        foreign = language is not None and article.lang != ENGLISH
        note = self.language_note.substitute(language=language) if foreign else ""
        return self.user.substitute(
            article=fenced, language=language or "unknown", language_note=note
        )


def available(prompts_dir: Path, task: str = "meeting") -> list[Path]:
    """Prompt files of ``task``, oldest version first."""
    files = [p for p in (prompts_dir / task).glob("v*.toml") if _VERSION_FILE.match(p.name)]
    return sorted(files, key=lambda p: int(_VERSION_FILE.match(p.name).group(1)))  # type: ignore[union-attr]


def load(prompts_dir: Path, version: str | None = None, task: str = "meeting") -> Prompt:
    """Load ``version`` (e.g. ``meeting-v1``), or the newest when None."""
    files = available(prompts_dir, task)
    if not files:
        raise PromptError(f"no prompt files in {prompts_dir / task}")
    if version is None:
        return _parse(files[-1])
    for path in files:
        prompt = _parse(path)
        if prompt.version == version:
            return prompt
    known = ", ".join(_parse(p).version for p in files)
    raise PromptError(f"no prompt version {version!r} (known: {known})")


def _parse(path: Path) -> Prompt:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        examples = tuple(Example(e["article"], e["answer"]) for e in data.get("examples", []))
        source = data.get("input", "text")
        if source not in INPUTS:
            raise PromptError(f"{path}: input must be one of {', '.join(INPUTS)}, not {source!r}")
        note = Template(data.get("language_note", ""))
        return Prompt(
            data["version"], data["system"], Template(data["user"]), examples, path, source, note
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise PromptError(f"cannot read prompt {path}: {exc}") from exc
