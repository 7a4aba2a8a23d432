"""Embedded Sail: a Spark Connect server in this process, on a free loopback port."""

from __future__ import annotations

import atexit
import os

from telco_churn.engine import CONNECT_CLIENT_CONF, Engine


def start_sail() -> Engine:
    # Sail logs every session at INFO, and a harmless task abort at WARN on every stop,
    # through Rust's logger; keep job output readable (set RUST_LOG to see them).
    os.environ.setdefault("RUST_LOG", "error")
    from pysail.spark import SparkConnectServer
    from pyspark.sql import SparkSession

    server = SparkConnectServer(ip="127.0.0.1", port=0)
    server.start(background=True)
    _, port = server.listening_address
    # create(), not getOrCreate(): a second runtime in this process must not reuse the first one's session.
    spark = SparkSession.builder.remote(f"sc://127.0.0.1:{port}").config(map=CONNECT_CLIENT_CONF).create()

    def stop() -> None:
        # Client first: a client left open retries its server for about 30 s at exit.
        try:
            spark.stop()
        finally:
            server.stop()

    engine = Engine(kind="sail", spark=spark, _stop=stop)
    atexit.register(engine.stop)
    return engine
