"""Command Execution 1.2 over HTTP (camelCase fields, as the API has them)."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from local_workspace.http import Params, caller, reply
from local_workspace.services.commands.models import CommandExecution


class CommandsResponses:
    def __init__(self, commands: CommandExecution):
        self.commands = commands

    def create_context(self, request: Request) -> Response:
        """A context runs as whoever created it: a service principal's context calls the workspace
        (dbutils.secrets, MLflow) with that principal's token, as a notebook does with its user's."""
        params = Params(request)
        token = None if caller(request).is_admin else request.headers["Authorization"].partition(" ")[2].strip()
        return reply({"id": self.commands.create_context(params.str("clusterId"), params.str("language", "python"),
                                                         token)})

    def context_status(self, request: Request) -> Response:
        params = Params(request)
        return reply(self.commands.context_status(params.str("clusterId"), params.str("contextId")))

    def destroy_context(self, request: Request) -> Response:
        params = Params(request)
        context_id = params.str("contextId")
        self.commands.destroy_context(params.str("clusterId"), context_id)
        return reply({"id": context_id})

    def execute(self, request: Request) -> Response:
        params = Params(request)
        return reply({"id": self.commands.execute(params.str("clusterId"), params.str("contextId"),
                                                  params.str("language", None), params.str("command"))})

    def command_status(self, request: Request) -> Response:
        params = Params(request)
        return reply(self.commands.command_status(params.str("clusterId"), params.str("contextId"),
                                                  params.str("commandId")))

    def cancel(self, request: Request) -> Response:
        params = Params(request)
        command_id = params.str("commandId")
        self.commands.cancel(params.str("clusterId"), params.str("contextId"), command_id)
        return reply({"id": command_id})
