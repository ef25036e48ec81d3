"""Day sheets, the pilots' calendar feeds, flight applications (飞行计划申请) and "fly this sortie"."""
