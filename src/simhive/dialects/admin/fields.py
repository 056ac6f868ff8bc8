"""Field types for the admin API's bodies: bounded text without NUL, as the columns hold.

The rules behind them live in core and the operations; these bounds answer a clear 422
before a value reaches them, and document the limits in the OpenAPI schema.
"""

from typing import Annotated

from pydantic import AfterValidator, StringConstraints


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Username = Annotated[str, StringConstraints(min_length=1, max_length=64), AfterValidator(_no_nul)]
Email = Annotated[str, StringConstraints(min_length=3, max_length=254), AfterValidator(_no_nul)]
Password = Annotated[str, StringConstraints(min_length=8, max_length=1024)]
Url = Annotated[str, StringConstraints(max_length=2048), AfterValidator(_no_nul)]
Memo = Annotated[str, StringConstraints(max_length=255), AfterValidator(_no_nul)]
Short = Annotated[str, StringConstraints(max_length=16), AfterValidator(_no_nul)]
Mdn = Annotated[str, StringConstraints(min_length=1, max_length=32), AfterValidator(_no_nul)]
Sender = Annotated[str, StringConstraints(min_length=1, max_length=64), AfterValidator(_no_nul)]
SmsText = Annotated[str, StringConstraints(max_length=10_000), AfterValidator(_no_nul)]
# An account named by its username or its email.
AccountName = Annotated[
    str, StringConstraints(min_length=1, max_length=254), AfterValidator(_no_nul)
]
