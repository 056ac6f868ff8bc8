"""Operator use cases, shared by the CLI and the admin API: one transaction each.

One module per domain, each with its read model (`AccountInfo`, `ServiceInfo`, ...);
the rules they apply live in core.
"""
