import asyncio
import json

import httpx
import pytest
from tenacity import RetryCallState

from meetx.pipeline.errors import ExtractionError, ReplayMiss, TransportError
from meetx.pipeline.model import llm
from tests.conftest import FakeEndpoint, bangkok_meeting, completion, ok, person

ARTICLE = "Foreign Minister Ann Lee met Thai Foreign Minister Somchai Wong in Bangkok on Monday."
MESSAGES = [{"role": "system", "content": "extract"}, {"role": "user", "content": ARTICLE}]


def answer(name: str | None = "Ann Lee") -> str:
    people = [
        person(name, "Foreign Minister", "Singapore"),
        person("Somchai Wong", "Foreign Minister", "Thailand"),
    ]
    meeting = bangkok_meeting(1, people, outcomes=[])
    return json.dumps({"meetings": [meeting]})


def run(endpoint: FakeEndpoint, settings, messages=MESSAGES, article=ARTICLE):
    """One call of ``llm.aextract`` over the fake endpoint, in an event loop of its own."""

    async def main():
        client = llm.build_async_client(settings, "http://fake.invalid/v1", endpoint.transport)
        try:
            return await llm.aextract(client, settings, messages, article)
        finally:
            await llm.aclose(client)

    return asyncio.run(main())


def test_a_valid_answer(settings):
    endpoint = FakeEndpoint([ok(answer())])
    result = run(endpoint, settings)
    assert result.validated and result.calls == 1
    assert result.draft.meetings[0].participants[0].name == "Ann Lee"
    assert result.usage.total_tokens == 20
    body = endpoint.bodies()[0]
    assert body["response_format"]["type"] == "json_object"
    assert body["response_format"]["schema"]["required"] == ["meetings"]  # the grammar


def test_remote_endpoints_get_no_grammar(settings):
    endpoint = FakeEndpoint([ok(answer())])
    run(endpoint, settings.model_copy(update={"constrain": False}))
    assert "schema" not in endpoint.bodies()[0]["response_format"]


def test_invented_name_is_sent_back_and_fixed(settings):
    endpoint = FakeEndpoint([ok(answer("Lee Hsien")), ok(answer(None))])
    result = run(endpoint, settings)
    assert result.validated and result.calls == 2
    assert result.draft.meetings[0].participants[0].name is None
    reask = endpoint.bodies()[1]["messages"][-1]["content"]
    assert "Lee Hsien" in reask and "does not occur in the article" in reask
    assert result.usage.total_tokens == 40  # both attempts counted
    assert "Lee Hsien" in (result.failed_attempts[0].raw_output or "")


def test_still_invalid_after_reasks_is_kept_for_review(settings):
    endpoint = FakeEndpoint([ok(answer("Lee Hsien")), ok(answer("Lee Hsien"))])
    result = run(endpoint, settings)
    assert not result.validated
    assert result.draft.meetings[0].participants[0].name == "Lee Hsien"
    assert len(result.failed_attempts) == 2


def test_garbage_is_an_extraction_error_with_attempts(settings):
    endpoint = FakeEndpoint([ok("not json"), ok('{"meetings": [{"oops": 1}]}')])
    with pytest.raises(ExtractionError) as info:
        run(endpoint, settings)
    assert [a.raw_output for a in info.value.attempts] == [
        "not json",
        '{"meetings": [{"oops": 1}]}',
    ]
    assert info.value.usage.total_tokens == 40


def test_cut_off_answer(settings):
    endpoint = FakeEndpoint([ok('{"meetings": [{"rep', finish_reason="length")])
    with pytest.raises(ExtractionError, match="cut off") as info:
        run(endpoint, settings)
    assert info.value.attempts[0].raw_output == '{"meetings": [{"rep'


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_transport_errors_are_retried(settings, status):
    endpoint = FakeEndpoint([httpx.Response(status, json={"error": "busy"}), ok(answer())])
    result = run(endpoint, settings)
    assert result.validated and len(endpoint.requests) == 2


def test_connection_reset_is_retried(settings):
    def reset(request):
        raise httpx.RemoteProtocolError("connection reset", request=request)

    endpoint = FakeEndpoint([reset, ok(answer())])
    assert run(endpoint, settings).validated


def test_transport_errors_give_up_after_the_limit(settings):
    endpoint = FakeEndpoint([httpx.Response(503, json={})] * 3)
    with pytest.raises(TransportError, match="after 3 attempts"):
        run(endpoint, settings)
    assert len(endpoint.requests) == 3  # 1 + max_transport_retries


def test_client_errors_are_not_retried(settings):
    endpoint = FakeEndpoint([httpx.Response(401, json={"error": {"message": "bad key"}})])
    with pytest.raises(ExtractionError, match="AuthenticationError"):
        run(endpoint, settings)
    assert len(endpoint.requests) == 1


def test_replay_miss_surfaces_as_itself(settings):
    def miss(request):
        raise ReplayMiss("no recorded exchange for POST /v1/chat/completions")

    with pytest.raises(ReplayMiss, match="no recorded exchange"):
        run(FakeEndpoint([miss]), settings)


def _state(exc: BaseException) -> RetryCallState:
    state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
    state.set_exception((type(exc), exc, None))
    state.attempt_number = 3
    return state


def _status_error(headers: dict[str, str]) -> Exception:
    import openai

    request = httpx.Request("POST", "http://x/v1/chat/completions")
    response = httpx.Response(429, headers=headers, request=request)
    return openai.RateLimitError("slow down", response=response, body=None)


def test_wait_uses_retry_after_else_the_fallback():
    wait = llm.wait_retry_after(fallback=lambda state: 1.5)
    assert wait(_state(_status_error({"retry-after": "7"}))) == 7.0
    assert wait(_state(_status_error({}))) == 1.5


def test_retry_after_is_read_and_capped():
    assert llm._retry_after(_status_error({"retry-after": "7"})) == 7.0
    assert llm._retry_after(_status_error({"retry-after": "99999"})) == llm.MAX_RETRY_AFTER_S
    assert llm._retry_after(_status_error({})) is None
    assert llm._retry_after(_status_error({"retry-after": "Wed, 21 Oct 2015"})) is None


def test_transport_errors_and_reasks_are_retried_and_counted(settings):
    endpoint = FakeEndpoint([httpx.Response(503, json={}), ok(answer("Lee Hsien")), ok(answer())])
    result = run(endpoint, settings)
    assert result.validated and result.calls == 3
    assert result.usage.total_tokens == 40  # the 503 had no tokens; both answers did
    assert result.failed_attempts[0].error.startswith("InternalServerError")


def test_gives_up_with_a_transport_error(settings):
    endpoint = FakeEndpoint([httpx.Response(429, json={})] * 3)
    with pytest.raises(TransportError, match="after 3 attempts"):
        run(endpoint, settings)


def test_concurrent_calls_on_one_client_are_counted_apart(settings):
    def reply(request: httpx.Request) -> httpx.Response:
        tokens = 5 if "first" in request.content.decode() else 50
        return ok(answer(), tokens=tokens)

    endpoint = FakeEndpoint([reply] * 2)

    async def main():
        client = llm.build_async_client(settings, "http://fake.invalid/v1", endpoint.transport)
        first = [{"role": "user", "content": "first " + ARTICLE}]
        second = [{"role": "user", "content": "second " + ARTICLE}]
        return await asyncio.gather(
            llm.aextract(client, settings, first, ARTICLE),
            llm.aextract(client, settings, second, ARTICLE),
        )

    a, b = asyncio.run(main())
    assert (a.usage.total_tokens, b.usage.total_tokens) == (10, 100)


def test_template_syntax_in_an_article_is_sent_verbatim(settings):
    text = ARTICLE + " {{ article }} {% if x %} {# note #}"
    endpoint = FakeEndpoint([ok(answer())])
    run(endpoint, settings, [{"role": "user", "content": text}], text)
    assert endpoint.bodies()[0]["messages"][-1]["content"] == text


def test_a_refusal_is_reported_as_such(settings):
    refusal = completion(None)  # type: ignore[arg-type]
    refusal["choices"][0]["message"]["refusal"] = "I can't help with that."
    endpoint = FakeEndpoint([httpx.Response(200, json=refusal)] * 2)
    with pytest.raises(ExtractionError, match="the model refused: I can't help") as info:
        run(endpoint, settings)
    assert info.value.attempts[-1].raw_output == "(refused) I can't help with that."


def test_backoff_grows_and_stays_within_its_jitter():
    wait = llm.backoff(1.0, max_s=60)
    waits = []
    for attempt in (1, 2, 3):
        state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
        state.attempt_number = attempt
        waits.append(wait(state))
    assert 1 <= waits[0] <= 2 and 2 <= waits[1] <= 3 and 4 <= waits[2] <= 5


def _time_out(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("timed out", request=request)


def test_a_timeout_is_retried_for_a_remote_endpoint_but_not_for_the_embedded_model(settings):
    remote = FakeEndpoint([_time_out] * 3)
    with pytest.raises(TransportError, match="after 3 attempts"):
        run(remote, settings.model_copy(update={"retry_wait_s": 0}))
    assert len(remote.requests) == 3
    embedded = FakeEndpoint([_time_out] * 3)  # its one slot is still busy with the request
    with pytest.raises(TransportError, match="APITimeoutError"):
        run(embedded, settings.model_copy(update={"base_url": None, "retry_wait_s": 0}))
    assert len(embedded.requests) == 1
