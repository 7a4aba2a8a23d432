"""Routes of the Command Execution service (API 1.2)."""

from local_workspace.http import Route
from local_workspace.services.commands.responses import CommandsResponses


def routes(api: CommandsResponses) -> list[Route]:
    return [
        Route(("POST",), "/api/1.2/contexts/create", api.create_context),
        Route(("GET",), "/api/1.2/contexts/status", api.context_status),
        Route(("POST",), "/api/1.2/contexts/destroy", api.destroy_context),
        Route(("POST",), "/api/1.2/commands/execute", api.execute),
        Route(("GET",), "/api/1.2/commands/status", api.command_status),
        Route(("POST",), "/api/1.2/commands/cancel", api.cancel),
    ]
