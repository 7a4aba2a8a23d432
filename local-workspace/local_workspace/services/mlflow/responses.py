"""The Databricks-only registry endpoints that MLflow clients call with a `databricks` registry:
listing a model version's artifacts and signed download URLs for them."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from werkzeug.wrappers import Request, Response

from local_workspace import signing
from local_workspace.errors import InvalidParameterValue, ResourceDoesNotExist
from local_workspace.http import Params, reply
from local_workspace.services.mlflow.models import MlflowServer

SIGNED_URL_SECONDS = 900


class MlflowResponses:
    def __init__(self, server: MlflowServer, dbfs_root: Path, secret: bytes, base_url: Callable[[], str]):
        self.server, self.dbfs_root, self.secret, self.base_url = server, dbfs_root, secret, base_url

    def list_artifacts(self, request: Request) -> Response:
        params = Params(request)
        path = params.str("path", "").strip("/")
        _, local = self.server.model_version_files(params.str("name"), str(params.get("version")), path)
        if not local.exists():
            return reply({"files": []})
        if local.is_file():
            return reply({"files": [{"path": path, "is_dir": False, "file_size": local.stat().st_size}]})
        files = [{"path": f"{path}/{child.name}".lstrip("/"), "is_dir": child.is_dir(),
                  **({} if child.is_dir() else {"file_size": child.stat().st_size})} for child in sorted(local.iterdir())]
        return reply({"files": files})

    def signed_download_uri(self, request: Request) -> Response:
        params = Params(request)
        path = params.str("path", "").strip("/")
        _, local = self.server.model_version_files(params.str("name"), str(params.get("version")), path)
        if not local.is_file():
            raise ResourceDoesNotExist(f"No artifact file at '{path}'")
        relative = local.relative_to(self.dbfs_root.resolve()).as_posix()
        expires = int(time.time()) + SIGNED_URL_SECONDS
        token = signing.sign(self.secret, relative, expires)
        return reply({"signed_uri": f"{self.base_url()}/signed-download/{expires}/{token}/{relative}", "headers": []})

    def signed_download(self, request: Request, expires: int, token: str, path: str) -> Response:
        """A presigned URL: no token header, the signature and its expiry are the credential."""
        signing.check(self.secret, path, expires, token)
        local = self.server.dbfs_file("/" + path)
        if not local.is_file():
            raise ResourceDoesNotExist("No such file")
        if request.headers.get("Range"):
            raise InvalidParameterValue("Range requests are not supported")
        return Response(local.open("rb"), mimetype="application/octet-stream", direct_passthrough=True)
