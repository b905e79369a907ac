"""The one module that talks to ``instructor`` (and to ``openai``, but for ``batch_api``).

:func:`build_async_client` makes an instructor client for any OpenAI-compatible endpoint, over
an injectable httpx transport (the replay fixtures plug in there). :func:`aextract` asks for an
:class:`~schemas.ArticleDraft` and returns it with the raw output, the tokens spent and the
attempts that failed. It is the one way to ask (the batch engine, ``pipeline.batch.engine``, and the
tests alike); each call registers its own instructor hooks, so concurrent calls on one client
never count each other's tokens.

Two kinds of retry, kept apart:

- *Validation* errors go back to the model (instructor's re-ask, ``settings.max_reasks``).
  If the model still fails, its last answer is parsed without the article-aware validators
  so that nothing is lost: the checks then flag it for review.
- *Transport* errors (connection resets, timeouts, 429, 5xx) are retried with tenacity:
  exponential backoff with jitter, or the server's ``Retry-After`` when it sends one.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import instructor
import openai
from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException
from instructor.core.hooks import HookName, Hooks
from pydantic import ValidationError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from meetx.pipeline.config import Settings
from meetx.pipeline.errors import ExtractionError, MeetxError, TransportError
from meetx.pipeline.model.answer import CheckedArticle, plain
from meetx.schemas.draft import ArticleDraft
from meetx.schemas.record import Attempt, Usage

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


def _key(settings: Settings) -> str:
    return settings.api_key.get_secret_value() if settings.api_key else "no-key"


def build_async_client(
    settings: Settings,
    base_url: str,
    transport: httpx.AsyncBaseTransport | None = None,
    connections: int = 100,
) -> instructor.AsyncInstructor:
    """An instructor client in JSON mode, pooling up to ``connections`` connections, with
    openai's own retries off (tenacity does them)."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    timeout = settings.answer_timeout_s
    http_client = httpx.AsyncClient(transport=transport, timeout=timeout, limits=limits)
    oai = openai.AsyncOpenAI(
        base_url=base_url, api_key=_key(settings), max_retries=0, http_client=http_client
    )
    return instructor.from_openai(oai, mode=instructor.Mode.JSON)


async def aclose(client: instructor.AsyncInstructor) -> None:
    """Close the connections of a client made by :func:`build_async_client`."""
    if isinstance(client.client, openai.AsyncOpenAI):
        await client.client.close()


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


def _refusal(completion: Any) -> str | None:
    """What a model that declines to answer says instead (OpenAI's ``message.refusal``)."""
    try:
        refusal = completion.choices[0].message.refusal
    except (AttributeError, IndexError):
        return None
    return refusal if isinstance(refusal, str) and refusal else None


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    while exc is not None:
        yield exc
        exc = exc.__cause__


def _own_error(exc: BaseException) -> MeetxError | None:
    """The error a transport of meetx raised on purpose (a replay miss, a dead embedded
    server), under the connection error openai wraps it in."""
    for cause in _chain(exc):
        if isinstance(cause, MeetxError) and not isinstance(cause, ExtractionError):
            return cause
    return None


def _raise_own_error(exc: BaseException) -> None:
    """Such an error surfaces as itself: it ends the run, not just this article."""
    own = _own_error(exc)
    if own is not None:
        raise own


def is_transport_error(exc: BaseException) -> bool:
    """True for errors worth retrying: the request, not the answer, went wrong."""
    retryable = (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError)
    chain = list(_chain(exc))
    if _own_error(exc) is not None:
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


def backoff(first_s: float, max_s: float = 60.0) -> Any:
    """Exponential backoff from ``first_s`` (doubling, capped) plus up to ``first_s`` of jitter.

    Composed from tenacity's ``wait_exponential`` and ``wait_random``, which every tenacity 9
    has (``wait_exponential_jitter`` renamed its arguments in 9.2).
    """
    return wait_exponential(multiplier=first_s, max=max_s) + wait_random(0, first_s)


class wait_retry_after:
    """Wait what the server's ``Retry-After`` says, else back off exponentially with jitter."""

    def __init__(self, fallback: Any = None) -> None:
        self.fallback = fallback or backoff(1.0)

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        told = _retry_after(exc)
        return told if told is not None else float(self.fallback(state))


class _Call:
    """One instructor call per try; instructor's hooks tell us every response and error.

    Counting at the hooks sees what a try's final result hides: the tokens, raw outputs and
    errors of re-asks that failed before one succeeded. The hooks are this call's own (not the
    client's), so calls running at the same time on one client are counted apart.
    """

    def __init__(self, settings: Settings, kwargs: dict[str, Any]):
        self.settings, self.kwargs = settings, kwargs
        self.usage = Usage()
        self.calls = 0
        self.failed: list[Attempt] = []
        self.refusal: str | None = None
        self._last_raw: str | None = None
        self.hooks = Hooks()
        self.hooks.on(HookName.COMPLETION_RESPONSE, self._on_response)
        self.hooks.on(HookName.PARSE_ERROR, self._on_parse_error)
        self.hooks.on(HookName.COMPLETION_ERROR, self._on_error)

    def _on_response(self, response: Any) -> None:
        self.calls += 1
        self.usage = self.usage + _usage(getattr(response, "usage", None))
        self._last_raw = _content(response)
        refusal = _refusal(response)
        if refusal is not None:
            self.refusal = refusal
            self._last_raw = self._last_raw or f"(refused) {refusal}"

    def _on_parse_error(self, error: Exception, *args: Any, **kwargs: Any) -> None:
        self.failed.append(
            Attempt(number=self.calls, error=str(error)[:2000], raw_output=self._last_raw)
        )

    def _on_error(self, error: Exception, *args: Any, **kwargs: Any) -> None:
        self.calls += 1
        self.failed.append(Attempt(number=self.calls, error=_describe(error)))

    def _arguments(self) -> dict[str, Any]:
        return {
            "response_model": _Draft,
            "max_retries": self.settings.max_reasks,
            "hooks": self.hooks,
            **self.kwargs,
        }

    async def run_async(self, client: instructor.AsyncInstructor) -> tuple[ArticleDraft, Any]:
        result: tuple[ArticleDraft, Any] = await client.chat.completions.create_with_completion(
            **self._arguments()
        )
        return result


def _describe(exc: BaseException) -> str:
    """The openai error in the chain, and for a connection error what the transport said
    ("Connection error." alone does not tell a reset from a refused connection)."""
    while exc.__cause__ is not None and not isinstance(exc, openai.OpenAIError):
        exc = exc.__cause__
    text = f"{type(exc).__name__}: {exc}"
    cause = exc.__cause__
    if isinstance(exc, openai.APIConnectionError) and isinstance(cause, httpx.TransportError):
        text += f" ({type(cause).__name__}: {cause})"
    return text[:500]


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    # INFO: a large run retries often; the summary counts them, -v shows each
    log.info("transport error, retry %d: %s", state.attempt_number, error and _describe(error))


@functools.cache
def _schema_json() -> str:
    return json.dumps(ArticleDraft.model_json_schema())


def _schema(cls: type[ArticleDraft], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The draft's JSON Schema, computed once: instructor asks for it on every call."""
    if args or kwargs:
        return ArticleDraft.model_json_schema(*args, **kwargs)
    schema: dict[str, Any] = json.loads(_schema_json())
    return schema


# What instructor is given: ArticleDraft with its article check (``answer``), under its own
# name (validation errors, and so the re-asks, name it), with the schema cached.
_Draft: type[ArticleDraft] = type(
    "ArticleDraft",
    (CheckedArticle,),
    {"__module__": __name__, "model_json_schema": classmethod(_schema)},
)


def _as_templates(messages: Messages) -> tuple[Messages, dict[str, str]]:
    """Messages that instructor's templating leaves as they are.

    Given a validation context, instructor renders every message as a Jinja template with it:
    an article holding ``{{`` or ``{%`` (wiki markup, code, an injection attempt) would be
    rendered or fail. Each message goes in as a variable instead, which renders to itself.
    """
    values = {f"meetx_message_{i}": m["content"] for i, m in enumerate(messages)}
    templates = [
        {**m, "content": "{{ meetx_message_" + str(i) + " }}"} for i, m in enumerate(messages)
    ]
    return templates, values


def _request(settings: Settings, messages: Messages, article: str) -> dict[str, Any]:
    templates, values = _as_templates(messages)
    kwargs: dict[str, Any] = {
        "model": settings.model,
        "messages": templates,
        "temperature": settings.temperature,
        "max_tokens": settings.max_tokens,
        "context": {"article": article, **values},
    }
    if settings.constrain:
        schema = _schema(ArticleDraft)
        kwargs["extra_body"] = {"response_format": {"type": "json_object", "schema": schema}}
    return kwargs


def _worth_retrying(settings: Settings) -> Callable[[BaseException], bool]:
    """Transport errors, except a timeout of the embedded model: its one slot is still busy
    with the abandoned request, so a new one would only queue behind it."""

    def retry(exc: BaseException) -> bool:
        timed_out = any(isinstance(c, openai.APITimeoutError) for c in _chain(exc))
        return is_transport_error(exc) and not (timed_out and settings.embedded)

    return retry


def _retrying(settings: Settings) -> dict[str, Any]:
    return {
        "retry": retry_if_exception(_worth_retrying(settings)),
        "wait": wait_retry_after(backoff(settings.retry_wait_s)),
        "stop": stop_after_attempt(settings.max_transport_retries + 1),
        "reraise": True,
        "before_sleep": _log_retry,
    }


async def aextract(
    client: instructor.AsyncInstructor, settings: Settings, messages: Messages, article: str
) -> Completion:
    """Ask the model for the meetings of one article (``messages`` already rendered)."""
    call = _Call(settings, _request(settings, messages, article))
    try:
        retrying = AsyncRetrying(**_retrying(settings))
        result: tuple[ArticleDraft, Any] = await retrying(call.run_async, client)
        draft, completion = result
    except Exception as exc:
        return _failed(call, exc)
    return _completed(call, draft, completion)


AsyncExtractor = Callable[[Messages, str], Awaitable[Completion]]


def _completed(call: _Call, draft: ArticleDraft, completion: Any) -> Completion:
    # instructor answers with an instance of a class it made from _Draft: a plain
    # ArticleDraft (same fields, already validated) can be pickled and compared.
    return Completion(
        draft=plain(draft),
        raw_output=_content(completion) or "",
        usage=call.usage,
        calls=call.calls,
        failed_attempts=call.failed,
    )


def _failed(call: _Call, exc: Exception) -> Completion:
    """Turn what a call raised into an :class:`ExtractionError`, or salvage the last answer."""
    settings = call.settings
    if isinstance(exc, IncompleteOutputException):
        cut = Attempt(number=call.calls, error="cut off at max_tokens", raw_output=call._last_raw)
        raise ExtractionError(
            f"the answer was cut off at the token limit ({settings.max_tokens})",
            attempts=[*call.failed, cut],
            usage=call.usage,
        ) from exc
    if isinstance(exc, InstructorRetryException):
        _raise_own_error(exc)
        if is_transport_error(exc):
            raise TransportError(
                f"endpoint unreachable after {call.calls} attempts: {_describe(exc)}",
                attempts=call.failed,
                usage=call.usage,
            ) from exc
        if call.refusal is not None:
            message = f"the model refused: {call.refusal}"[:500]
            raise ExtractionError(message, attempts=call.failed, usage=call.usage) from exc
        return _salvage(call, exc)
    if isinstance(exc, openai.OpenAIError):  # e.g. 400, 401, 404: retrying will not help
        _raise_own_error(exc)
        raise ExtractionError(_describe(exc), attempts=call.failed, usage=call.usage) from exc
    raise exc


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
