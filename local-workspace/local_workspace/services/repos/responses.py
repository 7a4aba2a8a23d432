"""Repos 2.0 over HTTP."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from local_workspace.http import Params, reply
from local_workspace.services.repos.models import Repos


class ReposResponses:
    def __init__(self, repos: Repos):
        self.repos = repos

    def create(self, request: Request) -> Response:
        params = Params(request)
        if params.get("sparse_checkout", None):
            from local_workspace.errors import NotImplementedHere

            raise NotImplementedHere("sparse_checkout is not supported by this local workspace")
        return reply(self.repos.create(params.get("url"), params.get("provider"), params.get("path", None)))

    def get(self, request: Request, repo_id: str) -> Response:
        return reply(self.repos.get(repo_id))

    def list(self, request: Request) -> Response:
        params = Params(request)
        repos, token = self.repos.list(params.get("path_prefix", None), params.get("next_page_token", None))
        body: dict = {"repos": repos} if repos else {}
        if token:
            body["next_page_token"] = token
        return reply(body)

    def update(self, request: Request, repo_id: str) -> Response:
        params = Params(request)
        self.repos.update(repo_id, params.get("branch", None), params.get("tag", None))
        return reply()

    def delete(self, request: Request, repo_id: str) -> Response:
        self.repos.delete(repo_id)
        return reply()
