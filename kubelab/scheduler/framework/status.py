"""Status codes and the Status a plugin returns.

Mirrors pkg/scheduler/framework/interface.go (``Code``, ``Status``): the plugin
returns a code and reasons; the *runner* stamps the plugin name on it
(``Status.with_plugin``), as upstream's frameworkImpl does.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Optional


class Code(IntEnum):
    # interface.go: the order and the names are upstream's
    Success = 0
    Error = 1
    Unschedulable = 2
    UnschedulableAndUnresolvable = 3
    Wait = 4
    Skip = 5
    Pending = 6


class Status:
    """A plugin's verdict: a code, the reasons (plain text), the plugin that said so."""

    __slots__ = ("code", "reasons", "plugin", "error")

    def __init__(self, code: Code = Code.Success, *reasons: str, plugin: str = "", error: Optional[BaseException] = None):
        self.code = Code(code)
        self.reasons = tuple(reasons)
        self.plugin = plugin
        self.error = error

    # constructors --------------------------------------------------------------------
    @classmethod
    def success(cls) -> "Status":
        return _SUCCESS if cls is Status else cls(Code.Success)

    @classmethod
    def skip(cls) -> "Status":
        return _SKIP if cls is Status else cls(Code.Skip)  # shared: a Status is never mutated

    @classmethod
    def unschedulable(cls, *reasons: str) -> "Status":
        return cls(Code.Unschedulable, *reasons)

    @classmethod
    def unresolvable(cls, *reasons: str) -> "Status":
        return cls(Code.UnschedulableAndUnresolvable, *reasons)

    @classmethod
    def as_status(cls, err: BaseException) -> "Status":
        return cls(Code.Error, str(err), error=err)

    # predicates ------------------------------------------------------------------------
    def is_success(self) -> bool:
        return self.code == Code.Success

    def is_skip(self) -> bool:
        return self.code == Code.Skip

    def is_rejected(self) -> bool:
        """Unschedulable, UnschedulableAndUnresolvable or Pending (interface.go IsRejected)."""
        return self.code in (Code.Unschedulable, Code.UnschedulableAndUnresolvable, Code.Pending)

    def message(self) -> str:
        return ", ".join(self.reasons)

    def with_plugin(self, plugin: str) -> "Status":
        if self.plugin == plugin:
            return self
        return Status(self.code, *self.reasons, plugin=plugin, error=self.error)

    def key(self) -> tuple:
        return (self.plugin, int(self.code), self.reasons)

    def __eq__(self, other: object) -> bool:
        if other is None:
            return self.code == Code.Success
        return isinstance(other, Status) and self.key() == other.key()

    def __hash__(self) -> int:
        return hash(self.key())

    def __repr__(self) -> str:
        p = f" {self.plugin}" if self.plugin else ""
        r = f": {self.message()}" if self.reasons else ""
        return f"<Status {self.code.name}{p}{r}>"


def as_status(result) -> Status:
    """Normalise what a plugin returned: None means success (as a nil *Status in Go)."""
    if result is None:
        return _SUCCESS
    if isinstance(result, Status):
        return result
    if result is True:
        return _SUCCESS
    if result is False:
        return Status(Code.Unschedulable, "rejected")
    if isinstance(result, str):
        return Status(Code.Unschedulable, result)
    raise TypeError(f"a plugin must return a Status, None, bool or str, not {result!r}")


_SUCCESS = Status(Code.Success)
_SKIP = Status(Code.Skip)
