"""One JSON value per line over a socket: what the workspace and a command context say to each other.

It imports nothing of the workspace: compute/context_main.py runs it with the cluster's Python
(as a file beside it), the workspace as `local_workspace.compute.json_lines`.
"""

import json


def send_line(conn, value) -> None:
    conn.sendall(json.dumps(value).encode() + b"\n")


def read_line(conn):
    """The next line's JSON value; None if the other end closed first."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    return json.loads(data)
