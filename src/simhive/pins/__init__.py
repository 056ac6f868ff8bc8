"""Verification-code (PIN) extraction from SMS text: a pure, corpus-tested function."""

from simhive.pins._extract import extract_pin

__all__ = ["extract_pin"]
