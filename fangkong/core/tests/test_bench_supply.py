"""The write benchmarks' clients share their process's distinct bodies (bench/checkins.py).

A figure was lost to this: each client had its own bodies, the server served a few keep-alive
clients far more often than the rest, and those ran out of distinct check-ins while the others
had plenty; the paced load then skipped, for every client, the most any one client had sent.
"""

import importlib.util
import itertools
import sys
import threading
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "bench" / "checkins.py"


def _checkins():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_checkins_under_test", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _sequences(clients: int, each: int) -> list[list[bytes]]:
    return [[f"{c}-{k}".encode() for k in range(each)] for c in range(clients)]


def test_one_client_taking_everything_uses_every_clients_bodies_once():
    checkins = _checkins()
    sequences = _sequences(4, 5)
    supply = checkins._Supply([iter(s) for s in sequences])
    taken = list(supply)  # as one greedy client would
    assert sorted(taken) == sorted(itertools.chain.from_iterable(sequences))
    assert supply.taken == 20
    # Taken in turn: the first four are one from each client.
    assert taken[:4] == [b"0-0", b"1-0", b"2-0", b"3-0"]


def test_a_later_load_skips_exactly_what_the_earlier_one_took():
    checkins = _checkins()
    sequences = _sequences(3, 4)
    first = checkins._Supply([iter(s) for s in sequences])
    early = [next(first) for _ in range(7)]
    later = list(checkins._Supply([iter(s) for s in sequences], skip=first.taken))
    assert not set(early) & set(later)
    assert sorted(early + later) == sorted(itertools.chain.from_iterable(sequences))


def test_threads_never_get_the_same_body_twice():
    checkins = _checkins()
    sequences = _sequences(8, 200)
    supply = checkins._Supply([iter(s) for s in sequences])
    got: list[list[bytes]] = [[] for _ in range(8)]

    def drain(out: list[bytes]) -> None:
        out.extend(supply)

    threads = [threading.Thread(target=drain, args=(got[i],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = [body for part in got for body in part]
    assert len(everything) == len(set(everything)) == 1600
    assert supply.taken == 1600


def test_uneven_sequences_all_drain():
    checkins = _checkins()
    supply = checkins._Supply([iter([b"a"]), iter([b"b", b"c", b"d"]), iter([])])
    assert list(supply) == [b"a", b"b", b"c", b"d"]
