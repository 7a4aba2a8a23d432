"""Routes of the SCIM service."""

from local_workspace.http import Route
from local_workspace.services.scim.responses import ScimResponses

SERVICE_PRINCIPALS = "/api/2.0/preview/scim/v2/ServicePrincipals"


def routes(api: ScimResponses) -> list[Route]:
    return [
        Route(("GET",), "/api/2.0/preview/scim/v2/Me", api.me),
        Route(("POST",), SERVICE_PRINCIPALS, api.create_service_principal),
        Route(("GET",), SERVICE_PRINCIPALS, api.list_service_principals),
        Route(("GET",), SERVICE_PRINCIPALS + "/<principal_id>", api.get_service_principal),
        Route(("DELETE",), SERVICE_PRINCIPALS + "/<principal_id>", api.delete_service_principal),
    ]
