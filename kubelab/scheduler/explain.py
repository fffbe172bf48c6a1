"""The decision record every scheduling attempt leaves behind, and the FailedScheduling
message (framework/types.go FitError.Error()).

A :class:`Decision` is plain data for tests and a table for notebooks. It is built from
what the cycle computed anyway (no second computation): the node indices each filter
rejected with the status it gave, and the score matrix of the nodes that were scored.
Its dict faces (``filtered_out``, ``scores``...) are made on first access.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

NO_NODE_AVAILABLE_MSG = "0/{} nodes are available"  # framework.NoNodeAvailableMsg

# a new Decision's empty records, shared (read-only: recording replaces them, never writes)
_EMPTY = np.zeros(0, dtype=np.int64)
_EMPTY.flags.writeable = False
_EMPTY2 = np.zeros((0, 0), dtype=np.int64)
_EMPTY2.flags.writeable = False
_NO_VICTIMS: list = []  # shared: a Decision's victims are replaced, never appended to
_NO_STATUSES: list = []


def fit_error_message(num_all_nodes: int, reason_counts: dict[str, int], pre_filter_msg: str = "",
                      post_filter_msg: str = "") -> str:
    """FitError.Error(): ``0/N nodes are available: <count reason>, ... . <postfilter>``

    The "count reason" strings are sorted as strings (so "10 ..." sorts before "2 ...",
    exactly as upstream's sort.Strings does)."""
    msg = NO_NODE_AVAILABLE_MSG.format(num_all_nodes) + ":"
    if pre_filter_msg:
        msg += f" {pre_filter_msg}."
    else:
        hist = sorted(f"{v} {k}" for k, v in reason_counts.items())
        if hist:
            msg += f" {', '.join(hist)}."
    if post_filter_msg:
        # no period of its own since v1.30: preemption's message ends with one (it used to
        # read "...for scheduling.." - kubernetes/kubernetes#123302)
        msg += f" {post_filter_msg}"
    return msg


def reason_histogram(status_table, fail_ids: np.ndarray) -> dict[str, int]:
    counts: dict[str, int] = {}
    if fail_ids.size:
        ids, n = np.unique(fail_ids, return_counts=True)
        for i, c in zip(ids.tolist(), n.tolist()):
            for r in status_table[i].reasons:
                counts[r] = counts.get(r, 0) + c
    return counts


def _message_of(st) -> str:
    return st.message()


def _plugin_of(st) -> str:
    return st.plugin


def _code_of(st) -> str:
    return st.code.name


class Decision:
    """One scheduling attempt of one pod.

    Plain-data face: ``pod``, ``selected_node``, ``filtered_out[node]`` (reason text),
    ``filter_plugin[node]``, ``scores[node][plugin]`` (normalised 0-100, before weight),
    ``raw_scores[node][plugin]``, ``weights[plugin]``, ``total[node]``, ``victims``,
    ``nominated_node``, ``message``, ``result``, ``attempts`` (this pod's history).
    """

    # Slots, not a __dict__: the scheduler keeps one Decision per pod it has seen (a few
    # hundred bytes each instead of ~1.5 KB); the empty defaults are shared.
    __slots__ = ("pod", "uid", "profile", "attempt", "time", "cycle", "result", "selected_node", "message",
                 "num_all_nodes", "evaluated_nodes", "feasible_nodes", "pre_filter_message", "post_filter_message",
                 "victims", "nominated_node", "bound", "compacted", "_prev", "_names", "_status_table",
                 "_fail_idx", "_fail_ids", "_score_idx", "_weights", "_total", "_plugins", "_raw", "_norm", "_cache",
                 "_sel_idx", "_sel_pos", "_present", "_absent", "pre_filter_plugins")

    def __init__(self, pod: str, uid: str, profile: str, attempt: int, time: float, cycle: int):
        self.pod = pod
        self.uid = uid
        self.profile = profile
        self.attempt = attempt
        self.time = time
        self.cycle = cycle
        self.result = "Pending"  # Scheduled | Unschedulable | Error | Pending (waiting on permit)
        self.selected_node: Optional[str] = None
        self.message = ""
        self.num_all_nodes = 0
        self.evaluated_nodes = 0
        self.feasible_nodes = 0
        self.pre_filter_message = ""
        self.post_filter_message = ""
        self.victims: list[str] = _NO_VICTIMS  # replaced (never appended to) by preemption
        self.nominated_node: Optional[str] = None
        self.bound = False
        self.compacted = False
        self._prev: Optional["Decision"] = None  # this pod's attempt before this one
        # compact storage (filled by the scheduling cycle)
        self._names: tuple[str, ...] = ()
        self._status_table: list = _NO_STATUSES
        self._fail_idx = self._fail_ids = self._score_idx = self._weights = self._total = _EMPTY
        self._plugins: tuple[str, ...] = ()
        self._raw = self._norm = _EMPTY2
        self._cache: Optional[dict[str, Any]] = None  # the dict faces, made on first access
        self._sel_idx = -1
        self._sel_pos = -1
        # a PreFilterResult: the nodes it named (indices) and the absent nodes' status
        self._present: Optional[np.ndarray] = None
        self._absent = None
        self.pre_filter_plugins: tuple[str, ...] = ()

    def follows(self, prev: "Decision") -> None:
        """Make this the attempt after ``prev`` (same pod). Each attempt points to the one
        before it: no list shared by all (that was a reference cycle per pod)."""
        self._prev = prev

    @property
    def history(self) -> list["Decision"]:
        """This pod's attempts up to this one, oldest first (the same as ``attempts``)."""
        out = []
        d: Optional[Decision] = self
        while d is not None:
            out.append(d)
            d = d._prev
        out.reverse()
        return out

    # -- recording (the cycle calls these) ------------------------------------------------
    def record_filter(self, names, status_table, fail_idx, fail_ids) -> None:
        self._names, self._status_table = names, status_table
        self._fail_idx, self._fail_ids = fail_idx, fail_ids
        self._cache = None

    def record_pre_filter_result(self, present, absent_status, plugins) -> None:
        """PreFilter named the nodes to consider (``present``, indices); every other node
        has ``absent_status`` (schedule_one.go SetAbsentNodesStatus)."""
        self._present, self._absent = present, absent_status
        self.pre_filter_plugins = tuple(plugins)
        self._cache = None

    @property
    def pre_filter_result(self) -> Optional[list[str]]:
        """The nodes PreFilter narrowed the cycle to (that exist), or None: all nodes."""
        if self._present is None:
            return None
        n = self._names
        return [n[i] for i in self._present.tolist()]

    def _absent_idx(self) -> list[int]:
        if self._present is None:
            return []
        keep = np.ones(len(self._names), dtype=bool)
        keep[self._present] = False
        return np.flatnonzero(keep).tolist()

    def _verdicts(self, face) -> dict[str, str]:
        t, n = self._status_table, self._names
        out = {n[i]: face(t[s]) for i, s in zip(self._fail_idx.tolist(), self._fail_ids.tolist())}
        absent = self._absent_idx()
        if absent:
            v = ", ".join(self.pre_filter_plugins) if face is _plugin_of else face(self._absent)
            for i in absent:
                out[n[i]] = v
        return out

    def record_scores(self, idx, plugins, raw, norm, weights, total, raw_rows=None) -> None:
        """``raw_rows``: if given, the only rows where ``raw`` may differ from ``norm``
        (already checked to lie in 0..100), so only they are checked to fit in int32."""
        self._score_idx, self._plugins = idx, plugins
        if raw_rows is None or len(raw_rows) > 1:
            fits = raw.size and np.minimum.reduce(raw, axis=None) > -2**31 and np.maximum.reduce(raw, axis=None) < 2**31
        elif raw_rows:
            r = raw[raw_rows[0]]
            fits = r.size and np.minimum.reduce(r) > -2**31 and np.maximum.reduce(r) < 2**31
        else:
            fits = raw.size
        self._raw = raw.astype(np.int32) if fits else raw
        self._norm = norm.astype(np.int16)
        self._weights, self._total = weights, total
        self._cache = None

    def compact(self) -> None:
        """Keep the verdicts for the chosen node only (bounded memory for big runs)."""
        if self.compacted:
            return
        self.compacted = True
        if self.selected_node is not None and 0 <= self._sel_pos < self._score_idx.size:
            j = self._sel_pos  # where the chosen node is among the scored ones
            # copies, so the full matrices are freed (bounded memory is the point)
            self._score_idx = self._score_idx[j:j + 1].copy()
            self._raw, self._norm = self._raw[:, j:j + 1].copy(), self._norm[:, j:j + 1].copy()
            self._total = self._total[j:j + 1].copy()
        elif self.selected_node is not None and self._score_idx.size:
            try:
                sel = self._names.index(self.selected_node) if self._sel_idx < 0 else self._sel_idx
            except ValueError:
                sel = -1
            keep = np.flatnonzero(self._score_idx == sel)
            self._score_idx = self._score_idx[keep]
            self._raw, self._norm, self._total = self._raw[:, keep], self._norm[:, keep], self._total[keep]
        self._fail_idx = self._fail_ids = _EMPTY  # (a [:0] view would keep the full arrays alive)
        self._present = self._absent = None
        self._status_table = _NO_STATUSES  # (read only through the failed ones)
        self._cache = None

    # -- the plain-data face ---------------------------------------------------------------
    def _memo(self, key, fn):
        c = self._cache
        if c is None:
            c = self._cache = {}
        v = c.get(key)
        if v is None:
            v = c[key] = fn()
        return v

    @property
    def filtered_out(self) -> dict[str, str]:
        """Node -> reason, for every node rejected, and every node a PreFilterResult left
        out (with the absent nodes' reason)."""
        return self._memo("filtered_out", lambda: self._verdicts(_message_of))

    @property
    def filter_plugin(self) -> dict[str, str]:
        """Node -> the plugin that rejected it (for a node a PreFilterResult left out: the
        plugins whose PreFilter named the nodes, joined by ", ")."""
        return self._memo("filter_plugin", lambda: self._verdicts(_plugin_of))

    @property
    def filter_code(self) -> dict[str, str]:
        return self._memo("filter_code", lambda: self._verdicts(_code_of))

    def _matrix(self, m) -> dict[str, dict[str, int]]:
        n, p = self._names, self._plugins
        out = {}
        for j, i in enumerate(self._score_idx.tolist()):
            out[n[i]] = {p[k]: int(m[k, j]) for k in range(len(p))}
        return out

    @property
    def scores(self) -> dict[str, dict[str, int]]:
        return self._memo("scores", lambda: self._matrix(self._norm))

    @property
    def raw_scores(self) -> dict[str, dict[str, int]]:
        return self._memo("raw", lambda: self._matrix(self._raw))

    @property
    def weighted_scores(self) -> dict[str, dict[str, int]]:
        return self._memo("weighted", lambda: self._matrix(self._norm.astype(np.int64) * self._weights[:, None]))

    @property
    def weights(self) -> dict[str, int]:
        return {p: int(w) for p, w in zip(self._plugins, self._weights.tolist())}

    @property
    def total(self) -> dict[str, int]:
        def build():
            n = self._names
            return {n[i]: int(t) for i, t in zip(self._score_idx.tolist(), self._total.tolist())}
        return self._memo("total", build)

    @property
    def feasible(self) -> list[str]:
        return list(self.total) if self._score_idx.size else ([self.selected_node] if self.selected_node else [])

    @property
    def attempts(self) -> list["Decision"]:
        return self.history

    def reason_counts(self) -> dict[str, int]:
        counts = reason_histogram(self._status_table, self._fail_ids)
        absent = self._absent_idx()
        if absent:
            for r in self._absent.reasons:
                counts[r] = counts.get(r, 0) + len(absent)
        return counts

    def why_not(self, node: str) -> str:
        """In plain words: why the pod did not go to ``node``."""
        if node == self.selected_node:
            return f"{node} was chosen."
        if self._present is not None and node in self._names and node in self.filtered_out \
                and self._names.index(node) not in set(self._present.tolist()):
            return (f"{node} was not considered: PreFilter of {', '.join(self.pre_filter_plugins)} named the nodes "
                    f"to consider ({self.filtered_out[node]}).")
        if node in self.filtered_out:
            return f"{node} was filtered out by {self.filter_plugin[node]}: {self.filtered_out[node]}."
        if node in self.total:
            best = self.total.get(self.selected_node) if self.selected_node else None
            s = f"{node} passed every filter and scored {self.total[node]}"
            if best is not None:
                s += f", less than {self.selected_node}'s {best}" if self.total[node] < best else f", a tie with {self.selected_node} ({best}) lost at random"
            return s + "."
        if node not in self._names:
            return f"{node} was not a node when the pod was scheduled."
        return f"{node} was not evaluated (the scheduler stops after enough feasible nodes: percentageOfNodesToScore)."

    # -- reprs -----------------------------------------------------------------------------
    def summary(self) -> str:
        if self.result == "Scheduled" or self.selected_node:
            return f"{self.pod} -> {self.selected_node}"
        return f"{self.pod}: {self.message}"

    def __repr__(self) -> str:
        lines = [f"Decision(pod={self.pod!r}, attempt={self.attempt}, t={self.time:.3f}, result={self.result}, "
                 f"selected_node={self.selected_node!r})"]
        if self.message:
            lines.append(f"  message: {self.message}")
        for node, reason in sorted(self.filtered_out.items()):
            lines.append(f"  filtered {node}: {self.filter_plugin[node]}: {reason}")
        for node, t in sorted(self.total.items(), key=lambda kv: (-kv[1], kv[0]))[:20]:
            parts = ", ".join(f"{p}={s}" for p, s in self.scores[node].items())
            lines.append(f"  score {node}: total={t} ({parts})")
        if self.victims:
            lines.append(f"  victims: {', '.join(self.victims)}")
        if self.nominated_node:
            lines.append(f"  nominated node: {self.nominated_node}")
        return "\n".join(lines)

