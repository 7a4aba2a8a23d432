"""The Files API (/api/2.0/fs/files, /api/2.0/fs/directories) as `w.files` and the CLI's `fs` call it."""

from __future__ import annotations

from email.utils import formatdate

from werkzeug.wrappers import Request, Response

from local_workspace.http import Params, reply
from local_workspace.services.files.models import VolumeFiles
from local_workspace.services.unity_catalog.responses import page


def _file_headers(local) -> dict[str, str]:
    stat = local.stat()
    return {"Content-Length": str(stat.st_size), "Content-Type": "application/octet-stream",
            "Last-Modified": formatdate(stat.st_mtime, usegmt=True)}


class FilesResponses:
    def __init__(self, files: VolumeFiles):
        self.files = files

    def upload(self, request: Request, path: str) -> Response:
        # The body is the file itself, so the parameters come from the query string only.
        overwrite = request.args.get("overwrite", "false").lower() == "true"
        self.files.write("/" + path, request.stream, overwrite)
        return Response(status=204)

    def download(self, request: Request, path: str) -> Response:
        local = self.files.file("/" + path)
        headers = _file_headers(local)
        if request.method == "HEAD":
            return Response(status=200, headers=headers)
        return Response(local.open("rb"), headers=headers, direct_passthrough=True)

    def delete_file(self, request: Request, path: str) -> Response:
        self.files.delete_file("/" + path)
        return Response(status=204)

    def create_directory(self, request: Request, path: str) -> Response:
        self.files.mkdirs("/" + path)
        return Response(status=204)

    def list_directory(self, request: Request, path: str) -> Response:
        if request.method == "HEAD":
            self.files.directory("/" + path)
            return Response(status=200)
        params = Params(request)
        entries = self.files.list("/" + path)
        params.values.setdefault("max_results", params.values.get("page_size", 0))
        return page(entries, params, "contents")

    def delete_directory(self, request: Request, path: str) -> Response:
        self.files.delete_directory("/" + path)
        return Response(status=204)
