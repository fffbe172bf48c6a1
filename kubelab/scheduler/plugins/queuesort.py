"""PrioritySort (plugins/queuesort/priority_sort.go): higher priority first, then the
pod that entered the queue first."""

from __future__ import annotations

NAME = "PrioritySort"


class PrioritySort:
    name = NAME

    def less(self, a, b) -> bool:
        p1, p2 = a.pinfo.priority, b.pinfo.priority
        return p1 > p2 or (p1 == p2 and a.timestamp < b.timestamp)

    def sort_key(self, qpi):
        """The same order as ``less``, as a heap key."""
        return (-qpi.pinfo.priority, qpi.timestamp)
