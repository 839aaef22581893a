"""c104 (lib60870-C) ends of `cargo xtask bench loopback104`: values per second over 127.0.0.1.

server: a c104 server with one M_ME_NC_1 point (CA 1, IOA 1); once a client is in data
        transfer (or at once with --alone), sets the value and transmits it as spontaneous
        (cause 3, one value per ASDU) --values times as fast as the Python loop runs; prints
        {"sent": N, "send_seconds": S, "send_rate": R} and waits --linger seconds so the
        library can drain its queue before the process ends.
client: a c104 client that connects to --port, starts data transfer, counts the M_ME_NC_1
        values it receives (a Python callback per value) until --values arrived or nothing
        came for --idle seconds; prints {"received": N, "seconds": S, "rate": R} with S from
        the first value received to the last.

Only c104 2.2.1's public Python API is used; every figure is measured here, none assumed.
"""

import argparse
import json
import sys
import threading
import time

import c104

ap = argparse.ArgumentParser()
ap.add_argument("mode", choices=["server", "client"])
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--values", type=int, default=100_000)
ap.add_argument("--alone", action="store_true", help="server: send without waiting for a client")
ap.add_argument("--idle", type=float, default=3.0)
ap.add_argument("--linger", type=float, default=5.0)
ap.add_argument("--k", type=int, default=12)
ap.add_argument("--w", type=int, default=8)
args = ap.parse_args()

CA = 1


def out(**kv):
    print(json.dumps(kv), flush=True)


def wait_for(pred, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.01)
    return pred()


def server():
    srv = c104.Server(ip="127.0.0.1", port=args.port, tick_rate_ms=100)
    srv.protocol_parameters.send_window_size = args.k
    srv.protocol_parameters.receive_window_size = args.w
    station = srv.add_station(common_address=CA)
    point = station.add_point(io_address=1, type=c104.Type.M_ME_NC_1)
    point.value = 0.0
    srv.start()
    if not wait_for(lambda: srv.is_running, 10):
        print("c104 server did not start", file=sys.stderr)
        sys.exit(1)
    out(ready=True)
    if not args.alone:
        if not wait_for(lambda: srv.active_connection_count >= 1, 30):
            print("no client reached data transfer", file=sys.stderr)
            sys.exit(1)
        time.sleep(0.2)
    cause = c104.Cot.SPONTANEOUS
    refused = 0
    start = time.perf_counter()
    for i in range(args.values):
        point.value = float(i)
        if not point.transmit(cause=cause):
            refused += 1
    secs = time.perf_counter() - start
    out(sent=args.values, refused=refused, send_seconds=secs, send_rate=args.values / secs)
    time.sleep(0 if args.alone else args.linger)
    srv.stop()


def client():
    lock = threading.Lock()
    state = {"n": 0, "first": None, "last": None}

    def on_receive(point: c104.Point, previous_info: c104.Information,
                   message: c104.IncomingMessage) -> c104.ResponseState:
        now = time.perf_counter()
        with lock:
            state["n"] += 1
            if state["first"] is None:
                state["first"] = now
            state["last"] = now
        return c104.ResponseState.NONE

    def on_new_point(client: c104.Client, station: c104.Station, io_address: int,
                     point_type: c104.Type) -> None:
        p = station.add_point(io_address=io_address, type=point_type)
        if p is not None:
            p.on_receive(callable=on_receive)

    cl = c104.Client(tick_rate_ms=100, command_timeout_ms=1000)
    cl.on_new_point(callable=on_new_point)
    conn = cl.add_connection(ip="127.0.0.1", port=args.port, init=c104.Init.NONE)
    conn.protocol_parameters.send_window_size = args.k
    conn.protocol_parameters.receive_window_size = args.w
    conn.add_station(common_address=CA)
    cl.start()
    if not wait_for(lambda: conn.is_connected, 10):
        print("c104 client: no connection", file=sys.stderr)
        sys.exit(1)
    conn.unmute()
    wait_for(lambda: conn.state == c104.ConnectionState.OPEN, 10)
    out(started=True)
    seen, since = 0, time.monotonic()
    while True:
        time.sleep(0.05)
        with lock:
            n = state["n"]
        if n >= args.values:
            break
        if n != seen:
            seen, since = n, time.monotonic()
        elif time.monotonic() - since > (args.idle if n else 60):
            break
    with lock:
        n, first, last = state["n"], state["first"], state["last"]
    cl.stop()
    secs = (last - first) if n > 1 else 0.0
    out(received=n, seconds=secs, rate=(n - 1) / secs if secs > 0 else 0.0)


server() if args.mode == "server" else client()
