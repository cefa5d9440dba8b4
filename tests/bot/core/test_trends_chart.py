"""The trend chart comes out as a valid PNG of the promised size, drawn without a display; a
missing matplotlib becomes one sentence saying what to install."""

from __future__ import annotations

import io
import struct
import sys
import zlib
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.trends.chart import (
    HEIGHT_PX,
    INSTALL_HINT,
    WIDTH_PX,
    ChartsUnavailable,
    charts_available,
    render_png,
)
from bot.core.trends.data import build_trend, window_for
from tests.bot.core.test_trends_data import Row

TODAY = date(2026, 11, 30)


def ihdr(png: bytes) -> tuple[int, int]:
    """Width and height from the PNG signature and its first chunk, IHDR (CRC checked)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", png[8:16])
    assert kind == b"IHDR" and length == 13
    (crc,) = struct.unpack(">I", png[16 + length:20 + length])
    assert crc == zlib.crc32(png[12:16 + length])
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def a_trend(companies: int = 8, weeks: int = 26) -> object:
    names = [f"Company {chr(65 + i)}" for i in range(companies)]
    rows = [Row(f"{n}-{w}-{k}", window_for(TODAY, weeks).mondays[w], n)
            for w in range(weeks) for k, n in enumerate(names) if (w + k) % 3]
    notes = [datetime(2026, 11, 24, 9, tzinfo=UTC)] * 3
    return build_trend("Industry papers on diffusion-planning", window_for(TODAY, weeks),
                       rows, notes, ZoneInfo("Europe/Berlin"))


@pytest.mark.parametrize(("companies", "weeks"), [(8, 26), (1, 1), (0, 4), (3, 104)])
def test_a_valid_png_of_the_expected_size(companies: int, weeks: int) -> None:
    png = render_png(a_trend(companies, weeks))  # type: ignore[arg-type]
    assert ihdr(png) == (WIDTH_PX, HEIGHT_PX) == (1200, 1050)
    from matplotlib.image import imread

    pixels = imread(io.BytesIO(png), format="png")
    assert pixels.shape[:2] == (HEIGHT_PX, WIDTH_PX)
    assert pixels.std() > 0.05  # something was drawn


def test_no_display_is_touched(monkeypatch: pytest.MonkeyPatch) -> None:
    """Drawing needs neither pyplot nor a display (the Agg canvas only)."""
    monkeypatch.setenv("DISPLAY", ":99")  # a display that does not exist
    monkeypatch.setenv("MPLBACKEND", "TkAgg")
    render_png(a_trend())  # type: ignore[arg-type]
    assert "matplotlib.pyplot" not in sys.modules or sys.modules["matplotlib.pyplot"] is None


def test_without_matplotlib_one_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert not charts_available()
    with pytest.raises(ChartsUnavailable) as caught:
        render_png(a_trend())  # type: ignore[arg-type]
    assert str(caught.value) == INSTALL_HINT
    assert INSTALL_HINT == ("Trend charts need matplotlib, which is not installed: install "
                            "scoopwatch[charts] (pip install 'scoopwatch[charts]').")
