"""A cluster's driver: a Spark Connect server (Sail) on a free loopback port, until SIGTERM.

Run with the cluster's own Python, as a file: it imports nothing of the workspace.
    python cluster_main.py PORT_FILE
"""

import importlib
import os
import signal
import sys
import threading

# Sail runs Python UDFs inside this process. Importing the runtime's heavy libraries once, in
# the background while the first task starts, spares the first UDF of every task (scoring a
# model, say) seconds of imports, as a warm Databricks driver would.
WARM_MODULES = ("pandas", "pyarrow", "numpy", "sklearn.ensemble", "mlflow.pyfunc")


def _warm_up() -> None:
    for name in WARM_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a runtime without one of them still serves its tasks
            pass


def main() -> None:
    port_file = sys.argv[1]
    os.environ.setdefault("RUST_LOG", "error")
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
    threading.Thread(target=_warm_up, name="warm-up", daemon=True).start()
    stop.wait()
    server.stop()


if __name__ == "__main__":
    main()
