"""Admin API access: an admin token as a Bearer credential, holding the route's scope.

No `from __future__ import annotations` here: FastAPI reads these annotations at run time.
"""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from simhive.core.errors import AuthFailed, InvalidParameter
from simhive.db.uow import Database
from simhive.operations import operators
from simhive.operations.operators import Operator, Scope

Guard = Callable[[Scope], Callable[..., Operator]]

__all__ = ["Guard", "Operator", "Scope", "guard_for"]

PATH_LENGTH = 255


def plain_path(request: Request) -> None:
    """Refuse path values no column holds (NUL, or longer than any name)."""
    for name, value in request.path_params.items():
        if isinstance(value, str) and ("\x00" in value or len(value) > PATH_LENGTH):
            raise InvalidParameter(
                name,
                value.replace("\x00", "")[:64],
                f"{name} must be at most {PATH_LENGTH} characters, without NUL",
            )


def guard_for(db: Database) -> Guard:
    """`guard(scope)`: a dependency that answers the calling Operator, or 401 / 403."""
    bearer = HTTPBearer(
        auto_error=False,
        description="An admin token (`simhive admin-token create`); API keys are refused.",
    )

    def guard(scope: Scope) -> Callable[..., Operator]:
        def check(
            request: Request,
            credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
        ) -> Operator:
            if credentials is None:
                raise AuthFailed(
                    "an admin token is required: Authorization: Bearer <token> "
                    "(simhive admin-token create)"
                )
            operator = operators.authorize(db, secret=credentials.credentials, scope=scope)
            plain_path(request)
            return operator

        return check

    return guard
