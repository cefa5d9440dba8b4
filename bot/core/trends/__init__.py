"""Trend charts: what industry published on the lab's topics, week by week, and how much the
lab wrote about it (``data``: the counts, pure; ``chart``: the PNG; ``service``: both on the
store, for ``/scoop trends`` and ``scoopwatch trends``)."""
