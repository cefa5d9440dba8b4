"""The composition root wires every source on one polite client: validators persisted in the
store, OAI-PMH recovery, arXiv HTML enrichment. No request is made."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.app import _sources, open_pipeline
from bot.config import load_config
from bot.sources.oai_client import OaiPmhClient
from bot.store.db import Database
from bot.store.stores import Stores
from bot.store.validators import ValidatorStore


def _config(tmp_path: Path, extra: str = "") -> object:
    toml = tmp_path / "scoopwatch.toml"
    toml.write_text('[http]\ncontact = "lab@example.org"\n'
                    '[arxiv]\ncategories = ["cs.LG"]\noai_url = "https://oai.example.org/oai"\n'
                    'extra_holidays = [2026-11-27]\n' + extra)
    return load_config(toml, env={})


async def test_sources_share_one_client_with_persistent_validators(tmp_path: Path) -> None:
    config = _config(tmp_path)
    async with await Database.open(tmp_path / "bot.db") as db:
        sources = _sources(config, Stores.on(db))
        try:
            assert isinstance(sources.client._store, ValidatorStore)
            assert isinstance(sources.oai, OaiPmhClient)
            assert sources.oai.base_url == "https://oai.example.org/oai"
            assert sources.fetcher._client is sources.client
            assert date(2026, 11, 27) in sources.fetcher._holidays
            wiring = sources.wiring()
            assert wiring["html_client"] is sources.client and wiring["oai"] is sources.oai
        finally:
            await sources.client.aclose()


async def test_open_pipeline_has_html_enrichment_and_recovery(tmp_path: Path) -> None:
    config = _config(tmp_path, '[openalex]\nenabled = false\n')
    async with open_pipeline(config, str(tmp_path / "bot.db")) as pipeline:
        assert pipeline.openalex is None
        assert pipeline.html_client is not None
        assert pipeline.recovery is not None and pipeline.recovery.sets == ["cs:cs:LG"]
