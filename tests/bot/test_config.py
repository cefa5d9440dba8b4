"""Configuration loading: file precedence, validation messages, secrets and their masking.

Every test passes an explicit ``env`` mapping and ``cwd`` so the real environment and working
directory never leak in (the one test of the ``os.environ`` default uses monkeypatch).
"""

from __future__ import annotations

import tempfile
from datetime import date, time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.config import build_config, load_config
from bot.config_models import KNOWN_KEYS, Config
from bot.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parents[2]

BOT_TOKEN = "xoxb-1111111111-2222222222222-AbCdEfGhIjKlMnOpQrStUvWx"
APP_TOKEN = "xapp-1-A0123456789-1234567890123-0123456789abcdef0123456789abcdef"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
DISCORD_TOKEN = "MTA4NzY1NDMyMTA5ODc2NTQzMg.GhIjKl.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
OPENALEX_KEY = "oa-key-0123456789abcdef0123"
ALL_SECRETS = (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET, DISCORD_TOKEN, OPENALEX_KEY)

# For hypothesis tests, which cannot use the function-scoped tmp_path fixture.
EMPTY_DIR = Path(tempfile.mkdtemp(prefix="scoopwatch-config-test-"))
NO_DIR = Path("/nonexistent-scoopwatch-test-dir")


def write(directory: Path, text: str, name: str = "scoopwatch.toml") -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def load_text(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> Config:
    """Load ``text`` as ./scoopwatch.toml of ``tmp_path``."""
    write(tmp_path, text)
    return load_config(env=env or {}, cwd=tmp_path)


def config_error(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        load_text(tmp_path, text, env)
    return str(info.value)


# --- defaults and precedence ----------------------------------------------------------------


def test_defaults_without_any_file(tmp_path: Path) -> None:
    config = load_config(env={}, cwd=tmp_path)

    assert config.source is None
    assert config == Config()
    assert config.storage.db_path == Path("scoopwatch.db")
    assert config.bot.timezone == "UTC"
    assert config.arxiv.categories == ("cs.LG", "cs.CL", "cs.AI", "cs.CV", "stat.ML")
    assert config.arxiv.fetch_time == time(20, 30)
    assert config.arxiv.holidays is None
    assert config.openalex.retry_days == 5
    assert config.digest.default_days == ("mon", "tue", "wed", "thu", "fri")
    assert config.digest.default_time == time(9, 0)
    assert (config.digest.max_papers, config.digest.mode) == (10, "industry-only")
    assert config.enabled("console")
    assert not config.enabled("slack")
    assert not config.enabled("discord")


def test_precedence_explicit_then_env_then_cwd_then_defaults(tmp_path: Path) -> None:
    explicit = write(tmp_path, "[digest]\nmax_papers = 1\n", "explicit.toml")
    from_env = write(tmp_path, "[digest]\nmax_papers = 2\n", "from-env.toml")
    write(tmp_path, "[digest]\nmax_papers = 3\n")
    env = {"SCOOPWATCH_CONFIG": str(from_env)}

    assert load_config(explicit, env=env, cwd=tmp_path).digest.max_papers == 1
    assert load_config(env=env, cwd=tmp_path).digest.max_papers == 2
    assert load_config(env={}, cwd=tmp_path).digest.max_papers == 3
    (tmp_path / "scoopwatch.toml").unlink()
    assert load_config(env={}, cwd=tmp_path).digest.max_papers == 10


def test_source_is_the_file_used(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    assert load_config(env={}, cwd=tmp_path).source == path
    assert load_config("scoopwatch.toml", env={}, cwd=tmp_path).source == path


def test_relative_paths_resolve_against_cwd(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    write(tmp_path / "conf", "[digest]\nmax_papers = 7\n", "bot.toml")
    env = {"SCOOPWATCH_CONFIG": "conf/bot.toml"}
    assert load_config(env=env, cwd=tmp_path).digest.max_papers == 7
    assert load_config("conf/bot.toml", env={}, cwd=tmp_path).digest.max_papers == 7


def test_process_cwd_and_environ_are_the_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SCOOPWATCH_CONFIG", raising=False)
    write(tmp_path, "[digest]\nmax_papers = 4\n")
    config = load_config()
    assert config.source == Path("scoopwatch.toml")
    assert config.digest.max_papers == 4

    write(tmp_path, "[digest]\nmax_papers = 5\n", "other.toml")
    monkeypatch.setenv("SCOOPWATCH_CONFIG", "other.toml")
    assert load_config().digest.max_papers == 5


def test_empty_config_env_var_counts_as_unset(tmp_path: Path) -> None:
    assert load_config(env={"SCOOPWATCH_CONFIG": " "}, cwd=tmp_path).source is None


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"nope\.toml: config file not found \(named by --config\)"
    ):
        load_config(tmp_path / "nope.toml", env={}, cwd=tmp_path)


def test_missing_env_file_is_an_error_naming_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"not found.*SCOOPWATCH_CONFIG"):
        load_config(env={"SCOOPWATCH_CONFIG": "missing.toml"}, cwd=tmp_path)


def test_directory_as_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory"):
        load_config(tmp_path, env={}, cwd=tmp_path)


def test_example_config_loads_and_equals_defaults(tmp_path: Path) -> None:
    example = REPO_ROOT / "config.example.toml"
    config = load_config(example, env={}, cwd=tmp_path)
    defaults = load_config(env={}, cwd=tmp_path)

    assert config.source == example
    assert config.model_dump(exclude={"source"}) == defaults.model_dump(exclude={"source"})


def test_example_documents_every_key() -> None:
    text = (REPO_ROOT / "config.example.toml").read_text(encoding="utf-8")
    for table, keys in KNOWN_KEYS.items():
        if not table:
            continue  # the top-level keys are the tables themselves
        assert f"[{table}]" in text or f"[[{table}]]" in text, table
        for key in keys:
            assert f"{key} =" in text, f"{table}.{key} is not documented"


# --- validation messages --------------------------------------------------------------------


def test_message_names_file_key_and_expectation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, '[digest]\ndefault_time = "9am"\n')
    with pytest.raises(ConfigError) as info:
        load_config(env={})
    assert (
        str(info.value) == 'scoopwatch.toml: digest.default_time: expected HH:MM (24h), got "9am"'
    )


def test_unknown_key_names_file_and_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "[slack]\ntokne = 1\n")
    with pytest.raises(ConfigError) as info:
        load_config(env={})
    assert str(info.value) == "scoopwatch.toml: slack.tokne: unknown key"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[slak]\nmode = 'socket'\n", 'slak: unknown key (did you mean "slack"?)'),
        (
            "[slack]\nbot_tokn_file = 'x'\n",
            'slack.bot_tokn_file: unknown key (did you mean "bot_token_file"?)',
        ),
        ("name = 'x'\n", "name: unknown key"),
        (
            "[[industry.extra_labs]]\ncompany = 'X'\naliases = ['X']\nalias = 'Y'\n",
            'industry.extra_labs[0].alias: unknown key (did you mean "aliases"?)',
        ),
    ],
)
def test_unknown_keys(tmp_path: Path, text: str, expected: str) -> None:
    message = config_error(tmp_path, text)
    assert message == f"{tmp_path / 'scoopwatch.toml'}: {expected}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[digest]\nmax_papers = '10'", 'digest.max_papers: expected an integer, got "10"'),
        ("[digest]\nmax_papers = 0", "digest.max_papers: expected an integer from 1 to 50, got 0"),
        (
            "[digest]\nmax_papers = 51",
            "digest.max_papers: expected an integer from 1 to 50, got 51",
        ),
        ("[digest]\nmax_papers = 2.5", "digest.max_papers: expected an integer, got 2.5"),
        ("[digest]\nmax_papers = true", "digest.max_papers: expected an integer, got true"),
        (
            "[digest]\nmode = 'some'",
            'digest.mode: expected "industry-only" or "all-papers", got "some"',
        ),
        (
            "[digest]\ndefault_time = '24:00'",
            'digest.default_time: expected HH:MM (24h), got "24:00"',
        ),
        (
            "[digest]\ndefault_days = 'mon,funday'",
            'digest.default_days: expected days like "mon,thu"',
        ),
        ("[digest]\ndefault_days = 'fri-mon'", 'digest.default_days: expected days like "mon,thu"'),
        ("[arxiv]\nfetch_time = 20", "arxiv.fetch_time: expected HH:MM (24h), got 20"),
        ("[arxiv]\ncategories = 'cs.LG'", 'arxiv.categories: expected a list, got "cs.LG"'),
        (
            "[arxiv]\ncategories = ['cs.LG', 'CS LG']",
            "arxiv.categories[1]: expected an arXiv category",
        ),
        ("[arxiv]\ncategories = []", "arxiv.categories: expected at least one entry, got []"),
        (
            "[arxiv]\nholidays = ['25/12/2026']",
            "arxiv.holidays[0]: expected a date like 2026-12-25",
        ),
        ("[arxiv]\nholidays = [2026-12-25T00:00:00]", "arxiv.holidays[0]: expected a date"),
        (
            "[arxiv]\nrss_url = 'rss.arxiv.org'",
            'arxiv.rss_url: expected an http(s) URL, got "rss.arxiv.org"',
        ),
        (
            "[http]\ntimeout_seconds = 0",
            "http.timeout_seconds: expected a number of seconds above 0",
        ),
        ("[http]\ntimeout_seconds = nan", "http.timeout_seconds: expected a number of seconds"),
        (
            "[digest]\nenrich_wait_seconds = 61",
            "digest.enrich_wait_seconds: expected a number of seconds from 0 to 60, got 61",
        ),
        ("[http]\ncontact = 'nobody'", 'http.contact: expected an e-mail address, got "nobody"'),
        ("[http]\nmax_retries = -1", "http.max_retries: expected an integer from 0 to 10, got -1"),
        ("[openalex]\nenabled = 'yes'", 'openalex.enabled: expected true or false, got "yes"'),
        ("[openalex]\nmailto = 'a@b'", 'openalex.mailto: expected an e-mail address, got "a@b"'),
        ("[bot]\nlog_level = 'loud'", "bot.log_level: expected one of DEBUG, INFO"),
        ("[bot]\nadmins = 'U1'", 'bot.admins: expected a list, got "U1"'),
        (
            "[bot]\nadmins = [true]",
            "bot.admins[0]: expected a member id (string or number), got true",
        ),
        (
            "[storage]\ndb_path = ''",
            'storage.db_path: expected a file path (a non-empty string), got ""',
        ),
        ("[slack]\nmode = 'rtm'", 'slack.mode: expected "socket" or "http", got "rtm"'),
        (
            "[slack]\nhttp_port = 70000",
            "slack.http_port: expected an integer from 1 to 65535, got 70000",
        ),
        ("[slack]\nhttp_path = 'events'", 'slack.http_path: expected a URL path starting with "/"'),
        (
            "[discord]\nguild_ids = [-1]",
            "discord.guild_ids[0]: expected a Discord id (a positive integer)",
        ),
        ("[console]\nmember = ' '", 'console.member: expected a non-empty string, got " "'),
        ("slack = 3", "slack: expected a table, got 3"),
        (
            "[industry]\nextra_labs = {company = 'X'}",
            "industry.extra_labs: expected a list, got a table",
        ),
    ],
)
def test_bad_values_name_key_and_expectation(tmp_path: Path, text: str, expected: str) -> None:
    message = config_error(tmp_path, text + "\n")
    assert message.startswith(f"{tmp_path / 'scoopwatch.toml'}: {expected}"), message


def test_every_problem_is_reported_one_per_line(tmp_path: Path) -> None:
    message = config_error(tmp_path, "[digest]\nmax_papers = 0\nmode = 'x'\n[bot]\nfoo = 1\n")
    lines = message.splitlines()
    assert len(lines) == 3
    assert all(line.startswith(str(tmp_path / "scoopwatch.toml") + ": ") for line in lines)


def test_values_are_normalised(tmp_path: Path) -> None:
    config = load_text(
        tmp_path,
        """
        [bot]
        admins = ["U123", 123456789012345678]
        log_level = "debug"
        [digest]
        default_days = ["Monday-wed", "fri"]
        default_time = 08:30:00
        [arxiv]
        categories = ["cs.LG", "hep-th", "cond-mat.mes-hall", "cs.LG"]
        holidays = [2026-12-25, "2026-12-31"]
        [discord]
        guild_ids = [123, "456"]
        """,
    )
    assert config.bot.admins == ("U123", "123456789012345678")
    assert config.bot.log_level == "DEBUG"
    assert config.digest.default_days == ("mon", "tue", "wed", "fri")
    assert config.digest.default_time == time(8, 30)
    assert config.arxiv.categories == ("cs.LG", "hep-th", "cond-mat.mes-hall")
    assert config.arxiv.holidays == (date(2026, 12, 25), date(2026, 12, 31))
    assert config.discord.guild_ids == (123, 456)


def test_toml_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    message = config_error(tmp_path, '[bot]\ntimezone = "UTC"\nlog_level INFO\n')
    assert message.startswith(f"{tmp_path / 'scoopwatch.toml'}: line 3, column 11: invalid TOML:")


def test_toml_error_at_end_of_document_still_has_a_position(tmp_path: Path) -> None:
    message = config_error(tmp_path, "[bot]\nadmins = [1,")
    assert ": line 2, column " in message
    assert "invalid TOML" in message


def test_absurdly_nested_toml_is_a_config_error(tmp_path: Path) -> None:
    message = config_error(tmp_path, "x = " + "[" * 5000 + "]" * 5000 + "\n")
    assert "nested too deeply" in message


def test_build_config_rejects_a_non_table() -> None:
    with pytest.raises(ConfigError, match=r"^built-in defaults: expected a table"):
        build_config([1, 2], env={})  # type: ignore[arg-type]


def test_non_utf8_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "scoopwatch.toml").write_bytes(b'[bot]\ntimezone = "\xff"\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(env={}, cwd=tmp_path)


def test_utf8_bom_is_tolerated(tmp_path: Path) -> None:
    (tmp_path / "scoopwatch.toml").write_bytes(b'\xef\xbb\xbf[bot]\ntimezone = "Europe/Berlin"\n')
    assert load_config(env={}, cwd=tmp_path).bot.timezone == "Europe/Berlin"


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/New_York", "Etc/GMT+5"])
def test_valid_timezones(tmp_path: Path, zone: str) -> None:
    config = load_text(tmp_path, f'[bot]\ntimezone = "{zone}"\n')
    assert config.bot.timezone == zone
    assert config.bot.tzinfo.key == zone


@pytest.mark.parametrize(
    "zone", ["Mars/Olympus", "utc", "America", "", "../etc/passwd", "/etc/localtime", "CET+1"]
)
def test_invalid_timezones(tmp_path: Path, zone: str) -> None:
    message = config_error(tmp_path, f'[bot]\ntimezone = "{zone}"\n')
    assert "bot.timezone: expected an IANA time zone" in message


@pytest.mark.parametrize(
    ("zone", "hint"),
    [("America/Argentina", "is a region, not a zone; name one zone in it, e.g. "
                           "America/Argentina/Buenos_Aires"),
     ("Etc", "is a region, not a zone"), ("America/Indiana", "America/Indiana/Indianapolis"),
     ("utc", "did you mean UTC?"), ("europe/berlin", "did you mean Europe/Berlin?"),
     ("Europe/Berln", "did you mean Europe/Berlin"), ("localtime", ""), ("Factory", ""),
     ("Asia/" + "k" * 300, "")],
)
def test_timezone_folders_and_near_misses_are_config_errors(
    tmp_path: Path, zone: str, hint: str
) -> None:
    """Folders of the zone tree and host-specific names are refused like any unknown name,
    with a suggestion when one is close; an overlong name is quoted short."""
    message = config_error(tmp_path, f'[bot]\ntimezone = "{zone}"\n')
    assert "bot.timezone: expected an IANA time zone" in message
    assert hint in message
    assert len(message) < 400


def test_config_is_frozen() -> None:
    config = Config()
    with pytest.raises(ValidationError):
        config.digest.max_papers = 3  # type: ignore[misc]


def test_with_db_path_overrides_only_the_database() -> None:
    config = Config()
    moved = config.with_db_path("/data/scoopwatch.db")
    assert moved.storage.db_path == Path("/data/scoopwatch.db")
    assert config.storage.db_path == Path("scoopwatch.db")
    assert moved.model_dump(exclude={"storage"}) == config.model_dump(exclude={"storage"})


# --- industry.extra_labs --------------------------------------------------------------------


def test_extra_labs_are_validated_and_normalised(tmp_path: Path) -> None:
    config = load_text(
        tmp_path,
        """
        [industry]
        ignore_labs = ["Meta"]
        [[industry.extra_labs]]
        company = " Example Corp "
        lab = "Example Research"
        aliases = ["ExampleAI"]
        email_domains = ["@Example.COM", "research.example.org"]
        openalex_ids = ["https://openalex.org/I4210090411", "i123"]
        ror_ids = ["https://ror.org/00NJSD438"]
        [[industry.extra_labs]]
        company = "Tiny Startup"
        email_domains = ["tiny.ai"]
        """,
    )
    first, second = config.industry.extra_labs
    assert first.company == "Example Corp"
    assert first.lab == "Example Research"
    assert first.email_domains == ("example.com", "research.example.org")
    assert first.openalex_ids == ("I4210090411", "I123")
    assert first.ror_ids == ("00njsd438",)
    assert (second.company, second.lab, second.aliases) == ("Tiny Startup", None, ())
    assert config.industry.ignore_labs == ("Meta",)


@pytest.mark.parametrize(
    ("lab", "expected"),
    [
        (
            "company = 'X'",
            "industry.extra_labs[0]: expected at least one of aliases, email_domains",
        ),
        ("aliases = ['X']", "industry.extra_labs[0].company: required key is missing"),
        (
            "company = ''\naliases = ['X']",
            "industry.extra_labs[0].company: expected a non-empty string",
        ),
        (
            "company = 'X'\nemail_domains = ['not a domain']",
            "industry.extra_labs[0].email_domains[0]",
        ),
        (
            "company = 'X'\nopenalex_ids = ['W123']",
            'expected an OpenAlex institution id like "I4210090411"',
        ),
        (
            "company = 'X'\nror_ids = ['bad']",
            "industry.extra_labs[0].ror_ids[0]: expected a ROR id",
        ),
        (
            "company = 'X'\naliases = ['']",
            "industry.extra_labs[0].aliases[0]: expected a non-empty string",
        ),
    ],
)
def test_extra_labs_errors(tmp_path: Path, lab: str, expected: str) -> None:
    message = config_error(tmp_path, f"[[industry.extra_labs]]\n{lab}\n")
    assert expected in message


# --- secrets --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "key", "env_name"),
    [
        ("slack", "bot_token", "SCOOPWATCH_SLACK_BOT_TOKEN"),
        ("slack", "app_token", "SCOOPWATCH_SLACK_APP_TOKEN"),
        ("slack", "signing_secret", "SCOOPWATCH_SLACK_SIGNING_SECRET"),
        ("discord", "token", "SCOOPWATCH_DISCORD_TOKEN"),
        ("openalex", "api_key", "SCOOPWATCH_OPENALEX_API_KEY"),
    ],
)
def test_secret_in_toml_is_refused(tmp_path: Path, section: str, key: str, env_name: str) -> None:
    message = config_error(tmp_path, f'[{section}]\n{key} = "s3cret-value-123"\n')
    assert f"{section}.{key}: secrets are not read from the config file" in message
    assert env_name in message
    assert f"{section}.{key}_file" in message
    assert "s3cret-value-123" not in message


def test_token_under_any_key_is_refused_and_not_echoed(tmp_path: Path) -> None:
    message = config_error(tmp_path, f'[slack]\ntoken = "{BOT_TOKEN}"\n')
    assert "slack.token: looks like a Slack token" in message
    assert BOT_TOKEN not in message
    message = config_error(tmp_path, f'[bot]\nadmins = ["{APP_TOKEN}"]\n')
    assert "bot.admins[0]: looks like a Slack token" in message
    assert APP_TOKEN not in message


def full_env() -> dict[str, str]:
    return {
        "SCOOPWATCH_SLACK_BOT_TOKEN": BOT_TOKEN,
        "SCOOPWATCH_SLACK_APP_TOKEN": APP_TOKEN,
        "SCOOPWATCH_SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SCOOPWATCH_DISCORD_TOKEN": DISCORD_TOKEN,
        "SCOOPWATCH_OPENALEX_API_KEY": OPENALEX_KEY,
    }


def test_secrets_from_scoopwatch_env_vars(tmp_path: Path) -> None:
    config = load_config(env=full_env(), cwd=tmp_path)
    secrets = config.secrets
    assert secrets.slack_bot_token and secrets.slack_bot_token.get() == BOT_TOKEN
    assert secrets.slack_app_token and secrets.slack_app_token.get() == APP_TOKEN
    assert secrets.slack_signing_secret and secrets.slack_signing_secret.get() == SIGNING_SECRET
    assert secrets.discord_token and secrets.discord_token.get() == DISCORD_TOKEN
    assert secrets.openalex_api_key and secrets.openalex_api_key.get() == OPENALEX_KEY
    assert secrets.slack_bot_token.origin == "SCOOPWATCH_SLACK_BOT_TOKEN"
    assert config.enabled("slack") and config.enabled("discord") and not config.enabled("console")


def test_secrets_from_conventional_env_vars(tmp_path: Path) -> None:
    env = {key.removeprefix("SCOOPWATCH_"): value for key, value in full_env().items()}
    config = load_config(env=env, cwd=tmp_path)
    assert config.secrets.slack_bot_token and config.secrets.slack_bot_token.get() == BOT_TOKEN
    assert config.secrets.slack_bot_token.origin == "SLACK_BOT_TOKEN"
    assert config.secrets.discord_token and config.secrets.discord_token.origin == "DISCORD_TOKEN"


def test_scoopwatch_env_var_beats_conventional_one(tmp_path: Path) -> None:
    other = "xoxb-9999999999-8888888888888-ZzZzZzZzZzZzZzZzZzZzZzZz"
    env = {
        "SCOOPWATCH_SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_BOT_TOKEN": other,
        "SLACK_APP_TOKEN": APP_TOKEN,
    }
    secret = load_config(env=env, cwd=tmp_path).secrets.slack_bot_token
    assert secret and secret.get() == BOT_TOKEN


def test_secrets_from_files_named_in_config(tmp_path: Path) -> None:
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir()
    (secrets_dir / "bot").write_text(BOT_TOKEN + "\n")
    (secrets_dir / "app").write_text(APP_TOKEN)
    (secrets_dir / "discord").write_text(DISCORD_TOKEN + "\r\n")
    (secrets_dir / "openalex").write_text(OPENALEX_KEY)
    config = load_text(
        tmp_path,
        f"""
        [slack]
        bot_token_file = "secrets/bot"              # relative to the config file
        app_token_file = "{secrets_dir / "app"}"
        [discord]
        token_file = "secrets/discord"
        [openalex]
        api_key_file = "secrets/openalex"
        """,
    )
    secrets = config.secrets
    assert secrets.slack_bot_token and secrets.slack_bot_token.get() == BOT_TOKEN
    assert secrets.slack_bot_token.origin == f"slack.bot_token_file {secrets_dir / 'bot'}"
    assert secrets.slack_app_token and secrets.slack_app_token.get() == APP_TOKEN
    assert secrets.discord_token and secrets.discord_token.get() == DISCORD_TOKEN
    assert secrets.openalex_api_key and secrets.openalex_api_key.get() == OPENALEX_KEY
    assert config.enabled("slack") and config.enabled("discord")


def test_secret_file_relative_to_config_file_not_cwd(tmp_path: Path) -> None:
    conf = tmp_path / "etc"
    conf.mkdir()
    (conf / "discord").write_text(DISCORD_TOKEN)
    path = write(conf, 'token_file = "discord"\n'.join(["[discord]\n", ""]))
    config = load_config(path, env={}, cwd=tmp_path)
    assert config.secrets.discord_token and config.secrets.discord_token.get() == DISCORD_TOKEN


def test_secrets_from_file_env_vars(tmp_path: Path) -> None:
    (tmp_path / "bot").write_text(BOT_TOKEN)
    (tmp_path / "app").write_text(APP_TOKEN)
    env = {"SCOOPWATCH_SLACK_BOT_TOKEN_FILE": str(tmp_path / "bot"), "SLACK_APP_TOKEN_FILE": "app"}
    config = load_config(env=env, cwd=tmp_path)
    assert config.secrets.slack_bot_token and config.secrets.slack_bot_token.get() == BOT_TOKEN
    assert config.secrets.slack_bot_token.origin.startswith("SCOOPWATCH_SLACK_BOT_TOKEN_FILE ")
    assert config.secrets.slack_app_token and config.secrets.slack_app_token.get() == APP_TOKEN


def test_secret_source_order(tmp_path: Path) -> None:
    """$SCOOPWATCH_X > $SCOOPWATCH_X_FILE > <key>_file in TOML > $X > $X_FILE."""
    names = ["env", "env_file", "toml_file", "fallback", "fallback_file"]
    tokens = {name: f"{name}-token-value-0123456789" for name in names}
    for name in names:
        (tmp_path / name).write_text(tokens[name])
    write(tmp_path, '[discord]\ntoken_file = "toml_file"\n')
    env = {
        "SCOOPWATCH_DISCORD_TOKEN": tokens["env"],
        "SCOOPWATCH_DISCORD_TOKEN_FILE": "env_file",
        "DISCORD_TOKEN": tokens["fallback"],
        "DISCORD_TOKEN_FILE": "fallback_file",
    }
    got = []
    for drop in [
        "SCOOPWATCH_DISCORD_TOKEN",
        "SCOOPWATCH_DISCORD_TOKEN_FILE",
        None,
        "DISCORD_TOKEN",
    ]:
        secret = load_config(env=env, cwd=tmp_path).secrets.discord_token
        assert secret is not None
        got.append(secret.get())
        if drop:
            del env[drop]
        else:
            write(tmp_path, "")
    secret = load_config(env=env, cwd=tmp_path).secrets.discord_token
    assert secret is not None
    got.append(secret.get())
    assert got == [tokens[name] for name in names]


def test_empty_secret_env_var_counts_as_unset(tmp_path: Path) -> None:
    config = load_config(
        env={"SCOOPWATCH_SLACK_BOT_TOKEN": "", "DISCORD_TOKEN": "  "}, cwd=tmp_path
    )
    assert config.secrets.slack_bot_token is None
    assert config.secrets.discord_token is None
    assert config.enabled("console")


def test_missing_secret_file_names_key_and_path(tmp_path: Path) -> None:
    message = config_error(tmp_path, '[slack]\nbot_token_file = "/run/secrets/slack_bot"\n')
    assert message == (
        f"{tmp_path / 'scoopwatch.toml'}: slack.bot_token_file: "
        "secret file not found: /run/secrets/slack_bot"
    )


def test_missing_secret_file_from_env_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^DISCORD_TOKEN_FILE: secret file not found: /nope$"):
        load_config(env={"DISCORD_TOKEN_FILE": "/nope"}, cwd=tmp_path)


def test_empty_secret_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "empty").write_text("\n")
    message = config_error(tmp_path, '[openalex]\napi_key_file = "empty"\n')
    assert "openalex.api_key_file: secret file" in message
    assert "is empty" in message


def test_secret_file_that_is_a_directory_is_an_error(tmp_path: Path) -> None:
    message = config_error(tmp_path, f'[openalex]\napi_key_file = "{tmp_path}"\n')
    assert "openalex.api_key_file: cannot read secret file" in message


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"SCOOPWATCH_SLACK_BOT_TOKEN": "xoxp-123456789012345678901234"},
            'SCOOPWATCH_SLACK_BOT_TOKEN: expected a Slack bot token starting with "xoxb-", '
            "got a user token (xoxp-…)",
        ),
        (
            {"SLACK_BOT_TOKEN": APP_TOKEN},
            'SLACK_BOT_TOKEN: expected a Slack bot token starting with "xoxb-", '
            "got an app-level token (xapp-…)",
        ),
        (
            {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": "hunter2hunter2hunter2"},
            'SLACK_APP_TOKEN: expected a Slack app-level token starting with "xapp-", '
            "got something else",
        ),
        (
            {"SCOOPWATCH_DISCORD_TOKEN": "Bot " + DISCORD_TOKEN},
            "SCOOPWATCH_DISCORD_TOKEN: expected a Discord bot token without spaces or line breaks",
        ),
    ],
)
def test_bad_secret_values(tmp_path: Path, env: dict[str, str], expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(env=env, cwd=tmp_path)
    assert str(info.value) == expected
    for value in env.values():
        assert value not in str(info.value)


def test_secret_path_that_is_a_token_is_not_echoed(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(env={"SCOOPWATCH_SLACK_BOT_TOKEN_FILE": BOT_TOKEN}, cwd=tmp_path)
    assert "not the secret" in str(info.value)
    assert BOT_TOKEN not in str(info.value)


# --- adapters --------------------------------------------------------------------------------


def test_slack_socket_mode_needs_app_token(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(env={"SLACK_BOT_TOKEN": BOT_TOKEN}, cwd=tmp_path)
    message = str(info.value)
    assert message.startswith("built-in defaults: slack.mode: Slack (socket mode) needs")
    assert "SCOOPWATCH_SLACK_APP_TOKEN" in message


def test_slack_http_mode_needs_signing_secret(tmp_path: Path) -> None:
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN}
    message = config_error(tmp_path, '[slack]\nmode = "http"\n', env)
    assert "slack.mode: Slack (http mode) needs a Slack signing secret" in message
    env["SLACK_SIGNING_SECRET"] = SIGNING_SECRET
    assert load_text(tmp_path, '[slack]\nmode = "http"\n', env).enabled("slack")


def test_slack_enabled_without_token_is_an_error(tmp_path: Path) -> None:
    message = config_error(tmp_path, "[slack]\nenabled = true\n")
    assert "slack.enabled: Slack (socket mode) needs a Slack bot token" in message


def test_adapters_can_be_switched_off_despite_tokens(tmp_path: Path) -> None:
    config = load_text(
        tmp_path, "[slack]\nenabled = false\n[discord]\nenabled = false\n", full_env()
    )
    assert not config.enabled("slack")
    assert not config.enabled("discord")
    assert config.enabled("console")


def test_discord_enabled_without_token_is_an_error(tmp_path: Path) -> None:
    message = config_error(tmp_path, "[discord]\nenabled = true\n")
    assert "discord.enabled: Discord needs a Discord bot token" in message


def test_discord_alone_turns_console_off_unless_asked(tmp_path: Path) -> None:
    env = {"DISCORD_TOKEN": DISCORD_TOKEN}
    config = load_config(env=env, cwd=tmp_path)
    assert (config.enabled("slack"), config.enabled("discord"), config.enabled("console")) == (
        False,
        True,
        False,
    )
    config = load_text(tmp_path, "[console]\nenabled = true\n", env)
    assert config.enabled("console") and config.enabled("discord")


# --- masking ---------------------------------------------------------------------------------


def test_masked_shows_hints_never_values(tmp_path: Path) -> None:
    config = load_config(env=full_env(), cwd=tmp_path)
    masked = config.masked()

    assert masked["slack"]["bot_token"] == "xoxb-…UvWx (from SCOOPWATCH_SLACK_BOT_TOKEN)"
    assert masked["slack"]["app_token"].startswith("xapp-…cdef (from ")
    assert masked["discord"]["token"] == "…6789 (from SCOOPWATCH_DISCORD_TOKEN)"
    assert masked["adapters"] == {"slack": True, "discord": True, "console": False}
    assert masked["source"] is None
    assert masked["digest"]["default_time"] == "09:00"
    for text in (str(masked), repr(config), str(config), str(config.secrets), repr(config.secrets)):
        for secret in ALL_SECRETS:
            assert secret not in text


def test_masked_without_secrets_says_not_set(tmp_path: Path) -> None:
    masked = load_config(env={}, cwd=tmp_path).masked()
    assert masked["slack"]["bot_token"] == "not set"
    assert masked["openalex"]["api_key"] == "not set"


def test_short_secrets_are_fully_hidden(tmp_path: Path) -> None:
    config = load_config(env={"OPENALEX_API_KEY": "abc123"}, cwd=tmp_path)
    assert config.masked()["openalex"]["api_key"] == "**** (from OPENALEX_API_KEY)"


@settings(max_examples=100, deadline=None)
@given(
    st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=12, max_size=80)
)
def test_masking_never_reveals_a_secret(tail: str) -> None:
    secret = "Zq7" + tail  # a distinctive start, so a hit in the output can only be a leak
    config = load_config(env={"SCOOPWATCH_OPENALEX_API_KEY": secret}, cwd=EMPTY_DIR)
    shown = str(config.masked()) + repr(config) + str(config)
    assert secret[:-4] not in shown
    assert config.secrets.openalex_api_key and config.secrets.openalex_api_key.get() == secret


# --- robustness --------------------------------------------------------------------------------

toml_scalars = (
    st.text(max_size=20)
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats()
    | st.booleans()
    | st.dates()
    | st.times()
    | st.datetimes()
    | st.sampled_from(["09:00", "mon-fri", "cs.LG", "UTC", "a@b.org", "https://x.org", "xoxb-1"])
)
toml_values = st.recursive(
    toml_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
known_keys = [
    *sorted({key for keys in KNOWN_KEYS.values() for key in keys}),
    *("bot_token", "token", "api_key", "tokne"),
]
sections = st.dictionaries(
    st.sampled_from(known_keys) | st.text(max_size=8), toml_values, max_size=6
)
documents = st.dictionaries(
    st.sampled_from(sorted(KNOWN_KEYS[""])) | st.text(max_size=8),
    sections | toml_values,
    max_size=6,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=documents)
def test_any_toml_data_gives_config_or_config_error(data: dict[str, Any]) -> None:
    try:
        config = build_config(data, source=NO_DIR / "scoopwatch.toml", env={}, cwd=NO_DIR)
    except ConfigError as exc:
        assert str(exc).startswith(str(NO_DIR / "scoopwatch.toml") + ": ")
    else:
        assert isinstance(config, Config)
        config.masked()
