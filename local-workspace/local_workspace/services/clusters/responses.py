"""Clusters 2.0 (read-only here): the job clusters the workspace started, with their states."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from local_workspace.compute.cluster import ClusterManager
from local_workspace.http import Params, reply


class ClustersResponses:
    def __init__(self, clusters: ClusterManager):
        self.clusters = clusters

    def get(self, request: Request) -> Response:
        return reply(self.clusters.get(Params(request).str("cluster_id")))

    def list(self, request: Request) -> Response:
        found = self.clusters.list()
        return reply({"clusters": found} if found else {})
