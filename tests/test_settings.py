import pytest

from bot.errors import ConfigError
from bot.settings import LLMBackend, load_settings


def test_defaults_need_no_configuration(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = load_settings()
    assert settings.database_url is None
    assert settings.llm_backend is LLMBackend.LOCAL
    assert settings.model_cache == settings.docbot_home / "models"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LOG_LEVEL", "chatty"),
        ("DATABASE_URL", "mysql://user:hunter2@db/x"),
        ("SLACK_API_URL", "ftp://slack.example"),
        ("LLM_BACKEND", "carrier-pigeon"),
        ("MAX_FILE_BYTES", "-5"),
    ],
)
def test_a_bad_value_names_its_variable(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as raised:
        load_settings()
    assert variable in str(raised.value)
    assert value not in str(raised.value), "the bad value itself may be a secret"


def test_secrets_never_show_in_the_settings_repr(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "signing-secret-value")
    settings = load_settings()
    assert settings.slack_bot_token.get_secret_value() == "xoxb-very-secret-token"
    assert "xoxb-very-secret-token" not in repr(settings)
    assert "signing-secret-value" not in str(settings)


def test_environment_is_read_when_loaded_not_at_import(monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "debug")
    assert load_settings().log_level == "DEBUG"
    monkeypatch.setenv("LOG_LEVEL", "warning")
    assert load_settings().log_level == "WARNING"


def test_a_dotenv_file_in_the_working_folder_is_read(monkeypatch, tmp_path):
    monkeypatch.delenv("SLACK_API_URL", raising=False)
    (tmp_path / ".env").write_text("SLACK_API_URL=http://127.0.0.1:9/api/\n")
    monkeypatch.chdir(tmp_path)
    assert load_settings().slack_api_url == "http://127.0.0.1:9/api/"


def test_admin_users_are_comma_separated_and_the_digest_channel_is_a_channel_id(monkeypatch):
    monkeypatch.setenv("ADMIN_USERS", "U0ADMIN1, U0ADMIN2,")
    monkeypatch.setenv("DIGEST_CHANNEL", "C0DIGEST")
    settings = load_settings()
    assert settings.admin_users == ["U0ADMIN1", "U0ADMIN2"] and settings.digest_channel == "C0DIGEST"
    monkeypatch.setenv("DIGEST_CHANNEL", "#general")
    with pytest.raises(ConfigError, match="DIGEST_CHANNEL"):
        load_settings()
