"""Routes of the SCIM service."""

from local_workspace.http import Route
from local_workspace.services.scim.responses import ScimResponses


def routes(api: ScimResponses) -> list[Route]:
    return [Route(("GET",), "/api/2.0/preview/scim/v2/Me", api.me)]
