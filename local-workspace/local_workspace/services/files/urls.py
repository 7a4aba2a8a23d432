"""Routes of the Files API."""

from local_workspace.http import Route
from local_workspace.services.files.responses import FilesResponses


def routes(api: FilesResponses) -> list[Route]:
    files, directories = "/api/2.0/fs/files/<path:path>", "/api/2.0/fs/directories/<path:path>"
    return [
        Route(("PUT",), files, api.upload),
        Route(("GET", "HEAD"), files, api.download),
        Route(("DELETE",), files, api.delete_file),
        Route(("PUT",), directories, api.create_directory),
        Route(("GET", "HEAD"), directories, api.list_directory),
        Route(("DELETE",), directories, api.delete_directory),
    ]
