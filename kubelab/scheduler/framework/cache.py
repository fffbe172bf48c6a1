"""The scheduler cache and its snapshot (pkg/scheduler/backend/cache/cache.go, snapshot.go).

The cache holds every node and every pod bound (or *assumed* bound) to one: assume
happens at the end of a scheduling cycle so the next cycle already counts the pod, before
the apiserver has confirmed the binding; ``finish_binding`` / ``forget_pod`` close it.

kubelab's difference, for speed: the per-node numbers are rows of numpy arrays owned by
the cache (allocatable, requested, non-zero requested, pod count, unschedulable, taint-set
id), updated in O(1) per pod event, so a scheduling cycle costs O(nodes) vector work and
never O(pods). A cycle runs in one simulated instant, so the snapshot is a consistent
view of the cache itself (upstream copies because its cache changes under a cycle).
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from kubelab.api.resourcehelper import quantity_value

from .types import CPU, EPHEMERAL_STORAGE, MEMORY, PODS, NodeInfo, PodInfo


class _PodState:
    __slots__ = ("pinfo", "node_name", "assumed", "binding_finished")

    def __init__(self, pinfo: PodInfo, node_name: str, assumed: bool):
        self.pinfo, self.node_name, self.assumed, self.binding_finished = pinfo, node_name, assumed, False


class Cache:
    def __init__(self, capacity: int = 64):
        self.res_index: dict[str, int] = {CPU: 0, MEMORY: 1, EPHEMERAL_STORAGE: 2}
        self._cap = max(8, capacity)
        r = len(self.res_index)
        self.alloc = np.zeros((self._cap, r), dtype=np.int64)
        self.req = np.zeros((self._cap, r), dtype=np.int64)
        self.nz = np.zeros((self._cap, 2), dtype=np.int64)
        self.npods = np.zeros(self._cap, dtype=np.int64)
        self.max_pods = np.zeros(self._cap, dtype=np.int64)
        self.unsched = np.zeros(self._cap, dtype=bool)
        self.taint_id = np.zeros(self._cap, dtype=np.int32)
        self.n = 0
        self.node_list: list[NodeInfo] = []
        self.nodes: dict[str, NodeInfo] = {}
        self.pod_states: dict[str, _PodState] = {}
        self._orphans: dict[str, dict[str, PodInfo]] = {}  # pods on nodes the cache has not seen yet
        self.images: dict[str, dict[str, int]] = {}
        self.taint_sets: list[tuple] = [()]
        self._taint_ids: dict[tuple, int] = {(): 0}
        self.affinity_nodes: set[str] = set()
        self.anti_affinity_nodes: set[str] = set()
        self.generation = 0
        self._names: Optional[tuple[str, ...]] = None
        self._all: Optional[np.ndarray] = None
        self._rot: Optional[np.ndarray] = None
        self._run_idx: Optional[np.ndarray] = None  # rows(): the last index array seen
        self._run_sl: Optional[slice] = None
        # per-node memos (see memo_rows): the rows changed since, and an epoch that
        # invalidates every memo when rows move (node removed) or columns are added
        self._changed: list[int] = []
        # any_unschedulable / any_tainted: recounted only after a node row was written
        self._node_rows_version = 0
        self._flags: tuple[int, bool, bool] = (-1, False, False)
        self._epoch = 0
        self._memos: dict = {}
        self.snapshot = Snapshot(self)

    # -- resources -----------------------------------------------------------------------
    def column(self, resource: str) -> int:
        i = self.res_index.get(resource)
        if i is None:
            i = len(self.res_index)
            self.res_index[resource] = i
            pad = ((0, 0), (0, 1))
            self.alloc = np.pad(self.alloc, pad)
            self.req = np.pad(self.req, pad)
            self._epoch += 1
        return i

    def _grow(self) -> None:
        cap = self._cap * 2

        def g(a):
            out = np.zeros((cap,) + a.shape[1:], dtype=a.dtype)
            out[: self._cap] = a
            return out

        self.alloc, self.req, self.nz = g(self.alloc), g(self.req), g(self.nz)
        self.npods, self.max_pods, self.unsched, self.taint_id = g(self.npods), g(self.max_pods), g(self.unsched), g(self.taint_id)
        self._cap = cap

    def _taint_set_id(self, taints) -> int:
        key = tuple((t.key, t.value or "", t.effect) for t in taints)
        i = self._taint_ids.get(key)
        if i is None:
            i = len(self.taint_sets)
            self.taint_sets.append(tuple(taints))
            self._taint_ids[key] = i
        return i

    # -- nodes ---------------------------------------------------------------------------
    def _write_node_row(self, ni: NodeInfo) -> None:
        node, i = ni.node, ni.idx
        self._changed.append(i)
        self._node_rows_version += 1
        alloc = node.status.allocatable or node.status.capacity or {}
        self.alloc[i, :] = 0
        max_pods = 0
        for k, v in alloc.items():
            if k == PODS:
                max_pods = quantity_value(PODS, v)
                continue
            col = self.column(k)
            self.alloc[i, col] = quantity_value(k, v)
        self.max_pods[i] = max_pods
        self.unsched[i] = bool(node.spec.unschedulable)
        self.taint_id[i] = self._taint_set_id(ni.taints)
        # image states (ImageStateSummary: size and how many nodes have the image)
        for name in ni.image_names:
            d = self.images.get(name)
            if d is not None:
                d.pop(ni.name, None)
                if not d:
                    del self.images[name]
        names = []
        for img in node.status.images or ():
            for name in img.names or ():
                self.images.setdefault(name, {})[ni.name] = img.size_bytes or 0
                names.append(name)
        ni.image_names = tuple(names)

    def add_node(self, node) -> NodeInfo:
        name = node.metadata.name
        if name in self.nodes:
            return self.update_node(node)
        if self.n == self._cap:
            self._grow()
        ni = NodeInfo(self, node, self.n)
        self.n += 1
        self.node_list.append(ni)
        self.nodes[name] = ni
        self.req[ni.idx, :] = 0
        self.nz[ni.idx, :] = 0
        self.npods[ni.idx] = 0
        self._write_node_row(ni)
        self._names = None
        self.generation += 1
        for pinfo in self._orphans.pop(name, {}).values():
            self._account(ni, pinfo, +1)
        return ni

    def update_node(self, node) -> NodeInfo:
        ni = self.nodes.get(node.metadata.name)
        if ni is None:
            return self.add_node(node)
        ni.set_node(node)
        self._write_node_row(ni)
        ni.generation += 1
        self.generation += 1
        return ni

    def remove_node(self, name: str) -> None:
        ni = self.nodes.pop(name, None)
        if ni is None:
            return
        for name_ in ni.image_names:
            d = self.images.get(name_)
            if d is not None:
                d.pop(name, None)
                if not d:
                    del self.images[name_]
        if ni.pods:  # pods still there: keep them until their own delete events come
            self._orphans[name] = dict(ni.pods)
        self.affinity_nodes.discard(name)
        self.anti_affinity_nodes.discard(name)
        last = self.n - 1
        i = ni.idx
        if i != last:
            moved = self.node_list[last]
            for a in (self.alloc, self.req, self.nz, self.npods, self.max_pods, self.unsched, self.taint_id):
                a[i] = a[last]
            moved.idx = i
            self.node_list[i] = moved
        self.node_list.pop()
        self.n -= 1
        self._node_rows_version += 1
        self._epoch += 1
        self._names = None
        self.generation += 1

    # -- pods ----------------------------------------------------------------------------
    def _account(self, ni: NodeInfo, pinfo: PodInfo, sign: int) -> None:
        i = ni.idx
        self._changed.append(i)
        for k, v in pinfo.requests.items():
            if k == PODS:
                continue
            col = self.res_index.get(k)
            if col is None:
                col = self.column(k)
            self.req[i, col] += sign * v
        self.nz[i, 0] += sign * pinfo.non_zero[0]
        self.nz[i, 1] += sign * pinfo.non_zero[1]
        self.npods[i] += sign
        uid = pinfo.uid
        if sign > 0:
            ni.pods[uid] = pinfo
            for ip, proto, port in pinfo.host_ports:
                ni.used_ports.add(ip, proto, port)
            if pinfo.has_affinity:
                ni.pods_with_affinity[uid] = pinfo
                self.affinity_nodes.add(ni.name)
            if pinfo.required_anti_affinity_terms:
                ni.pods_with_required_anti_affinity[uid] = pinfo
                self.anti_affinity_nodes.add(ni.name)
        else:
            ni.pods.pop(uid, None)
            for ip, proto, port in pinfo.host_ports:
                ni.used_ports.remove(ip, proto, port)
            if ni.pods_with_affinity.pop(uid, None) is not None and not ni.pods_with_affinity:
                self.affinity_nodes.discard(ni.name)
            if ni.pods_with_required_anti_affinity.pop(uid, None) is not None and not ni.pods_with_required_anti_affinity:
                self.anti_affinity_nodes.discard(ni.name)
        ni.generation += 1

    def _place(self, pinfo: PodInfo, node_name: str, sign: int) -> None:
        ni = self.nodes.get(node_name)
        if ni is not None:
            self._account(ni, pinfo, sign)
        elif sign > 0:
            self._orphans.setdefault(node_name, {})[pinfo.uid] = pinfo
        else:
            d = self._orphans.get(node_name)
            if d:
                d.pop(pinfo.uid, None)
        self.generation += 1

    def assume_pod(self, pinfo: PodInfo, node_name: str) -> None:
        """AssumePod: count the pod on the node before the binding is confirmed."""
        if pinfo.uid in self.pod_states:
            raise ValueError(f"pod {pinfo.key} is in the cache, so can't be assumed")
        self.pod_states[pinfo.uid] = _PodState(pinfo, node_name, assumed=True)
        self._place(pinfo, node_name, +1)

    def finish_binding(self, pinfo: PodInfo) -> None:
        st = self.pod_states.get(pinfo.uid)
        if st is not None and st.assumed:
            st.binding_finished = True

    def forget_pod(self, pinfo: PodInfo) -> None:
        """ForgetPod: undo an assume (the binding failed)."""
        st = self.pod_states.get(pinfo.uid)
        if st is not None and st.assumed:
            self._place(st.pinfo, st.node_name, -1)
            del self.pod_states[pinfo.uid]

    def is_assumed(self, uid: str) -> bool:
        st = self.pod_states.get(uid)
        return st is not None and st.assumed

    def add_pod(self, pinfo: PodInfo) -> None:
        """A bound pod seen by the informer (confirms an assumed pod)."""
        st = self.pod_states.get(pinfo.uid)
        if st is not None:
            if st.node_name != pinfo.node_name:  # bound elsewhere than assumed
                self._place(st.pinfo, st.node_name, -1)
                self._place(pinfo, pinfo.node_name, +1)
            elif st.pinfo is not pinfo:
                self._place(st.pinfo, st.node_name, -1)
                self._place(pinfo, pinfo.node_name, +1)
            st.pinfo, st.node_name, st.assumed = pinfo, pinfo.node_name, False
            return
        self.pod_states[pinfo.uid] = _PodState(pinfo, pinfo.node_name, assumed=False)
        self._place(pinfo, pinfo.node_name, +1)

    def update_pod(self, pinfo: PodInfo) -> None:
        self.add_pod(pinfo)

    def remove_pod(self, uid: str) -> Optional[PodInfo]:
        st = self.pod_states.pop(uid, None)
        if st is None:
            return None
        self._place(st.pinfo, st.node_name, -1)
        return st.pinfo

    def get_pod(self, uid: str) -> Optional[PodInfo]:
        st = self.pod_states.get(uid)
        return st.pinfo if st else None

    def pod_count(self) -> int:
        return len(self.pod_states)

    # -- snapshot ------------------------------------------------------------------------
    def node_names(self) -> tuple[str, ...]:
        if self._names is None:
            self._names = tuple(ni.name for ni in self.node_list)
        return self._names

    def all_idx(self) -> np.ndarray:
        """0..n-1, one shared array: plugins seeing it may use slices instead of gathers."""
        a = self._all
        if a is None or a.size != self.n:
            a = self._all = np.arange(self.n, dtype=np.int64)
        return a

    def memo_rows(self, key, fn, one=None) -> np.ndarray:
        """A per-node value for every node, kept between cycles: ``fn(idx)`` must be a pure
        function of each node's rows (allocatable, requested...) and ``key`` must name
        everything else it depends on (the plugin, the pod's requests). Only the rows
        changed since the last call are computed again (one node per pod assumed), so a
        cycle costs a gather, not arithmetic over every node. ``one(i)``, if given, is the
        same value for the single row ``i`` in plain Python (or None: use ``fn``), for the
        usual one-changed-row case where numpy's per-call cost is most of the work."""
        changed = self._changed
        if len(changed) > 16 * self._cap + 65536:  # bound the change log
            self._epoch += 1
            changed.clear()
        m = self._memos.get(key)
        if m is None or m[0] != self._epoch or m[1].shape[0] != self.n:
            if len(self._memos) >= 256:
                self._memos.clear()
            vals = np.asarray(fn(self.all_idx()))
            self._memos[key] = [self._epoch, vals, len(changed)]
            return vals
        pos = m[2]
        end = len(changed)
        if pos < end:
            n = self.n
            if end - pos == 1:  # the usual case: the node the last pod went to
                i = changed[pos]
                if i < n and one is not None:
                    v = one(i)
                    if v is not None:
                        m[1][i] = v
                        m[2] = end
                        return m[1]
                dirty = np.asarray([i] if i < n else [], dtype=np.int64)
            else:
                dirty = np.asarray(sorted({i for i in changed[pos:] if i < n}), dtype=np.int64)
            if dirty.size:
                m[1][dirty] = fn(dirty)
            m[2] = end
        return m[1]

    def _node_flags(self) -> tuple[int, bool, bool]:
        f = self._flags
        if f[0] != self._node_rows_version:
            n = self.n
            f = self._flags = (self._node_rows_version, bool(self.unsched[:n].any()), bool(self.taint_id[:n].any()))
        return f

    def any_unschedulable(self) -> bool:
        """Is any node's spec.unschedulable set? (If not, NodeUnschedulable passes every node.)"""
        return self._node_flags()[1]

    def any_tainted(self) -> bool:
        """Has any node a taint? (If not, TaintToleration passes every node and scores 0.)"""
        return self._node_flags()[2]

    def rotation(self) -> np.ndarray:
        """0..n-1 twice over: ``rotation()[s:s + k]`` is k nodes walked from s, wrapping."""
        a = self._rot
        if a is None or a.size != 2 * self.n:
            a = self._rot = np.concatenate((np.arange(self.n, dtype=np.int64),) * 2)
        return a

    def rows(self, arr, idx: np.ndarray):
        """``arr[idx]`` — a view when ``idx`` is all nodes in order, or a run of them."""
        if idx is self._all:
            return arr[: self.n]
        if idx is self._run_idx:  # the same index array as the last call (every plugin of a cycle)
            sl = self._run_sl
            return arr[sl] if sl is not None else arr[idx]
        sl = None
        if idx.base is self._rot and self._rot is not None and idx.size and idx.strides[0] == 8:
            # a run of the rotation (the nodes walked from the start index, none dropped)
            lo = int(idx[0])
            if int(idx[-1]) - lo == idx.size - 1:
                sl = slice(lo, lo + idx.size)
        # kept (with a reference, so the identity test stays sound): index arrays are
        # never written in place
        self._run_idx, self._run_sl = idx, sl
        return arr[sl] if sl is not None else arr[idx]

    def update_snapshot(self) -> "Snapshot":
        return self.snapshot


class Snapshot:
    """The node list a cycle works on (backend/cache/snapshot.go's listers)."""

    __slots__ = ("cache",)

    def __init__(self, cache: Cache):
        self.cache = cache

    @property
    def num_nodes(self) -> int:
        return self.cache.n

    def node_infos(self) -> list[NodeInfo]:
        return self.cache.node_list

    def get(self, name: str) -> Optional[NodeInfo]:
        return self.cache.nodes.get(name)

    def names(self) -> tuple[str, ...]:
        return self.cache.node_names()

    def have_pods_with_affinity_list(self) -> list[NodeInfo]:
        c = self.cache
        return [c.nodes[n] for n in sorted(c.affinity_nodes, key=lambda n: c.nodes[n].idx)]

    def have_pods_with_required_anti_affinity_list(self) -> list[NodeInfo]:
        c = self.cache
        return [c.nodes[n] for n in sorted(c.anti_affinity_nodes, key=lambda n: c.nodes[n].idx)]

    def image_state(self, image: str) -> Optional[dict[str, int]]:
        return self.cache.images.get(image)
