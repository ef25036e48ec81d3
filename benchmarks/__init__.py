"""Speed measurements, run by hand (``python -m benchmarks.<name>``), never as unit tests."""
