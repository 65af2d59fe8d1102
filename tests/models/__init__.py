"""Tests of the generated models and their building blocks."""
