"""Workspace 2.0 over HTTP."""

from __future__ import annotations

import base64

from werkzeug.wrappers import Request, Response

from local_workspace.errors import InvalidParameterValue
from local_workspace.http import Params, b64_field, reply
from local_workspace.services.workspace.models import LANGUAGES, WorkspaceTree, detect

EXPORT_FORMATS = ("SOURCE", "AUTO", "RAW")


class WorkspaceResponses:
    def __init__(self, tree: WorkspaceTree):
        self.tree = tree

    def get_status(self, request: Request) -> Response:
        return reply(self.tree.get_status(Params(request).str("path")).to_dict())

    def list(self, request: Request) -> Response:
        objects = self.tree.list(Params(request).str("path"))
        return reply({"objects": [o.to_dict() for o in objects]} if objects else {})

    def mkdirs(self, request: Request) -> Response:
        self.tree.mkdirs(Params(request).str("path"))
        return reply()

    def delete(self, request: Request) -> Response:
        params = Params(request)
        self.tree.delete(params.str("path"), params.bool("recursive", False))
        return reply()

    def import_(self, request: Request) -> Response:
        if request.mimetype == "multipart/form-data":
            form = request.form
            upload = request.files.get("content") or next(iter(request.files.values()), None)
            values = {k: form.get(k) for k in ("path", "format", "language", "overwrite")}
            content = upload.read() if upload is not None else b64_field(form.get("content", ""), "content")
            path = values["path"]
            if not path:
                raise InvalidParameterValue("Missing required field: path")
            fmt = (values["format"] or "SOURCE").upper()
            language = (values["language"] or "").upper() or None
            overwrite = str(values["overwrite"] or "false").lower() == "true"
        else:
            params = Params(request)
            path = params.str("path")
            fmt = params.str("format", "SOURCE").upper()
            language = (params.str("language", "") or "").upper() or None
            overwrite = params.bool("overwrite", False)
            content = b64_field(params.get("content", ""), "content")
        if language is not None and language not in LANGUAGES:
            raise InvalidParameterValue(f"Unknown language '{language}'; valid: {', '.join(LANGUAGES)}")
        object_type, language = detect(path, content, fmt, language)
        self.tree.write(path, content, object_type, language, overwrite)
        return reply()

    def export(self, request: Request) -> Response:
        params = Params(request)
        fmt = params.str("format", "SOURCE").upper()
        if fmt not in EXPORT_FORMATS:
            raise InvalidParameterValue(f"Unsupported export format '{fmt}': {', '.join(EXPORT_FORMATS)} are supported here")
        found, content = self.tree.read(params.str("path"))
        if params.bool("direct_download", False):
            return Response(content, mimetype="application/octet-stream")
        file_type = {"PYTHON": "py", "SQL": "sql", "SCALA": "scala", "R": "r"}.get(found.language or "", "")
        return reply({"content": base64.b64encode(content).decode("ascii"), "file_type": file_type})

