"""The workspace database's connections: a request's thread reuses an idle one, never one in use."""

import threading

from local_workspace.store import Database


def _in_thread(work):
    done = []
    thread = threading.Thread(target=lambda: done.append(work()))
    thread.start()
    return thread, done


def test_threads_at_once_have_their_own_connections_and_a_later_thread_reuses_one(tmp_path):
    db = Database(tmp_path / "workspace.db")
    hold = threading.Event()
    both = threading.Barrier(3)

    def use():
        conn = db._connection()
        with db.transaction() as tx:
            tx.execute("INSERT INTO counters (name, value) VALUES (?, 1)", (threading.current_thread().name,))
        both.wait()
        hold.wait()
        return conn

    threads = [_in_thread(use) for _ in range(2)]
    both.wait()  # both threads hold their connections now
    hold.set()
    for thread, _ in threads:
        thread.join()
    first, second = (done[0] for _, done in threads)
    assert first is not second
    later, done = _in_thread(db._connection)
    later.join()
    assert done[0] in (first, second)  # an idle one, not a new connection
    assert len(db.query("SELECT * FROM counters")) == 2
    db.close()
