"""The fictitious sample county 示例县 (sample data only): generator, loader and sample files."""

from __future__ import annotations

from campus.sample.county import SampleCounty
from campus.sample.generator import generate_county

__all__ = ["SampleCounty", "generate_county"]
