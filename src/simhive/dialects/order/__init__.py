"""The order API (002): `/api/makeorder` and its siblings in plain-text tokens, and the
rental contracts of `/api/rental/*` in JSON."""
