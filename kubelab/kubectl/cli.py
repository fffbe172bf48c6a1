"""``Kubectl(source)("get pods -o wide")``: kubectl's verbs, flags, output and error wording.

This module is the dispatcher (k8s.io/kubectl/pkg/cmd/cmd.go): it splits the command line,
parses it (:mod:`kubelab.kubectl.parser`) and hands it to the verb's module under
:mod:`kubelab.kubectl.cmd` — one module per verb, as upstream's ``pkg/cmd/<verb>``. The
answer is the text kubectl would print (stdout and stderr together, as a terminal shows
them) with kubectl's exit code.

- errors from the server: ``Error from server (<Reason>): <message>``
  (k8s.io/kubectl/pkg/cmd/util/helpers.go ``StandardErrorMessage``);
- unknown types: ``error: the server doesn't have a resource type "foo"``.

The source is anything implementing :class:`kubelab.kubectl.source.Source`.
"""

from __future__ import annotations

import shlex
from typing import Any, Optional, Sequence

from .cmd import COMMANDS
from .cmd.util import format_error
from .parser import Args, KubectlError, parse
from .source import Source, status_of

__all__ = ["Kubectl", "Output", "KubectlError"]


class Output(str):
    """What kubectl printed. A ``str`` (so ``print(...)`` and ``in`` work) that shows itself
    unquoted as a notebook cell result, and knows kubectl's exit code."""

    exit_code: int = 0

    def __new__(cls, text: str, exit_code: int = 0) -> "Output":
        obj = super().__new__(cls, text)
        obj.exit_code = exit_code
        return obj

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self).rstrip("\n"))

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


class Kubectl:
    """``kubectl`` against a :class:`~kubelab.kubectl.source.Source`.

    >>> k = Kubectl(source)            # doctest: +SKIP
    >>> print(k("get pods -o wide"))   # doctest: +SKIP
    """

    def __init__(self, source: Source, namespace: str = "default") -> None:
        self.source = source
        self.namespace = namespace

    def __repr__(self) -> str:
        return f"<Kubectl namespace={self.namespace}>"

    def __call__(self, args: str | Sequence[str], stdin: Optional[str] = None) -> Output:
        try:
            tokens = shlex.split(args) if isinstance(args, str) else [str(t) for t in args]
        except ValueError as e:
            return Output(f"error: {e}\n", 1)
        try:
            a = parse(tokens)
            command = COMMANDS.get(a.verb)
            if command is None:
                raise KubectlError(f'error: unknown command "{a.verb}" for "kubectl"')
            return Output(command(self, a, stdin), 0)
        except KubectlError as e:
            text = e.partial + e.message
            return Output(text if text.endswith("\n") else text + "\n", 1)
        except RecursionError:
            return Output("error: exceeded max depth\n", 1)
        except Exception as e:  # noqa: BLE001 - an API error the command did not expect
            if status_of(e) is None and not str(e).startswith("The connection to the server"):
                raise
            return Output(format_error(e) + "\n", 1)

    run = __call__

    # -- what the commands share ------------------------------------------------------------
    @property
    def now(self) -> float:
        return self.source.now

    def ns(self, a: Args) -> str:
        """``-n`` or the context's namespace."""
        return a.get("namespace") or self.namespace
