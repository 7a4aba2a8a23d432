"""Routes of the token management service."""

from local_workspace.http import Route
from local_workspace.services.token_management.responses import TokenManagementResponses


def routes(api: TokenManagementResponses) -> list[Route]:
    return [Route(("POST",), "/api/2.0/token-management/on-behalf-of/tokens", api.create_obo_token)]
