"""The ``[slack]`` table of scoopwatch.toml (its tokens come from the environment or files)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator

from bot.config_types import (
    FilePath,
    HttpUrl,
    NonEmptyStr,
    PlatformSection,
    in_range,
    url_path,
)


class SlackSection(PlatformSection):
    """``enabled`` unset: on when a bot token is found."""

    mode: Literal["socket", "http"] = "socket"
    api_url: HttpUrl = "https://slack.com/api/"
    http_host: NonEmptyStr = "0.0.0.0"
    http_port: Annotated[int, in_range(1, 65535)] = 3000
    http_path: Annotated[str, AfterValidator(url_path)] = "/slack/events"
    bot_token_file: FilePath | None = None
    app_token_file: FilePath | None = None
    signing_secret_file: FilePath | None = None
