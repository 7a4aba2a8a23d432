"""DBFS 2.0 over HTTP, and the raw `/dbfs/<path>` file endpoint MLflow's DBFS artifact store uses."""

from __future__ import annotations

import base64

from werkzeug.wrappers import Request, Response

from local_workspace.errors import InvalidParameterValue, MaxBlockSizeExceeded
from local_workspace.http import Params, b64_field, reply
from local_workspace.services.dbfs.models import MAX_BLOCK, Dbfs


class DbfsResponses:
    def __init__(self, dbfs: Dbfs):
        self.dbfs = dbfs

    def get_status(self, request: Request) -> Response:
        return reply(self.dbfs.get_status(Params(request).str("path")).to_dict())

    def list(self, request: Request) -> Response:
        files = self.dbfs.list(Params(request).str("path"))
        return reply({"files": [f.to_dict() for f in files]} if files else {})

    def mkdirs(self, request: Request) -> Response:
        self.dbfs.mkdirs(Params(request).str("path"))
        return reply()

    def delete(self, request: Request) -> Response:
        params = Params(request)
        self.dbfs.delete(params.str("path"), params.bool("recursive", False))
        return reply()

    def move(self, request: Request) -> Response:
        params = Params(request)
        self.dbfs.move(params.str("source_path"), params.str("destination_path"))
        return reply()

    def put(self, request: Request) -> Response:
        if request.mimetype == "multipart/form-data":
            path = request.form.get("path")
            overwrite = str(request.form.get("overwrite", "false")).lower() == "true"
            # The file part's name varies by client (`contents`; the legacy CLI sends `file`).
            upload = request.files.get("contents") or next(iter(request.files.values()), None)
            data = upload.read() if upload is not None else b64_field(request.form.get("contents", ""), "contents")
            if not path:
                raise InvalidParameterValue("Missing required field: path")
        else:
            params = Params(request)
            path, overwrite = params.str("path"), params.bool("overwrite", False)
            data = b64_field(params.get("contents", ""), "contents")
            if len(data) > MAX_BLOCK:
                raise MaxBlockSizeExceeded("put with inline contents takes at most 1 MB; use create/add-block/close")
        self.dbfs.put(path, data, overwrite)
        return reply()

    def create(self, request: Request) -> Response:
        params = Params(request)
        return reply({"handle": self.dbfs.create(params.str("path"), params.bool("overwrite", False))})

    def add_block(self, request: Request) -> Response:
        params = Params(request)
        self.dbfs.add_block(params.int("handle"), b64_field(params.get("data"), "data"))
        return reply()

    def close(self, request: Request) -> Response:
        self.dbfs.close(Params(request).int("handle"))
        return reply()

    def read(self, request: Request) -> Response:
        params = Params(request)
        data = self.dbfs.read(params.str("path"), params.int("offset", 0, minimum=0),
                              params.int("length", MAX_BLOCK, minimum=0))
        return reply({"bytes_read": len(data), "data": base64.b64encode(data).decode("ascii")})

    # The raw file endpoint: POST writes (replaces) the whole body, GET streams the file back.
    def raw_write(self, request: Request, path: str) -> Response:
        self.dbfs.put("/" + path, request.get_data(), overwrite=True)
        return reply()

    def raw_read(self, request: Request, path: str) -> Response:
        info = self.dbfs.get_status("/" + path)
        if info.is_dir:
            raise InvalidParameterValue(f"Cannot download a directory: {info.path}")
        handle = self.dbfs.local(info.path).open("rb")
        return Response(handle, mimetype="application/octet-stream", direct_passthrough=True)
