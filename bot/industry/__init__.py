"""Industry-lab detection: a registry of labs and a pure detector that explains every flag."""

from bot.industry.detector import Flag, detect, detect_authors
from bot.industry.registry import Lab, Registry

__all__ = ["Flag", "Lab", "Registry", "detect", "detect_authors"]
