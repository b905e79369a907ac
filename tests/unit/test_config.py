from pathlib import Path

import pytest

from meetx.pipeline.config import EMBEDDED_MODEL, Settings
from meetx.pipeline.errors import ConfigError


def test_defaults_mean_the_embedded_model():
    settings = Settings.from_env({"HOME": "/home/u"})
    assert settings.embedded and settings.constrain
    assert settings.model == EMBEDDED_MODEL
    assert settings.cache_dir == Path("/home/u/.cache/meetx")


def test_remote_endpoint_from_environment():
    env = {
        "OPENAI_BASE_URL": "http://localhost:11434/v1",
        "OPENAI_API_KEY": "sk-abc",
        "MEETX_MODEL": "llama3.2",
        "XDG_CACHE_HOME": "/c",
    }
    settings = Settings.from_env(env)
    assert not settings.embedded and not settings.constrain  # no grammar for unknown servers
    assert settings.model == "llama3.2" and settings.cache_dir == Path("/c/meetx")
    assert "sk-abc" not in repr(settings) and "sk-abc" not in settings.model_dump_json()


def test_flags_win_over_environment():
    settings = Settings.from_env({"MEETX_MODEL": "a"}, model="b", output_dir=None)
    assert settings.model == "b" and settings.output_dir == Path("output")


def test_constrain_can_be_forced_for_a_llamacpp_server():
    env = {"OPENAI_BASE_URL": "http://127.0.0.1:8080/v1", "MEETX_CONSTRAIN": "yes"}
    assert Settings.from_env(env).constrain


@pytest.mark.parametrize(
    ("env", "flags", "message"),
    [
        ({"MEETX_CONSTRAIN": "maybe"}, {}, "expected 1/0"),
        ({}, {"record_dir": Path("a"), "replay_dir": Path("b")}, "exclude each other"),
        ({"MEETX_THREADS": "0"}, {}, "threads"),
        ({"MEETX_SERVER_ARGS": "--flash_attn true --host 0.0.0.0"}, {}, "--host is set by meetx"),
        ({"MEETX_SERVER_ARGS": "--port=80"}, {}, "--port is set by meetx"),
    ],
)
def test_bad_settings_are_config_errors(env, flags, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env, **flags)


def test_settings_are_frozen():
    with pytest.raises(ValueError):
        Settings().model = "x"  # type: ignore[misc]


def test_a_ray_cluster_and_its_pool_come_from_the_environment_and_flags_win():
    env = {"MEETX_RAY": "auto", "MEETX_RAY_ACTORS": "6", "MEETX_RAY_ACTOR_CPUS": "2.5"}
    settings = Settings.from_env(env)
    assert (settings.ray_address, settings.ray_actors, settings.ray_actor_cpus) == ("auto", 6, 2.5)
    assert (
        Settings.from_env(env, ray_address="head.example:6379").ray_address == "head.example:6379"
    )
    assert Settings.from_env({}).ray_address is None  # the local engine by default
    with pytest.raises(ConfigError):
        Settings.from_env({"MEETX_RAY_ACTORS": "0"})


@pytest.mark.parametrize(
    ("env", "seconds"),
    [
        ({}, 600.0),  # the embedded model on a CPU
        ({"OPENAI_BASE_URL": "http://localhost:11434/v1"}, 300.0),  # a server on this machine
        ({"OPENAI_BASE_URL": "http://127.0.0.1:8080/v1"}, 300.0),
        ({"OPENAI_BASE_URL": "http://[::1]:8000/v1"}, 300.0),
        ({"OPENAI_BASE_URL": "https://api.openai.com/v1"}, 120.0),  # a hosted endpoint
        ({"OPENAI_BASE_URL": "http://10.0.0.7:8000/v1"}, 120.0),  # another machine
        ({"OPENAI_BASE_URL": "https://api.openai.com/v1", "MEETX_TIMEOUT_S": "45"}, 45.0),
        ({"MEETX_TIMEOUT_S": "900"}, 900.0),
    ],
)
def test_the_answer_timeout_depends_on_the_backend_unless_set(env, seconds):
    assert Settings.from_env(env).answer_timeout_s == seconds


def test_server_flags_are_split_as_a_shell_would():
    settings = Settings.from_env({"MEETX_SERVER_ARGS": "--flash_attn true  --n_batch '1024'"})
    assert settings.server_args == ("--flash_attn", "true", "--n_batch", "1024")
