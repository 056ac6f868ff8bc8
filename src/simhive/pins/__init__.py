"""Verification-code (PIN) extraction from SMS text: a pure, corpus-tested function."""

from simhive.pins._extract import PinCandidate, PinExplanation, explain_pin, extract_pin

__all__ = ["PinCandidate", "PinExplanation", "explain_pin", "extract_pin"]
