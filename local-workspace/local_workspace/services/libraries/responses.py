"""Libraries API 2.0: install, uninstall, cluster-status, all-cluster-statuses."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from local_workspace.compute.libraries import ClusterLibraries
from local_workspace.http import Params, reply


class LibrariesResponses:
    def __init__(self, libraries: ClusterLibraries):
        self.libraries = libraries

    def install(self, request: Request) -> Response:
        params = Params(request)
        self.libraries.install(params.str("cluster_id"), params.get("libraries"))
        return reply({})

    def uninstall(self, request: Request) -> Response:
        params = Params(request)
        self.libraries.uninstall(params.str("cluster_id"), params.get("libraries"))
        return reply({})

    def cluster_status(self, request: Request) -> Response:
        return reply(self.libraries.cluster_status(Params(request).str("cluster_id")))

    def all_cluster_statuses(self, request: Request) -> Response:
        return reply(self.libraries.all_statuses())
