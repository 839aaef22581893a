"""A c104 (lib60870-C) 104 server for `cargo xtask conformance`: our `104 client` talks to it.

Prints one JSON line on stdout when it listens: {"ready": true, "gi": {IOA: [TYPE, VALUE]},
"commands": {...}}, then logs what it receives (JSON lines on stdout) and sends spontaneous
changes every 200 ms until --duration seconds have passed.
"""

import argparse
import datetime
import json
import sys
import time

import c104

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--duration", type=float, default=10.0)
args = ap.parse_args()

CA = 1
server = c104.Server(ip="127.0.0.1", port=args.port, tick_rate_ms=100, select_timeout_ms=5000)
station = server.add_station(common_address=CA)


def log(**kv):
    print(json.dumps(kv), flush=True)


def add(ioa, typ, value):
    p = station.add_point(io_address=ioa, type=typ)
    p.value = value
    return p


single = add(10, c104.Type.M_SP_NA_1, True)
double = add(11, c104.Type.M_DP_NA_1, c104.Double.ON)
normalized = add(12, c104.Type.M_ME_NA_1, c104.NormalizedFloat(0.5))
scaled = add(13, c104.Type.M_ME_NB_1, c104.Int16(-1234))
short = add(14, c104.Type.M_ME_NC_1, 3.25)
step = add(15, c104.Type.M_ST_NA_1, c104.Int7(7))
# c104 2.2.1: Byte32(int) yields 0; it takes the four octets.
bits = add(16, c104.Type.M_BO_NA_1, c104.Byte32(b"\xa5\x00\x00\x00"))
counter = station.add_point(io_address=17, type=c104.Type.M_IT_NA_1)
counter.info = c104.BinaryCounterInfo(counter=4242, sequence=c104.UInt5(3), quality=c104.BinaryCounterQuality())
# Points that change (spontaneous, cause 3) every 200 ms; the interrogated ones above stay.
timed = add(18, c104.Type.M_ME_TF_1, 1.5)
moving_double = add(20, c104.Type.M_DP_NA_1, c104.Double.ON)
moving_step = add(21, c104.Type.M_ST_NA_1, c104.Int7(0))
moving_normalized = add(22, c104.Type.M_ME_NA_1, c104.NormalizedFloat(0.0))
moving_single = add(23, c104.Type.M_SP_TB_1, False)

# What an interrogation must deliver (counters come with a counter interrogation).
expect_gi = {
    "10": ["M_SP_NA_1", True],
    "11": ["M_DP_NA_1", "on"],
    "12": ["M_ME_NA_1", 0.5],
    "13": ["M_ME_NB_1", -1234],
    "14": ["M_ME_NC_1", 3.25],
    "15": ["M_ST_NA_1", 7],
    "16": ["M_BO_NA_1", 0xA5],
    "18": ["M_ME_TF_1", None],  # changes; c104 interrogates it with its time tag
}
expect_ci = {"17": ["M_IT_NA_1", 4242]}


def on_command(point: c104.Point, previous_info: c104.Information,
               message: c104.IncomingMessage) -> c104.ResponseState:
    related = station.get_point(point.related_io_address)
    value = point.value
    if related is not None:
        related.value = value
    log(event="command", ioa=point.io_address, type=str(point.type), value=str(value),
        select=message.is_select_command)
    return c104.ResponseState.SUCCESS


commands = {}
for ioa, typ, status, mode in [
    (100, c104.Type.C_SC_NA_1, 10, c104.CommandMode.SELECT_AND_EXECUTE),
    (101, c104.Type.C_SE_NC_1, 14, c104.CommandMode.SELECT_AND_EXECUTE),
    (102, c104.Type.C_SE_NB_1, 13, c104.CommandMode.DIRECT),
]:
    cmd = station.add_point(io_address=ioa, type=typ, related_io_address=status,
                            related_io_autoreturn=True, command_mode=mode)
    cmd.on_receive(callable=on_command)
    commands[str(ioa)] = [str(typ), status, mode == c104.CommandMode.SELECT_AND_EXECUTE]


def on_clock_sync(server: c104.Server, ip: str, date_time: datetime.datetime) -> c104.ResponseState:
    log(event="clock_sync", ip=ip, time=date_time.isoformat())
    return c104.ResponseState.SUCCESS


server.on_clock_sync(callable=on_clock_sync)
server.start()
deadline = time.monotonic() + 10
while not server.is_running and time.monotonic() < deadline:
    time.sleep(0.05)
if not server.is_running:
    print("c104 server did not start", file=sys.stderr)
    sys.exit(1)
log(ready=True, gi=expect_gi, ci=expect_ci, commands=commands)

end = time.monotonic() + args.duration
n = 0
while time.monotonic() < end:
    time.sleep(0.2)
    n += 1
    timed.value = 1.5 + n
    moving_step.value = c104.Int7(n % 50)
    moving_double.value = c104.Double.OFF if n % 2 else c104.Double.ON
    moving_normalized.value = c104.NormalizedFloat((n % 10) / 100)
    moving_single.value = bool(n % 2)
    for p in (timed, moving_step, moving_double, moving_normalized, moving_single):
        p.transmit(cause=c104.Cot.SPONTANEOUS)
server.stop()
log(event="stopped")
