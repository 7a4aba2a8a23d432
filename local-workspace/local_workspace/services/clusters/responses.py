"""Clusters API 2.0 / 2.1: the job clusters runs start, and all-purpose clusters people and the API start."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from local_workspace.compute.all_purpose import AllPurposeClusters
from local_workspace.compute.cluster import ClusterManager
from local_workspace.http import Params, reply

# One machine: one node type, and the runtimes this workspace answers for (all run the local Python).
NODE_TYPE = {"node_type_id": "local", "instance_type_id": "local", "memory_mb": 4096, "num_cores": 2.0,
             "description": "This machine", "category": "General Purpose", "is_deprecated": False}
SPARK_VERSIONS = [{"key": key, "name": name} for key, name in (
    ("15.4.x-cpu-ml-scala2.12", "15.4 LTS ML (includes Apache Spark 3.5.0, Scala 2.12)"),
    ("14.3.x-cpu-ml-scala2.12", "14.3 LTS ML (includes Apache Spark 3.5.0, Scala 2.12)"),
    ("13.3.x-cpu-ml-scala2.12", "13.3 LTS ML (includes Apache Spark 3.4.1, Scala 2.12)"),
    ("12.2.x-cpu-ml-scala2.12", "12.2 LTS ML (includes Apache Spark 3.3.2, Scala 2.12)"))]


class ClustersResponses:
    def __init__(self, clusters: ClusterManager, all_purpose: AllPurposeClusters):
        self.clusters, self.all_purpose = clusters, all_purpose

    def get(self, request: Request) -> Response:
        return reply(self.clusters.get(Params(request).str("cluster_id")))

    def list(self, request: Request) -> Response:
        found = self.clusters.list()
        return reply({"clusters": found} if found else {})

    def create(self, request: Request) -> Response:
        params = Params(request)
        return reply({"cluster_id": self.all_purpose.create(params.values, source="API")})

    def edit(self, request: Request) -> Response:
        params = Params(request)
        self.all_purpose.edit(params.str("cluster_id"), params.values)
        return reply({})

    def start(self, request: Request) -> Response:
        self.all_purpose.start(Params(request).str("cluster_id"))
        return reply({})

    def restart(self, request: Request) -> Response:
        self.all_purpose.restart(Params(request).str("cluster_id"))
        return reply({})

    def delete(self, request: Request) -> Response:
        self.all_purpose.delete(Params(request).str("cluster_id"))
        return reply({})

    def permanent_delete(self, request: Request) -> Response:
        self.all_purpose.permanent_delete(Params(request).str("cluster_id"))
        return reply({})

    def events(self, request: Request) -> Response:
        params = Params(request)
        found = self.clusters.events(params.str("cluster_id"))
        kinds = params.get("event_types", None)
        if kinds:
            found = [e for e in found if e["type"] in kinds]
        if params.get("order", "DESC") == "ASC":
            found.reverse()
        offset, limit = params.int("offset", 0, minimum=0), params.int("limit", 50, minimum=1)
        page = found[offset:offset + limit]
        body = {"events": page, "total_count": len(found)}
        if offset + limit < len(found):
            body["next_page"] = {**params.values, "offset": offset + limit, "limit": limit}
        return reply(body)

    def list_node_types(self, request: Request) -> Response:
        return reply({"node_types": [NODE_TYPE]})

    def spark_versions(self, request: Request) -> Response:
        return reply({"versions": SPARK_VERSIONS})
