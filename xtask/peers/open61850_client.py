"""An open61850 0.9.12 MMS client for `cargo xtask conformance`: it drives our
`telecontrol mms server` (the built-in sample directory) and exits 0 only if every check
passed.

Checks: association; GetNameList of domains, of VMD and domain variables and of domain
named variable lists; Read and Write with VMD and domain scope; GetVariableAccessAttributes
of a structure; GetNamedVariableListAttributes; DefineNamedVariableList and
DeleteNamedVariableList (open61850 has no call for these two: the requests are built with
its BER and PDU helpers and sent with its generic `request`); an InformationReport of
SAMPLE/DS1 received; conclude (open61850 has no conclude call either: the
conclude-RequestPDU is sent on its connection and the conclude-ResponsePDU observed on its
receive thread). Prints one JSON summary line.
"""

import argparse
import json
import sys
import threading

from open61850 import ber
from open61850.data import FloatData, IntData, VisibleStringData
from open61850.mms import pdu
from open61850.mms.client import MmsClient
from open61850.mms.pdu import ObjectName

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
args = ap.parse_args()

DOMAIN_CLASS, VARIABLE_CLASS, LIST_CLASS = 9, 0, 2
failures = []
done = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, file=sys.stderr, flush=True)
    (done if ok else failures).append(what)


reports = []
got_report = threading.Event()


def on_report(report):
    reports.append(report)
    got_report.set()


client = MmsClient.connect("127.0.0.1", args.port, timeout=5.0, on_information_report=on_report)
check(client.association is not None, "associated")

concluded = threading.Event()
original_dispatch = client._dispatch


def dispatch(incoming):
    if isinstance(incoming, pdu.ConcludeResponse):
        concluded.set()
    original_dispatch(incoming)


client._dispatch = dispatch

try:
    check(client.get_name_list(DOMAIN_CLASS) == ["SAMPLE"], "GetNameList domains")
    vmd_vars = client.get_name_list(VARIABLE_CLASS)
    check("Vendor" in vmd_vars and "Mode" in vmd_vars, f"GetNameList VMD variables {vmd_vars}")
    dom_vars = client.get_name_list(VARIABLE_CLASS, "SAMPLE")
    check({"Float1", "Int1", "Struct1", "Setpoint"} <= set(dom_vars), f"GetNameList domain variables {dom_vars}")
    check(client.get_name_list(LIST_CLASS, "SAMPLE") == ["DS1"], "GetNameList domain lists")

    vendor = client.read(ObjectName("Vendor"))
    check(isinstance(vendor, VisibleStringData) and vendor.value == "telecontrol", f"Read VMD scope {vendor!r}")
    f1 = client.read(ObjectName("Float1", "SAMPLE"))
    check(isinstance(f1, FloatData), f"Read domain scope {f1!r}")

    client.write(ObjectName("Mode"), IntData(5))
    mode = client.read(ObjectName("Mode"))
    check(isinstance(mode, IntData) and mode.value == 5, f"Write+Read VMD scope {mode!r}")
    client.write(ObjectName("Setpoint", "SAMPLE"), FloatData(12.5))
    sp = client.read(ObjectName("Setpoint", "SAMPLE"))
    check(isinstance(sp, FloatData) and sp.value == 12.5, f"Write+Read domain scope {sp!r}")
    errors = client.write_many([ObjectName("Float1", "SAMPLE")], [FloatData(1.0)])
    check(errors[0] is not None, f"Write to a read-only variable refused {errors!r}")

    t = client.get_type(ObjectName("Struct1", "SAMPLE"))
    check(t is not None, f"GetVariableAccessAttributes structure {t!r}")
    members = client.get_data_set_members(ObjectName("DS1", "SAMPLE"))
    check([str(m) for m in members] == ["SAMPLE/Float1", "SAMPLE/Int1", "SAMPLE/Struct1"],
          f"GetNamedVariableListAttributes {[str(m) for m in members]}")

    mine = ObjectName("MYLIST", "SAMPLE")
    define = ber.encode_tlv(
        ber.make_tag(11, constructed=True),
        pdu.encode_object_name(mine)
        + pdu._variable_list([ObjectName("Float1", "SAMPLE"), ObjectName("Mode")]),
    )
    r = client.request(define)
    check(r.service == 11, "DefineNamedVariableList")
    check(client.get_name_list(LIST_CLASS, "SAMPLE") == ["DS1", "MYLIST"], "defined list listed")
    values = client.read_many([ObjectName("Mode")])
    check(len(values) == 1, "read after define")
    check(len(client.get_data_set_members(mine)) == 2, "defined list attributes")
    delete = ber.encode_tlv(
        ber.make_tag(13, constructed=True),
        ber.encode_tlv(0xA1, pdu.encode_object_name(mine)),
    )
    r = client.request(delete)
    counts = [ber.decode_unsigned(t.value) if hasattr(ber, "decode_unsigned") else t.value
              for t in ber.iter_tlvs(r.content)]
    check(r.service == 13 and len(counts) == 2, f"DeleteNamedVariableList {counts}")
    check(client.get_name_list(LIST_CLASS, "SAMPLE") == ["DS1"], "deleted list gone")

    check(got_report.wait(5.0), "InformationReport received")
    if reports:
        rep = reports[0]
        check(str(rep.list_name) == "SAMPLE/DS1" and len(rep.results) == 3,
              f"InformationReport of SAMPLE/DS1 {rep.list_name} {len(rep.results)} values")

    client._conn.send(pdu.wrap(pdu.conclude_request()))
    check(concluded.wait(5.0), "Conclude answered with conclude-Response")
except Exception as exc:  # every failure is reported, the script exits 1
    check(False, f"exception {type(exc).__name__}: {exc}")
finally:
    client.close()

print(json.dumps({"passed": len(done), "failed": failures}), flush=True)
sys.exit(1 if failures else 0)
