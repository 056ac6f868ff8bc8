"""Operators: the admin API's bearer tokens, each with its scopes."""
