"""A cluster's driver: a Spark Connect server (Sail) on a free loopback port, until SIGTERM.

Run with the cluster's own Python, as a file: it imports nothing of the workspace.
    python cluster_main.py PORT_FILE
"""

import os
import signal
import sys
import threading

# No warm-up here: Sail runs Python UDFs in this process, and importing pandas, scikit-learn and
# MLflow ahead cost every cluster about 5 s of CPU for the few whose tasks use a UDF.


def main() -> None:
    port_file = sys.argv[1]
    os.environ.setdefault("RUST_LOG", "error")
    if "SAIL_CATALOG__LIST" in os.environ:
        # Sail 0.7.2's unity catalogs take DATABRICKS_HOST, when set, over their configured uri
        # (and drop its /api/2.1/unity-catalog path): the server gets its catalogs from
        # SAIL_CATALOG__LIST alone. The cluster's tasks keep both variables.
        os.environ.pop("DATABRICKS_HOST", None)
        os.environ.pop("DATABRICKS_TOKEN", None)
    from pysail.spark import SparkConnectServer

    server = SparkConnectServer(ip="127.0.0.1", port=0)
    server.start(background=True)
    _, port = server.listening_address
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    tmp = port_file + ".tmp"
    with open(tmp, "w") as handle:
        handle.write(str(port))
    os.replace(tmp, port_file)
    print(f"Spark Connect server listening on 127.0.0.1:{port}", flush=True)
    stop.wait()
    server.stop()


if __name__ == "__main__":
    main()
