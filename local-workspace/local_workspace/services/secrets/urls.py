"""Routes of the Secrets service."""

from local_workspace.http import Route
from local_workspace.services.secrets.responses import SecretsResponses


def routes(api: SecretsResponses) -> list[Route]:
    return [
        Route(("POST",), "/api/2.0/secrets/scopes/create", api.create_scope),
        Route(("GET",), "/api/2.0/secrets/scopes/list", api.list_scopes),
        Route(("POST",), "/api/2.0/secrets/scopes/delete", api.delete_scope),
        Route(("POST",), "/api/2.0/secrets/put", api.put),
        Route(("GET",), "/api/2.0/secrets/list", api.list),
        Route(("GET",), "/api/2.0/secrets/get", api.get),
        Route(("POST",), "/api/2.0/secrets/delete", api.delete),
        Route(("POST",), "/api/2.0/secrets/acls/put", api.put_acl),
        Route(("GET",), "/api/2.0/secrets/acls/get", api.get_acl),
        Route(("GET",), "/api/2.0/secrets/acls/list", api.list_acls),
        Route(("POST",), "/api/2.0/secrets/acls/delete", api.delete_acl),
    ]
