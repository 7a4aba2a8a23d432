"""The Compute page: the workspace's clusters with their states, and Start, Restart and Terminate
for all-purpose ones. The buttons call the same code as the Clusters API."""

from __future__ import annotations

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from local_workspace.compute.all_purpose import AllPurposeClusters
from local_workspace.ui.render import Renderer

STATE_CLASSES = {"RUNNING": "state-running", "PENDING": "state-pending", "RESTARTING": "state-pending",
                 "TERMINATING": "state-pending",
                 "TERMINATED": "state-skipped", "ERROR": "state-failed"}


class ComputePages:
    def __init__(self, all_purpose: AllPurposeClusters, renderer: Renderer):
        self.all_purpose, self.render = all_purpose, renderer

    def compute(self, request: Request, csrf: str) -> Response:
        clusters = self.all_purpose.manager.list()
        interactive = [c for c in clusters if c["cluster_source"] != "JOB"]
        jobs = [c for c in clusters if c["cluster_source"] == "JOB"][:20]
        active = any(c["state"] in ("PENDING", "RESTARTING", "TERMINATING") for c in clusters)
        return self.render.page("compute.html", csrf, interactive=interactive, job_clusters=jobs,
                                classes=STATE_CLASSES, refresh=active, selected=request.args.get("cluster"))

    def start(self, request: Request, csrf: str, cluster_id: str) -> Response:
        self.all_purpose.start(cluster_id)
        return redirect(f"/compute?cluster={cluster_id}", 303)

    def restart(self, request: Request, csrf: str, cluster_id: str) -> Response:
        self.all_purpose.restart(cluster_id)
        return redirect(f"/compute?cluster={cluster_id}", 303)

    def terminate(self, request: Request, csrf: str, cluster_id: str) -> Response:
        self.all_purpose.delete(cluster_id)
        return redirect(f"/compute?cluster={cluster_id}", 303)
