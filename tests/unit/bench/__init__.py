"""Tests of the benchmark suite runner (bench/)."""
