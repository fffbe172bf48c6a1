"""The framework runner for one profile (pkg/scheduler/framework/runtime/framework.go).

It calls the plugins of each extension point in order, stamps the plugin's name on the
status it returns (the plugin never does), honours Skip from PreFilter / PreScore, and
checks normalised scores are within 0..100 before weighting them.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional

import numpy as np

from . import interface as ep
from .cycle_state import CycleState
from .status import _SUCCESS, Code, Status, as_status
from .types import MAX_NODE_SCORE, MIN_NODE_SCORE, NodeInfo, PodInfo

_EMPTY = np.zeros(0, dtype=np.int64)
_SKIP_CODE, _SUCCESS_CODE = Code.Skip, Code.Success
_I64 = np.dtype(np.int64)


class FrameworkError(Exception):
    """A plugin returned Error (or raised): the cycle stops, the pod backs off."""

    def __init__(self, status: Status):
        super().__init__(status.message())
        self.status = status


class Framework:
    """One scheduling profile: its plugins per extension point, weights and tables."""

    def __init__(self, profile_name: str, handle: Any, plugins: dict[str, Any], points: dict[str, list[str]],
                 weights: dict[str, int], percentage_of_nodes_to_score: Optional[int] = None):
        self.profile_name = profile_name
        self.handle = handle
        self.plugins = plugins  # name -> instance
        self.points: dict[str, list[Any]] = {p: [plugins[n] for n in points.get(p, ())] for p in ep.EXTENSION_POINTS}
        self.weights = dict(weights)
        self.percentage_of_nodes_to_score = percentage_of_nodes_to_score
        self.status_table: list[Status] = [Status(Code.Success)]
        self._status_ids: dict[tuple, int] = {}
        self._score_plans: dict[tuple, tuple] = {}
        self._filter_plans: dict[tuple, tuple] = {}
        self._normalized_rows: dict[tuple, tuple] = {}

    # -- plumbing ------------------------------------------------------------------------
    def plugin(self, name: str) -> Any:
        return self.plugins[name]

    def list_plugins(self) -> dict[str, list[str]]:
        return {p: [pl.name for pl in pls] for p, pls in self.points.items() if pls}

    def intern(self, status: Status) -> int:
        k = status.key()
        i = self._status_ids.get(k)
        if i is None:
            i = len(self.status_table)
            self.status_table.append(status)
            self._status_ids[k] = i
        return i

    def has_filter_plugin(self, name: str) -> bool:
        return any(p.name == name for p in self.points[ep.FILTER])

    @property
    def queue_sort(self):
        qs = self.points[ep.QUEUE_SORT]
        return qs[0] if qs else None

    def add_plugin(self, plugin: Any, points: Iterable[str], weight: int = 1, index: Optional[int] = None) -> None:
        """Register a plugin instance on this profile (used by custom notebook plugins)."""
        name = plugin.name
        if name in self.plugins:
            raise ValueError(f"a plugin named {name!r} is already registered in profile {self.profile_name!r}")
        self.plugins[name] = plugin
        for p in points:
            lst = self.points[p]
            lst.insert(len(lst) if index is None else index, plugin)
        if ep.SCORE in points:
            self.weights[name] = weight

    def remove_plugin(self, name: str) -> None:
        pl = self.plugins.pop(name, None)
        for lst in self.points.values():
            if pl in lst:
                lst.remove(pl)
        self.weights.pop(name, None)

    # -- PreFilter / Filter --------------------------------------------------------------
    def run_pre_filter_plugins(self, state: CycleState, pod: PodInfo, snapshot) -> tuple:
        """RunPreFilterPlugins (runtime/framework.go): (merged PreFilterResult or None,
        status, names of the plugins that returned node names).

        Skip marks the plugin's Filter off; UnschedulableAndUnresolvable stops at once;
        Unschedulable is remembered and the remaining plugins still run (their state
        serves preemption, kubernetes#119770); any other code is an Error. The node
        names the plugins return are intersected; an empty intersection makes the pod
        UnschedulableAndUnresolvable: "node(s) didn't satisfy plugin <name>" (one
        plugin) or "node(s) didn't satisfy plugin(s) [<a> <b>] simultaneously"."""
        result = None
        with_nodes: set[str] = set()
        return_status = _SUCCESS
        for pl in self.points[ep.PRE_FILTER]:
            try:
                r = pl.pre_filter(state, pod, snapshot)
                if r is None:  # nil, nil: Success, all nodes
                    continue
                if type(r) is Status:
                    res, st = None, r
                else:
                    res, st = ep.split_pre_filter(r)
                    st = as_status(st)
            except Exception as e:  # a plugin bug is an Error status, not a crash
                res, st = None, Status.as_status(e)
            code = st.code
            if code == _SKIP_CODE:
                state.skip_filter_plugins.add(pl.name)
                continue
            if code != _SUCCESS_CODE:
                st = st.with_plugin(pl.name)
                if code == Code.UnschedulableAndUnresolvable:
                    return None, st, set()
                if code == Code.Unschedulable:
                    return_status = st
                    continue
                raise FrameworkError(Status(Code.Error, f'running PreFilter plugin "{pl.name}": {st.message()}', plugin=pl.name))
            if res is None:
                continue
            if not res.all_nodes():
                with_nodes.add(pl.name)
            result = ep.merge_pre_filter_results(result, res)
            if not ep.all_nodes(result) and not result.node_names:
                names = sorted(with_nodes)
                if len(names) == 1:
                    msg = f"node(s) didn't satisfy plugin {names[0]}"
                else:
                    msg = f"node(s) didn't satisfy plugin(s) [{' '.join(names)}] simultaneously"
                return result, Status(Code.UnschedulableAndUnresolvable, msg), with_nodes
        return result, return_status, with_nodes

    def run_pre_filter(self, state: CycleState, pod: PodInfo, snapshot) -> Status:
        """RunPreFilterPlugins' status alone (see run_pre_filter_plugins)."""
        return self.run_pre_filter_plugins(state, pod, snapshot)[1]

    def active_filters(self, state: CycleState) -> list[Any]:
        return [pl for pl in self.points[ep.FILTER] if pl.name not in state.skip_filter_plugins]

    def filter_plan(self, state: CycleState) -> tuple[list[Any], bool]:
        """(active_filters(state), whether every one of them has a vector form), kept per
        (plugin list, skipped set); the list is shared: do not change it."""
        pls = self.points[ep.FILTER]
        key = (tuple(pls), frozenset(state.skip_filter_plugins))
        plan = self._filter_plans.get(key)
        if plan is None:
            filters = self.active_filters(state)
            plan = (filters, all(hasattr(f, "filter_nodes") for f in filters))
            if len(self._filter_plans) >= 64:
                self._filter_plans.clear()
            self._filter_plans[key] = plan
        return plan

    def run_filter_nodes(self, state: CycleState, pod: PodInfo, snapshot, idx: np.ndarray, filters=None):
        """Run the filters over ``idx`` in plugin order; a node stops at its first rejection.

        Returns (feasible indices, rejected indices, status ids of the rejections)."""
        fail_idx, fail_ids = [], []
        nodes = snapshot.cache.node_list
        for pl in filters if filters is not None else self.active_filters(state):
            if idx.size == 0:
                break
            fn = getattr(pl, "filter_nodes", None)
            try:
                if fn is not None:
                    codes, statuses = fn(state, pod, snapshot, idx)
                    if codes is None:  # the plugin's shorthand for "every node passes"
                        continue
                    bad = codes != 0
                    if not bad.any():
                        continue
                    table = [0]
                    for s in statuses:
                        s = as_status(s)
                        if s.code == Code.Error:
                            raise FrameworkError(s.with_plugin(pl.name))
                        table.append(self.intern(s.with_plugin(pl.name)))
                    fail_idx.append(idx[bad])
                    fail_ids.append(np.asarray(table, dtype=np.int64)[codes[bad]])
                    idx = idx[~bad]
                else:
                    keep = np.ones(idx.size, dtype=bool)
                    ids = []
                    for j, i in enumerate(idx.tolist()):
                        st = as_status(pl.filter(state, pod, nodes[i]))
                        if st.code == Code.Success:
                            continue
                        if not st.is_rejected():
                            raise FrameworkError(Status(Code.Error, f'running "{pl.name}" filter plugin: {st.message()}', plugin=pl.name))
                        keep[j] = False
                        ids.append(self.intern(st.with_plugin(pl.name)))
                    if ids:
                        fail_idx.append(idx[~keep])
                        fail_ids.append(np.asarray(ids, dtype=np.int64))
                        idx = idx[keep]
            except FrameworkError:
                raise
            except Exception as e:
                raise FrameworkError(Status(Code.Error, f'running "{pl.name}" filter plugin: {type(e).__name__}: {e}', plugin=pl.name, error=e)) from e
        if fail_idx:
            return idx, np.concatenate(fail_idx), np.concatenate(fail_ids)
        return idx, _EMPTY, _EMPTY

    def run_filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status:
        """RunFilterPlugins for one node (used by preemption's what-if checks)."""
        for pl in self.active_filters(state):
            st = as_status(pl.filter(state, pod, node))
            if not st.is_success():
                return st.with_plugin(pl.name)
        return _SUCCESS

    # -- PostFilter ----------------------------------------------------------------------
    def run_post_filter(self, state: CycleState, pod: PodInfo, node_statuses: dict):
        """RunPostFilterPlugins: the first plugin that makes the pod schedulable wins."""
        reasons = []
        result = None
        for pl in self.points[ep.POST_FILTER]:
            r, st = pl.post_filter(state, pod, node_statuses)
            st = as_status(st).with_plugin(pl.name)
            if st.is_success():
                return r, st
            if st.code == Code.UnschedulableAndUnresolvable:
                return r, st
            if not st.is_rejected():
                return None, st
            if r is not None:
                result = r
            reasons.extend(st.reasons)
        return result, Status(Code.Unschedulable, *reasons)

    # -- PreScore / Score ----------------------------------------------------------------
    def run_pre_score(self, state: CycleState, pod: PodInfo, nodes: list) -> None:
        for pl in self.points[ep.PRE_SCORE]:
            r = pl.pre_score(state, pod, nodes)
            if r is None:
                continue
            st = r if type(r) is Status else as_status(r)
            code = st.code
            if code == _SKIP_CODE:
                state.skip_score_plugins.add(pl.name)
                continue
            if code != _SUCCESS_CODE:
                raise FrameworkError(Status(Code.Error, f'running PreScore plugin "{pl.name}": {st.message()}', plugin=pl.name))

    def _score_plan(self, skip) -> tuple:
        """The Score plugins not skipped this cycle, in order, with their names and their
        score_nodes / normalize_score (or None), kept per (plugin list, skipped set)."""
        pls = self.points[ep.SCORE]
        key = (tuple(pls), frozenset(skip))
        plan = self._score_plans.get(key)
        if plan is None:
            plugins = [pl for pl in pls if pl.name not in skip]
            names = tuple(pl.name for pl in plugins)
            plan = (plugins, names)
            self._normalized_rows[names] = tuple(k for k, pl in enumerate(plugins)
                                                 if getattr(pl, "normalize_score", None) is not None)
            if len(self._score_plans) >= 64:
                self._score_plans.clear()
                self._normalized_rows.clear()
            self._score_plans[key] = plan
        return plan

    def normalized_rows(self, names: tuple) -> Optional[tuple]:
        """The rows of run_score's matrices (for its ``names``) whose plugin has a
        NormalizeScore: only there may a raw score differ from its normalised (0..100) one.
        None: not known."""
        return self._normalized_rows.get(names)

    def run_score(self, state: CycleState, pod: PodInfo, snapshot, idx: np.ndarray):
        """RunScorePlugins + NormalizeScore + weights. Returns
        (plugin names, raw scores, normalised scores, weights, totals)."""
        plugins, names = self._score_plan(state.skip_score_plugins)
        n = idx.size
        raw = np.empty((len(plugins), n), dtype=np.int64)  # every row is written below
        nodes = snapshot.cache.node_list
        for k, pl in enumerate(plugins):
            try:
                fn = getattr(pl, "score_nodes", None)
                if fn is not None:
                    s = fn(state, pod, snapshot, idx)
                    if type(s) is not np.ndarray or s.dtype is not _I64:
                        s = np.asarray(s, dtype=np.int64)
                else:
                    vals = []
                    for i in idx.tolist():
                        v = pl.score(state, pod, nodes[i])
                        if isinstance(v, tuple):
                            v, st = v
                            st = as_status(st)
                            if not st.is_success():
                                raise FrameworkError(st.with_plugin(pl.name))
                        vals.append(int(v))
                    s = np.asarray(vals, dtype=np.int64)
                raw[k] = s
            except FrameworkError:
                raise
            except Exception as e:
                raise FrameworkError(Status(Code.Error, f'running Score plugin "{pl.name}": {type(e).__name__}: {e}', plugin=pl.name, error=e)) from e
        # then each plugin's NormalizeScore, as upstream (RunScorePlugins scores every
        # plugin, then normalises), in place on its row of a copy (raw keeps the scores)
        norm = raw.copy()
        for k, pl in enumerate(plugins):
            nf = getattr(pl, "normalize_score", None)
            if nf is None:
                continue
            row = norm[k]
            try:
                r = nf(state, pod, row, idx)
                out = np.asarray(r, dtype=np.int64) if r is not None and r is not row else None
            except FrameworkError:
                raise
            except Exception as e:
                raise FrameworkError(Status(Code.Error, f'running Score plugin "{pl.name}": {type(e).__name__}: {e}', plugin=pl.name, error=e)) from e
            if out is not None:
                norm[k] = out
        # read as unsigned, a negative score is huge: one reduction checks both bounds
        # (MIN_NODE_SCORE is 0)
        if n and plugins and int(np.maximum.reduce(norm.view(np.uint64), axis=None)) > MAX_NODE_SCORE:
            # the first plugin out of range (one check over the matrix, then find it)
            for k, pl in enumerate(plugins):
                out = norm[k]
                if out.max() > MAX_NODE_SCORE or out.min() < MIN_NODE_SCORE:
                    bad = int(out.max() if out.max() > MAX_NODE_SCORE else out.min())
                    raise FrameworkError(Status(
                        Code.Error,
                        f'plugin "{pl.name}" returns an invalid score {bad}, it should in the range of [{MIN_NODE_SCORE}, {MAX_NODE_SCORE}] after normalizing',
                        plugin=pl.name))
        wget = self.weights.get
        weights = np.asarray([wget(name, 1) for name in names], dtype=np.int64)
        if plugins:
            # sum of score * weight: one (1 x plugins) @ (plugins x nodes) product, exact
            # in int64 (scores 0..100 times weights)
            total = weights @ norm
        else:
            total = np.zeros(n, dtype=np.int64)
        return names, raw, norm, weights, total

    # -- Reserve / Permit / PreBind / Bind / PostBind ----------------------------------
    def run_reserve(self, state: CycleState, pod: PodInfo, node_name: str) -> Status:
        for pl in self.points[ep.RESERVE]:
            st = as_status(pl.reserve(state, pod, node_name))
            if not st.is_success():
                return st.with_plugin(pl.name)
        return _SUCCESS

    def run_unreserve(self, state: CycleState, pod: PodInfo, node_name: str) -> None:
        for pl in reversed(self.points[ep.RESERVE]):  # reverse order, as upstream
            pl.unreserve(state, pod, node_name)

    def run_permit(self, state: CycleState, pod: PodInfo, node_name: str) -> tuple[Status, float]:
        """Success, a rejection, or Wait with the longest timeout the waiting plugins asked."""
        wait = 0.0
        waiting = []
        for pl in self.points[ep.PERMIT]:
            r = pl.permit(state, pod, node_name)
            st, timeout = (r if isinstance(r, tuple) else (r, 0.0))
            st = as_status(st)
            if st.code == Code.Wait:
                wait = max(wait, float(timeout))
                waiting.append(pl.name)
                continue
            if not st.is_success():
                return st.with_plugin(pl.name), 0.0
        if waiting:
            return Status(Code.Wait, *waiting), wait
        return _SUCCESS, 0.0

    def run_pre_bind(self, state: CycleState, pod: PodInfo, node_name: str) -> Status:
        for pl in self.points[ep.PRE_BIND]:
            st = as_status(pl.pre_bind(state, pod, node_name))
            if not st.is_success():
                return st.with_plugin(pl.name)
        return _SUCCESS

    def run_post_bind(self, state: CycleState, pod: PodInfo, node_name: str) -> None:
        for pl in self.points[ep.POST_BIND]:
            pl.post_bind(state, pod, node_name)

    def bind_plugins(self) -> list[Any]:
        return self.points[ep.BIND]

    def __repr__(self) -> str:
        return f"Framework({self.profile_name!r}, {self.list_plugins()})"
