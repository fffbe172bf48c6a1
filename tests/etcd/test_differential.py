"""Differential test: the same operation sequences against a real etcd (3.4, Debian's
etcd-server, on 127.0.0.1 through its JSON gateway) and against kubelab's standalone
cluster, compared field by field — cluster and member IDs and lease IDs aside.
Where they differ, kubelab is wrong.

One real etcd serves every sequence: each sequence works under its own key prefix, and
revisions are compared relative to the revision the sequence started at (kubelab's
fresh cluster starts at 1), so a single etcd process is enough for hundreds of sequences.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import pytest

from kubelab.etcd import EtcdCluster, EtcdError
from kubelab.etcd.mvcc import Compare, DeleteRangeRequest, PutRequest, RangeRequest, TxnRequest

ETCD = shutil.which("etcd") or ("/usr/bin/etcd" if os.path.exists("/usr/bin/etcd") else None)
N_RANDOM = int(os.environ.get("KUBELAB_DIFF_SEQUENCES", "200"))

pytestmark = pytest.mark.skipif(ETCD is None, reason="etcd binary not found (apt-get install etcd-server)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def real_etcd():
    d = tempfile.mkdtemp(prefix="kubelab-etcd-")
    cport, pport = _free_port(), _free_port()
    curl, purl = f"http://127.0.0.1:{cport}", f"http://127.0.0.1:{pport}"
    proc = subprocess.Popen(
        [ETCD, "--name", "diff", "--data-dir", os.path.join(d, "data"), "--listen-client-urls", curl,
         "--advertise-client-urls", curl, "--listen-peer-urls", purl, "--initial-advertise-peer-urls", purl,
         "--initial-cluster", f"diff={purl}", "--log-level", "error"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(curl + "/health", timeout=0.5).read()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("real etcd did not come up")
        yield curl
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(d, ignore_errors=True)


def b64(x: bytes | str) -> str:
    return base64.b64encode(x if isinstance(x, bytes) else x.encode()).decode()


# ------------------------------------------------------------------------------------------
# The canonical form both sides are reduced to (the gateway's JSON shape, ids aside)
# ------------------------------------------------------------------------------------------


class Side:
    """Shared canonicalisation; ``off`` maps the side's revisions to the sequence's own."""

    def __init__(self):
        self.off = 0
        self.leases: dict[int, int] = {}  # actual lease ID -> symbolic index

    def rel(self, rev: int) -> int:
        return rev - self.off if rev else 0

    def kv(self, key, create, mod, version, value, lease):
        return {"key": key, "create_revision": self.rel(create), "mod_revision": self.rel(mod),
                "version": version, "value": value, "lease": self.leases.get(lease, "?") if lease else 0}


class Real(Side):
    def __init__(self, url: str):
        super().__init__()
        self.url = url

    def post(self, path: str, body: dict) -> dict:
        req = urllib.request.Request(self.url + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            return json.loads(e.read())

    def begin(self, prefix: str) -> None:
        # a write outside the prefix, so the sequence starts past any earlier compaction
        r = self.post("/v3/kv/put", {"key": b64("/aaa-junk"), "value": b64(prefix)})
        self.off = int(r["header"]["revision"]) - 1
        self.leases = {}

    # canonical forms of the gateway's JSON
    def hdr(self, h: dict) -> dict:
        return {"revision": self.rel(int(h.get("revision", 0))), "raft_term": int(h.get("raft_term", 0))}

    def ckv(self, d: dict | None):
        if d is None:
            return None
        return self.kv(base64.b64decode(d.get("key", "")), int(d.get("create_revision", 0)),
                       int(d.get("mod_revision", 0)), int(d.get("version", 0)), base64.b64decode(d.get("value", "")),
                       int(d.get("lease", 0)))

    def canon(self, kind: str, r: dict):
        if "error" in r:
            return {"error": r["error"], "code": r["code"]}
        out = {"header": self.hdr(r["header"])}
        if kind == "range":
            out.update(kvs=[self.ckv(k) for k in r.get("kvs", [])], more=r.get("more", False),
                       count=int(r.get("count", 0)))
        elif kind == "put":
            out.update(prev_kv=self.ckv(r.get("prev_kv")))
        elif kind == "delete":
            out.update(deleted=int(r.get("deleted", 0)), prev_kvs=[self.ckv(k) for k in r.get("prev_kvs", [])])
        elif kind == "txn":
            resps = []
            for op in r.get("responses", []):
                (name, sub), = op.items()
                k = {"response_range": "range", "response_put": "put", "response_delete_range": "delete",
                     "response_txn": "txn"}[name]
                resps.append((k, self.canon(k, sub)))
            out.update(succeeded=r.get("succeeded", False), responses=resps)
        elif kind == "lease_grant":
            out.update(TTL=int(r["TTL"]))
        elif kind == "lease_ttl":
            out.update(TTL=_alive(int(r.get("TTL", 0))), grantedTTL=int(r.get("grantedTTL", 0)),
                       keys=sorted(base64.b64decode(k) for k in r.get("keys", [])))
        elif kind == "lease_keepalive":
            out.update(TTL=int(r.get("TTL", 0)))
        return out

    # request encoding
    def enc_range(self, o: dict) -> dict:
        b = {"key": b64(o["key"])}
        if o.get("range_end"):
            b["range_end"] = b64(o["range_end"])
        for f in ("limit", "keys_only", "count_only", "sort_order", "sort_target"):
            if o.get(f):
                b[f] = o[f]
        if o.get("revision"):
            b["revision"] = o["revision"] + self.off
        return b

    def enc_put(self, o: dict) -> dict:
        b = {"key": b64(o["key"])}
        if o.get("value"):
            b["value"] = b64(o["value"])
        for f in ("prev_kv", "ignore_value", "ignore_lease"):
            if o.get(f):
                b[f] = True
        if o.get("lease") is not None:
            b["lease"] = self.lease_id(o["lease"])
        return b

    def enc_delete(self, o: dict) -> dict:
        b = {"key": b64(o["key"])}
        if o.get("range_end"):
            b["range_end"] = b64(o["range_end"])
        if o.get("prev_kv"):
            b["prev_kv"] = True
        return b

    def enc_txn(self, o: dict) -> dict:
        cmps = []
        for c in o["compare"]:
            d = {"key": b64(c["key"]), "target": c["target"], "result": c["result"]}
            if c.get("range_end"):
                d["range_end"] = b64(c["range_end"])
            field = {"VALUE": "value", "VERSION": "version", "CREATE": "create_revision", "MOD": "mod_revision",
                     "LEASE": "lease"}[c["target"]]
            v = c["operand"]
            if c["target"] == "VALUE":
                v = b64(v)
            elif c["target"] in ("CREATE", "MOD") and v:
                v = v + self.off
            elif c["target"] == "LEASE" and v:
                v = self.lease_id(v)
            d[field] = v
            cmps.append(d)

        def ops(lst):
            out = []
            for op in lst:
                k = op["op"]
                if k == "range":
                    out.append({"request_range": self.enc_range(op)})
                elif k == "put":
                    out.append({"request_put": self.enc_put(op)})
                elif k == "delete":
                    out.append({"request_delete_range": self.enc_delete(op)})
                elif k == "txn":
                    out.append({"request_txn": self.enc_txn(op)})
            return out

        return {"compare": cmps, "success": ops(o["success"]), "failure": ops(o["failure"])}

    def lease_id(self, sym) -> int:
        for lid, s in self.leases.items():
            if s == sym:
                return lid
        return 0x1234567  # a lease that does not exist

    def do(self, o: dict):
        k = o["op"]
        if k == "range":
            return self.canon(k, self.post("/v3/kv/range", self.enc_range(o)))
        if k == "put":
            return self.canon(k, self.post("/v3/kv/put", self.enc_put(o)))
        if k == "delete":
            return self.canon(k, self.post("/v3/kv/deleterange", self.enc_delete(o)))
        if k == "txn":
            return self.canon(k, self.post("/v3/kv/txn", self.enc_txn(o)))
        if k == "compact":
            return self.canon(k, self.post("/v3/kv/compaction", {"revision": o["revision"] + self.off, "physical": True}))
        if k == "lease_grant":
            r = self.post("/v3/lease/grant", {"TTL": o["ttl"]})
            if "ID" in r:
                self.leases[int(r["ID"])] = o["sym"]
            return self.canon(k, r)
        if k == "lease_revoke":
            return self.canon(k, self.post("/v3/lease/revoke", {"ID": self.lease_id(o["sym"])}))
        if k == "lease_ttl":
            return self.canon(k, self.post("/v3/lease/timetolive", {"ID": self.lease_id(o["sym"]), "keys": True}))
        if k == "lease_keepalive":
            # a streaming call on the gateway: send one request, read one answer
            body = json.dumps({"ID": self.lease_id(o["sym"])})
            req = urllib.request.Request(self.url + "/v3/lease/keepalive", data=body.encode(), method="POST")
            with urllib.request.urlopen(req, timeout=5) as r:
                line = r.readline()
            return self.canon(k, json.loads(line).get("result", {}))
        raise ValueError(k)

    def watch(self, prefix: str, start: int, expect: int, opts: dict) -> list:
        """Open a watch stream on the gateway and read until ``expect`` events (or cancel)."""
        host = self.url.split("//")[1]
        conn = http.client.HTTPConnection(host, timeout=0.5)
        req = {"key": b64(opts.get("key", prefix)), "start_revision": start + self.off}
        if "key" not in opts:
            req["range_end"] = b64(_prefix_end(prefix))
        if opts.get("prev_kv"):
            req["prev_kv"] = True
        if opts.get("filters"):
            req["filters"] = list(opts["filters"])
        body = {"create_request": req}
        conn.request("POST", "/v3/watch", json.dumps(body), {"Content-Type": "application/json"})
        resp = conn.getresponse()
        out, events = [], 0
        dec = json.JSONDecoder()
        buf = ""
        try:
            while True:
                if events >= expect and out:
                    break
                chunk = resp.readline()
                if not chunk:
                    break
                buf += chunk.decode()
                buf = buf.strip()
                while buf:
                    try:
                        obj, end = dec.raw_decode(buf)
                    except json.JSONDecodeError:
                        break
                    buf = buf[end:].strip()
                    r = obj.get("result", obj)
                    if r.get("created"):
                        continue
                    if r.get("compact_revision"):
                        out.append(("compacted", self.rel(int(r["compact_revision"])), bool(r.get("canceled"))))
                        events = expect
                        continue
                    for e in r.get("events", []):
                        out.append((e.get("type", "PUT"), self.ckv(e["kv"]), self.ckv(e.get("prev_kv"))))
                        events += 1
                if events >= expect and (out or expect == 0):
                    break
        except socket.timeout:
            pass
        finally:
            conn.close()
        return out


def _alive(ttl: int) -> object:
    # remaining TTLs depend on each side's clock; compare "alive" / -1 (not found)
    return "alive" if ttl > 0 else ttl


def _prefix_end(p: str) -> str:
    return p[:-1] + chr(ord(p[-1]) + 1)


class Sim(Side):
    def __init__(self, members: int = 1, seed: int = 1):
        super().__init__()
        self.cluster = EtcdCluster(members=members, seed=seed)
        self.client = self.cluster.client()

    def hdr(self, h) -> dict:
        return {"revision": self.rel(h.revision), "raft_term": h.raft_term}

    def ckv(self, kv):
        if kv is None:
            return None
        return self.kv(kv.key, kv.create_revision, kv.mod_revision, kv.version, kv.value, kv.lease)

    def canon(self, kind: str, r):
        out = {"header": self.hdr(r.header)}
        if kind == "range":
            out.update(kvs=[self.ckv(k) for k in r.kvs], more=r.more, count=r.count)
        elif kind == "put":
            out.update(prev_kv=self.ckv(r.prev_kv))
        elif kind == "delete":
            out.update(deleted=r.deleted, prev_kvs=[self.ckv(k) for k in r.prev_kvs])
        elif kind == "txn":
            resps = []
            for op in r.responses:
                for k, sub in (("range", op.response_range), ("put", op.response_put),
                               ("delete", op.response_delete_range), ("txn", op.response_txn)):
                    if sub is not None:
                        resps.append((k, self.canon(k, sub)))
            out.update(succeeded=r.succeeded, responses=resps)
        elif kind == "lease_grant":
            out.update(TTL=r.TTL)
        elif kind == "lease_ttl":
            out.update(TTL=_alive(r.TTL), grantedTTL=r.grantedTTL, keys=sorted(r.keys))
        elif kind == "lease_keepalive":
            out.update(TTL=r.TTL)
        return out

    def lease_id(self, sym) -> int:
        for lid, s in self.leases.items():
            if s == sym:
                return lid
        return 0x1234567

    def req(self, o: dict):
        k = o["op"]
        if k == "range":
            return RangeRequest(o["key"], o.get("range_end"), limit=o.get("limit", 0), revision=o.get("revision", 0),
                                keys_only=o.get("keys_only", False), count_only=o.get("count_only", False),
                                sort_order=o.get("sort_order", "NONE"), sort_target=o.get("sort_target", "KEY"))
        if k == "put":
            return PutRequest(o["key"], o.get("value", ""), prev_kv=o.get("prev_kv", False),
                              ignore_value=o.get("ignore_value", False), ignore_lease=o.get("ignore_lease", False),
                              lease=self.lease_id(o["lease"]) if o.get("lease") is not None else 0)
        if k == "delete":
            return DeleteRangeRequest(o["key"], o.get("range_end"), prev_kv=o.get("prev_kv", False))
        if k == "txn":
            cmps = []
            for c in o["compare"]:
                v = c["operand"]
                if c["target"] == "LEASE" and v:
                    v = self.lease_id(v)
                cmps.append(Compare(c["key"], c["target"], c["result"], v, c.get("range_end")))
            return TxnRequest(cmps, [self.req(x) for x in o["success"]], [self.req(x) for x in o["failure"]])
        raise ValueError(k)

    def do(self, o: dict):
        c = self.client
        k = o["op"]
        try:
            if k == "range":
                r = c.range(o["key"], o.get("range_end"), limit=o.get("limit", 0), revision=o.get("revision", 0),
                            keys_only=o.get("keys_only", False), count_only=o.get("count_only", False),
                            sort_order=o.get("sort_order", "NONE"), sort_target=o.get("sort_target", "KEY"))
            elif k == "put":
                p = self.req(o)
                r = c.put(p.key, p.value, lease=p.lease, prev_kv=p.prev_kv, ignore_value=p.ignore_value,
                          ignore_lease=p.ignore_lease)
            elif k == "delete":
                r = c.delete_range(o["key"], o.get("range_end"), prev_kv=o.get("prev_kv", False))
            elif k == "txn":
                t = self.req(o)
                r = c.txn(t.compare, t.success, t.failure)
            elif k == "compact":
                r = c.compact(o["revision"])
            elif k == "lease_grant":
                r = c.lease_grant(o["ttl"])
                self.leases[r.ID] = o["sym"]
            elif k == "lease_revoke":
                r = c.lease_revoke(self.lease_id(o["sym"]))
            elif k == "lease_ttl":
                r = c.lease_time_to_live(self.lease_id(o["sym"]), keys=True)
            elif k == "lease_keepalive":
                r = c.lease_keepalive(self.lease_id(o["sym"]))
            else:
                raise ValueError(k)
        except EtcdError as e:
            return {"error": str(e), "code": e.code}
        return self.canon(k, r)

    def watch(self, prefix: str, start: int, opts: dict) -> list:
        if "key" in opts:
            w = self.client.watch(opts["key"], start_revision=start, prev_kv=opts.get("prev_kv", False),
                                  filters=opts.get("filters", ()))
        else:
            w = self.client.watch(prefix, prefix=True, start_revision=start, prev_kv=opts.get("prev_kv", False),
                                  filters=opts.get("filters", ()))
        self.cluster.run(0.5)
        w.cancel()
        if w.compact_revision:
            return [("compacted", w.compact_revision, w.canceled)]
        return [(e.type, self.ckv(e.kv), self.ckv(e.prev_kv)) for e in w.events]


# ------------------------------------------------------------------------------------------
# Sequences
# ------------------------------------------------------------------------------------------


def gen_sequence(rng: random.Random, p: str, n_ops: int = 14) -> list[dict]:
    keys = [f"{p}k{i}" for i in range(4)]
    ops: list[dict] = []
    rev = 1  # our model of the sequence's revision, only to aim revisions sensibly
    leases = 0
    val = [0]

    def value():
        val[0] += 1
        return f"v{val[0]}"

    def key_or_range():
        r = rng.random()
        if r < 0.5:
            return {"key": rng.choice(keys)}
        if r < 0.8:
            return {"key": p, "range_end": _prefix_end(p)}
        a, b = sorted(rng.sample(keys, 2))
        return {"key": a, "range_end": b}

    def a_range():
        o = {"op": "range", **key_or_range()}
        if rng.random() < 0.3:
            o["limit"] = rng.randint(1, 3)
        if rng.random() < 0.3:
            o["revision"] = rng.randint(1, rev + 2)  # sometimes future, sometimes compacted
        if rng.random() < 0.2:
            o["keys_only"] = True
        if rng.random() < 0.15:
            o["count_only"] = True
        if rng.random() < 0.25 and "limit" not in o:
            # only total orders: Go's sort.Sort is not stable, ties would differ
            o["sort_order"] = rng.choice(["ASCEND", "DESCEND"])
            o["sort_target"] = rng.choice(["KEY", "VALUE"])
        elif rng.random() < 0.2:
            o["sort_order"] = "DESCEND"
        return o

    def a_put():
        o = {"op": "put", "key": rng.choice(keys), "value": value()}
        x = rng.random()
        if x < 0.3:
            o["prev_kv"] = True
        if x > 0.9:
            o["ignore_value"] = True
            del o["value"]
        elif 0.8 < x <= 0.85:
            o["ignore_lease"] = True
        if leases and rng.random() < 0.25:
            o["lease"] = rng.randint(1, leases + 1)  # the last one may not exist
        return o

    def a_delete():
        o = {"op": "delete", **key_or_range()}
        if rng.random() < 0.5:
            o["prev_kv"] = True
        return o

    def a_compare():
        t = rng.choice(["VALUE", "VERSION", "CREATE", "MOD", "LEASE"])
        res = rng.choice(["EQUAL", "NOT_EQUAL", "LESS", "GREATER"])
        operand = {"VALUE": f"v{rng.randint(0, max(1, val[0]))}", "VERSION": rng.randint(0, 3),
                   "CREATE": rng.randint(0, rev), "MOD": rng.randint(0, rev),
                   "LEASE": rng.randint(0, leases)}[t]
        c = {"key": rng.choice(keys), "target": t, "result": res, "operand": operand}
        if rng.random() < 0.15:
            c["key"], c["range_end"] = p, _prefix_end(p)
        return c

    def a_txn(depth=0):
        def branch():
            out = []
            for _ in range(rng.randint(0, 3)):
                x = rng.random()
                if x < 0.35:
                    o = a_put()
                    o.pop("ignore_value", None)
                    o.pop("ignore_lease", None)
                    o.setdefault("value", value())
                    out.append(o)
                elif x < 0.6:
                    o = a_range()
                    o.pop("revision", None)  # keep txn reads at the txn's own revision
                    out.append(o)
                elif x < 0.85:
                    out.append(a_delete())
                elif depth == 0:
                    out.append(a_txn(1))
            return out

        return {"op": "txn", "compare": [a_compare() for _ in range(rng.randint(0, 2))], "success": branch(),
                "failure": branch()}

    for _ in range(n_ops):
        x = rng.random()
        if x < 0.3:
            o = a_put()
        elif x < 0.5:
            o = a_range()
        elif x < 0.6:
            o = a_delete()
        elif x < 0.8:
            o = a_txn()
        elif x < 0.87:
            o = {"op": "compact", "revision": rng.randint(2, rev + 1)}
        elif x < 0.95:
            leases += 1
            o = {"op": "lease_grant", "ttl": rng.choice([1, 5, 60, 600]) + 500, "sym": leases}
        elif x < 0.97:
            o = {"op": "lease_revoke", "sym": rng.randint(1, leases + 1)}
        else:
            o = {"op": rng.choice(["lease_ttl", "lease_keepalive"]), "sym": rng.randint(1, leases + 1)}
        ops.append(o)
        rev += 1  # an upper bound is enough for aiming
    return ops


HANDWRITTEN = [
    # revisions, versions, prev_kv, delete resets the version
    [{"op": "put", "key": "a", "value": "1"}, {"op": "put", "key": "a", "value": "2", "prev_kv": True},
     {"op": "range", "key": "a"}, {"op": "delete", "key": "a", "prev_kv": True},
     {"op": "put", "key": "a", "value": "3"}, {"op": "range", "key": "a", "revision": 3},
     {"op": "delete", "key": "nothing"}],
    # compaction: errors, ranges at and below the compaction point
    [{"op": "put", "key": "a", "value": "1"}, {"op": "put", "key": "a", "value": "2"},
     {"op": "put", "key": "b", "value": "1"}, {"op": "delete", "key": "b"},
     {"op": "compact", "revision": 3}, {"op": "compact", "revision": 3}, {"op": "compact", "revision": 2},
     {"op": "compact", "revision": 99}, {"op": "range", "key": "a", "revision": 2},
     {"op": "range", "key": "a", "revision": 3}, {"op": "range", "key": "a", "revision": 9},
     {"op": "compact", "revision": 5}, {"op": "range", "key": "b", "revision": 4}],
    # txn: compare-and-swap, read-your-writes in the txn, duplicate keys refused
    [{"op": "put", "key": "a", "value": "1"},
     {"op": "txn", "compare": [{"key": "a", "target": "VALUE", "result": "EQUAL", "operand": "1"}],
      "success": [{"op": "put", "key": "a", "value": "2"}, {"op": "range", "key": "a"}],
      "failure": [{"op": "range", "key": "a"}]},
     {"op": "txn", "compare": [{"key": "a", "target": "VALUE", "result": "EQUAL", "operand": "1"}],
      "success": [{"op": "put", "key": "a", "value": "2"}], "failure": [{"op": "range", "key": "a"}]},
     {"op": "txn", "compare": [], "success": [{"op": "put", "key": "a", "value": "x"},
                                              {"op": "put", "key": "a", "value": "y"}], "failure": []},
     {"op": "txn", "compare": [], "success": [{"op": "put", "key": "b", "value": "x"},
                                              {"op": "delete", "key": "a", "range_end": "c"}], "failure": []},
     {"op": "txn", "compare": [{"key": "zz", "target": "VALUE", "result": "NOT_EQUAL", "operand": "q"}],
      "success": [], "failure": [{"op": "put", "key": "c", "value": "1"}]},
     {"op": "txn", "compare": [{"key": "zz", "target": "CREATE", "result": "EQUAL", "operand": 0}],
      "success": [{"op": "put", "key": "zz", "value": "1"}, {"op": "delete", "key": "c", "prev_kv": True}],
      "failure": []}],
    # leases: grant (TTL raised to the minimum), attach, revoke deletes the keys, errors
    [{"op": "lease_grant", "ttl": 1, "sym": 1}, {"op": "lease_grant", "ttl": 600, "sym": 2},
     {"op": "put", "key": "a", "value": "1", "lease": 1}, {"op": "put", "key": "b", "value": "1", "lease": 1},
     {"op": "put", "key": "c", "value": "1", "lease": 9}, {"op": "put", "key": "b", "ignore_lease": True,
                                                           "value": "2"},
     {"op": "put", "key": "b", "ignore_value": True, "prev_kv": True},
     {"op": "put", "key": "nope", "ignore_value": True}, {"op": "put", "key": "a", "value": "v", "ignore_value": True},
     {"op": "lease_ttl", "sym": 1}, {"op": "lease_keepalive", "sym": 2}, {"op": "lease_ttl", "sym": 9},
     {"op": "lease_keepalive", "sym": 9},
     {"op": "lease_revoke", "sym": 1}, {"op": "range", "key": "a", "range_end": "z"},
     {"op": "lease_revoke", "sym": 1}, {"op": "lease_grant", "ttl": 9000000001, "sym": 3}],
    # range options: limit/more/count, sort, keys_only, count_only
    [{"op": "put", "key": "a", "value": "3"}, {"op": "put", "key": "b", "value": "1"},
     {"op": "put", "key": "c", "value": "2"},
     {"op": "range", "key": "a", "range_end": "z", "limit": 2},
     {"op": "range", "key": "a", "range_end": "z", "sort_order": "DESCEND"},
     {"op": "range", "key": "a", "range_end": "z", "sort_target": "VALUE"},
     {"op": "range", "key": "a", "range_end": "z", "sort_target": "MOD", "sort_order": "DESCEND", "limit": 1},
     {"op": "range", "key": "a", "range_end": "z", "keys_only": True},
     {"op": "range", "key": "a", "range_end": "z", "count_only": True},
     {"op": "range", "key": "", "range_end": "z"}],
]


def _prefixed(seq: list[dict], p: str) -> list[dict]:
    def fix(o):
        o = dict(o)
        for f in ("key", "range_end"):
            if f in o and o[f] != "":
                o[f] = p + o[f]
        if "compare" in o:
            o["compare"] = [fix(c) for c in o["compare"]]
        for f in ("success", "failure"):
            if f in o:
                o[f] = [fix(x) for x in o[f]]
        return o

    return [fix(o) for o in seq]


def run_both(url: str, seq: list[dict], prefix: str, watch_from: int | None, members: int = 1, seed: int = 1,
             watch_opts: dict | None = None):
    real, sim = Real(url), Sim(members=members, seed=seed)
    real.begin(prefix)
    for i, o in enumerate(seq):
        a, b = sim.do(o), real.do(o)
        if members > 1:  # terms differ between a fresh 3-member cluster and the real one
            for d in (a, b):
                if "header" in d:
                    d["header"].pop("raft_term")
        assert a == b, f"op {i} {o}\n kubelab: {a}\n etcd:    {b}"
    if watch_from is not None:
        opts = {"prev_kv": True} if watch_opts is None else watch_opts
        got = sim.watch(prefix, watch_from, opts)
        expect = len(got) if got and got[0][0] != "compacted" else 1
        want = real.watch(prefix, watch_from, expect, opts)
        assert got == want, f"watch from {watch_from} {opts}\n kubelab: {got}\n etcd:    {want}"


@pytest.mark.parametrize("i", range(len(HANDWRITTEN)))
def test_handwritten(real_etcd, i):
    p = f"/h{i:03d}/"
    run_both(real_etcd, _prefixed(HANDWRITTEN[i], p), p, watch_from=1)


def test_random_sequences(real_etcd):
    rng = random.Random(int(os.environ.get("KUBELAB_DIFF_SEED", "2024")))
    for n in range(N_RANDOM):
        p = f"/r{n:04d}/"
        seq = gen_sequence(rng, p)
        opts = {"prev_kv": rng.random() < 0.6}
        if rng.random() < 0.3:
            opts["filters"] = [rng.choice(["NOPUT", "NODELETE"])]
        if rng.random() < 0.3:
            opts["key"] = f"{p}k{rng.randint(0, 3)}"
        run_both(real_etcd, seq, p, watch_from=rng.randint(1, 8), watch_opts=opts)


def test_random_sequences_three_members(real_etcd):
    rng = random.Random(7)
    for n in range(20):
        p = f"/t{n:04d}/"
        run_both(real_etcd, gen_sequence(rng, p), p, watch_from=rng.randint(1, 8), members=3, seed=n)
