"""The REST dialect (003, `/v1/...`): JSON over HTTP Basic."""
