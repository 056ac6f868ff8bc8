"""The REST dialect (`/v1`): 003's CPaaS API, HTTP Basic with access tokens, JSON answers."""
