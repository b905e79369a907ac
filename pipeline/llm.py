"""The one module that talks to ``openai`` and ``instructor``.

:func:`build_client` makes an instructor client for any OpenAI-compatible endpoint, over an
injectable httpx transport (the replay fixtures plug in there). :func:`extract` asks for an
:class:`~schemas.ArticleDraft` and returns it with the raw output, the tokens spent and the
attempts that failed.

Two kinds of retry, kept apart:

- *Validation* errors go back to the model (instructor's re-ask, ``settings.max_reasks``).
  If the model still fails, its last answer is parsed without the article-aware validators
  so that nothing is lost: the checks then flag it for review.
- *Transport* errors (connection resets, timeouts, 429, 5xx) are retried with tenacity:
  exponential backoff with jitter, or the server's ``Retry-After`` when it sends one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import instructor
import openai
from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException
from instructor.core.hooks import HookName
from pydantic import ValidationError
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from pipeline.config import Settings
from pipeline.errors import ExtractionError, ReplayMiss, TransportError
from schemas.draft import ArticleDraft
from schemas.record import Attempt, Usage

log = logging.getLogger(__name__)

Messages = list[dict[str, str]]
MAX_RETRY_AFTER_S = 120.0


@dataclass
class Completion:
    """What one article cost and gave."""

    draft: ArticleDraft
    raw_output: str
    usage: Usage
    calls: int
    failed_attempts: list[Attempt] = field(default_factory=list)
    validated: bool = True  # False: the draft failed validation after all re-asks


def build_client(
    settings: Settings, base_url: str, transport: httpx.BaseTransport | None = None
) -> instructor.Instructor:
    """An instructor client in JSON mode, with openai's own retries off (tenacity does them)."""
    http_client = httpx.Client(transport=transport, timeout=settings.timeout_s)
    key = settings.api_key.get_secret_value() if settings.api_key else "no-key"
    oai = openai.OpenAI(base_url=base_url, api_key=key, max_retries=0, http_client=http_client)
    return instructor.from_openai(oai, mode=instructor.Mode.JSON)


def _usage(raw: Any) -> Usage:
    if raw is None:
        return Usage()
    return Usage(
        prompt_tokens=getattr(raw, "prompt_tokens", 0) or 0,
        completion_tokens=getattr(raw, "completion_tokens", 0) or 0,
        total_tokens=getattr(raw, "total_tokens", 0) or 0,
    )


def _content(completion: Any) -> str | None:
    try:
        content = completion.choices[0].message.content
    except (AttributeError, IndexError):
        return None
    return content if isinstance(content, str) else None


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    while exc is not None:
        yield exc
        exc = exc.__cause__


def _raise_replay_miss(exc: BaseException) -> None:
    """A replay miss surfaces as itself, not as the connection error openai wraps it in."""
    for cause in _chain(exc):
        if isinstance(cause, ReplayMiss):
            raise cause


def is_transport_error(exc: BaseException) -> bool:
    """True for errors worth retrying: the request, not the answer, went wrong."""
    retryable = (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError)
    chain = list(_chain(exc))
    if any(isinstance(cause, ReplayMiss) for cause in chain):
        return False
    return any(isinstance(cause, retryable) for cause in chain)


def _retry_after(exc: BaseException | None) -> float | None:
    """Seconds from a ``Retry-After`` header (capped), if the error carries one."""
    for cause in _chain(exc):
        response = getattr(cause, "response", None)
        if isinstance(response, httpx.Response) and "retry-after" in response.headers:
            try:
                return min(max(float(response.headers["retry-after"]), 0.0), MAX_RETRY_AFTER_S)
            except ValueError:
                return None
    return None


class wait_retry_after:
    """Wait what the server's ``Retry-After`` says, else back off exponentially with jitter."""

    def __init__(self, fallback: Any = None) -> None:
        self.fallback = fallback or wait_exponential_jitter(multiplier=1, max=60, jitter=1)

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        told = _retry_after(exc)
        return told if told is not None else float(self.fallback(state))


class _Call:
    """One instructor call per try; instructor's hooks tell us every response and error.

    Counting at the hooks sees what a try's final result hides: the tokens, raw outputs and
    errors of re-asks that failed before one succeeded.
    """

    def __init__(self, client: instructor.Instructor, settings: Settings, kwargs: dict[str, Any]):
        self.client, self.settings, self.kwargs = client, settings, kwargs
        self.usage = Usage()
        self.calls = 0
        self.failed: list[Attempt] = []
        self._last_raw: str | None = None

    def _on_response(self, response: Any) -> None:
        self.calls += 1
        self.usage = self.usage + _usage(getattr(response, "usage", None))
        self._last_raw = _content(response)

    def _on_parse_error(self, error: Exception, *args: Any, **kwargs: Any) -> None:
        self.failed.append(
            Attempt(number=self.calls, error=str(error)[:2000], raw_output=self._last_raw)
        )

    def _on_error(self, error: Exception, *args: Any, **kwargs: Any) -> None:
        self.calls += 1
        self.failed.append(Attempt(number=self.calls, error=_describe(error)))

    def __call__(self) -> tuple[ArticleDraft, Any]:
        hooks: list[tuple[HookName, Callable[[Any], None]]] = [
            (HookName.COMPLETION_RESPONSE, self._on_response),
            (HookName.PARSE_ERROR, self._on_parse_error),
            (HookName.COMPLETION_ERROR, self._on_error),
        ]
        for name, handler in hooks:
            self.client.on(name, handler)
        try:
            result: tuple[ArticleDraft, Any] = self.client.chat.completions.create_with_completion(
                response_model=ArticleDraft, max_retries=self.settings.max_reasks, **self.kwargs
            )
            return result
        finally:
            for name, handler in hooks:
                self.client.off(name, handler)


def _describe(exc: BaseException) -> str:
    while exc.__cause__ is not None and not isinstance(exc, openai.OpenAIError):
        exc = exc.__cause__
    return f"{type(exc).__name__}: {exc}"[:500]


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    log.warning("transport error, retry %d: %s", state.attempt_number, error and _describe(error))


def _request(settings: Settings, messages: Messages) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "model": settings.model,
        "messages": messages,
        "temperature": settings.temperature,
        "max_tokens": settings.max_tokens,
    }
    if settings.constrain:
        schema = ArticleDraft.model_json_schema()
        kwargs["extra_body"] = {"response_format": {"type": "json_object", "schema": schema}}
    return kwargs


def extract(
    client: instructor.Instructor, settings: Settings, messages: Messages, article: str
) -> Completion:
    """Ask the model for the meetings of one article (``messages`` already rendered)."""
    call = _Call(
        client, settings, {**_request(settings, messages), "context": {"article": article}}
    )
    retrying = Retrying(
        retry=retry_if_exception(is_transport_error),
        wait=wait_retry_after(
            wait_exponential_jitter(
                multiplier=settings.retry_wait_s, max=60, jitter=settings.retry_wait_s
            )
        ),
        stop=stop_after_attempt(settings.max_transport_retries + 1),
        reraise=True,
        before_sleep=_log_retry,
    )
    try:
        draft, completion = retrying(call)
    except IncompleteOutputException as exc:
        cut = Attempt(number=call.calls, error="cut off at max_tokens", raw_output=call._last_raw)
        raise ExtractionError(
            f"the answer was cut off at the token limit ({settings.max_tokens})",
            attempts=[*call.failed, cut],
            usage=call.usage,
        ) from exc
    except InstructorRetryException as exc:
        _raise_replay_miss(exc)
        if is_transport_error(exc):
            raise TransportError(
                f"endpoint unreachable after {call.calls} attempts: {_describe(exc)}",
                attempts=call.failed,
                usage=call.usage,
            ) from exc
        return _salvage(call, exc)
    except openai.OpenAIError as exc:  # e.g. 400, 401, 404: retrying will not help
        _raise_replay_miss(exc)
        raise ExtractionError(_describe(exc), attempts=call.failed, usage=call.usage) from exc
    return Completion(
        draft=draft,
        raw_output=_content(completion) or "",
        usage=call.usage,
        calls=call.calls,
        failed_attempts=call.failed,
    )


def _salvage(call: _Call, exc: Exception) -> Completion:
    """Parse the last answer without the article-aware validators, or give up."""
    raw = call.failed[-1].raw_output if call.failed else None
    if raw is None:
        raise ExtractionError(_describe(exc), attempts=call.failed, usage=call.usage) from exc
    try:
        draft = ArticleDraft.model_validate_json(raw)
    except ValidationError as invalid:
        raise ExtractionError(
            f"no valid answer after {call.calls} attempts: {invalid.error_count()} errors",
            attempts=call.failed,
            usage=call.usage,
        ) from exc
    log.info("kept the last answer after %d attempts; checks will flag it", call.calls)
    return Completion(draft, raw, call.usage, call.calls, call.failed, validated=False)


def response_schema() -> dict[str, Any]:
    """The JSON Schema the model must fill (sent as a grammar to llama.cpp)."""
    return ArticleDraft.model_json_schema()
