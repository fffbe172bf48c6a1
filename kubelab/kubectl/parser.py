"""kubectl's command line, parsed as its cobra/pflag commands parse it.

``parse(tokens)`` returns the verb, the positional arguments and the flags. Flags come in
three shapes, as in pflag: value flags (``-n kube-system``, ``--output=yaml``), boolean
flags (``-A``, ``--force``, ``--force=false``) and flags with an optional value
(pflag's ``NoOptDefVal``: ``--dry-run`` alone means ``--dry-run=unchanged``, which
cmdutil.GetDryRunStrategy reads as ``client``; ``--cascade`` alone means ``background``);
an optional-value flag never takes the next word as its value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Args", "KubectlError", "parse", "VALUE_FLAGS", "BOOL_FLAGS", "OPTIONAL_FLAGS"]


class KubectlError(Exception):
    """A message kubectl prints before exiting with status 1."""

    def __init__(self, message: str, partial: str = ""):
        super().__init__(message)
        self.message = message
        self.partial = partial  # output printed before the error


# flag name -> one-letter shorthand (or None)
VALUE_FLAGS = {
    "namespace": "n", "output": "o", "selector": "l", "field-selector": None, "filename": "f",
    "replicas": None, "sort-by": None, "label-columns": "L", "to-revision": None, "revision": None, "timeout": None,
    "grace-period": None, "container": "c", "current-replicas": None, "show-events": None,
    "request-timeout": None, "image": None, "port": None, "target-port": None, "type": None, "name": None,
    "labels": None, "restart": None, "from-literal": None, "patch": "p", "env": None, "protocol": None,
    "min": None, "max": None, "cpu-percent": None, "cpu": None, "memory": None,
    "subresource": None, "raw": None, "tail": None, "since": None, "since-time": None, "limit-bytes": None,
    "max-log-requests": None, "for": None, "types": None,
}
BOOL_FLAGS = {
    "all-namespaces": "A", "show-labels": None, "no-headers": None, "overwrite": None, "ignore-daemonsets": None,
    "force": None, "delete-emptydir-data": None, "watch": "w", "all": None, "wait": None, "recursive": "R",
    "show-kind": None, "watch-only": None, "client": None, "list": None, "show-swap": None,
    "interactive": "i",
    "previous": None, "timestamps": None, "follow": None, "all-containers": None, "prefix": None, "ignore-errors": None,
}
# shorthands one command gives another meaning (logs: -p is --previous, -f is --follow)
VERB_SHORT = {"logs": {"p": "previous", "f": "follow"}}
# pflag NoOptDefVal: the value a flag takes when written without one
OPTIONAL_FLAGS = {"dry-run": "unchanged", "cascade": "background"}
# flags that may repeat and accumulate
REPEATED = ("filename", "label-columns", "from-literal", "image", "env")
_SHORT = {v: k for k, v in {**VALUE_FLAGS, **BOOL_FLAGS}.items() if v}


@dataclass
class Args:
    verb: str
    positional: list[str] = field(default_factory=list)
    flags: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        v = self.flags.get(name, default)
        return v[-1] if isinstance(v, list) else v

    def all(self, name: str) -> list[Any]:
        v = self.flags.get(name)
        if v is None:
            return []
        return v if isinstance(v, list) else [v]

    def sub(self, positional: list[str]) -> "Args":
        """The same flags with other positional arguments (a subcommand's view)."""
        return Args(self.verb, list(positional), self.flags)


def parse(tokens: list[str]) -> Args:
    if tokens and tokens[0] == "kubectl":
        tokens = tokens[1:]
    verb = None
    positional: list[str] = []
    flags: dict[str, Any] = {}
    i = 0

    def put(name: str, value: Any) -> None:
        if name in REPEATED:
            flags.setdefault(name, []).append(value)
        else:
            flags[name] = value

    while i < len(tokens):
        t = tokens[i]
        i += 1
        if t == "--":
            positional.extend(tokens[i:])
            break
        if t.startswith("--") and len(t) > 2:
            name, eq, value = t[2:].partition("=")
            if name in VALUE_FLAGS:
                if not eq:
                    if i >= len(tokens):
                        raise KubectlError(f"error: flag needs an argument: --{name}")
                    value = tokens[i]
                    i += 1
                put(name, value)
            elif name in OPTIONAL_FLAGS:
                put(name, value if eq else OPTIONAL_FLAGS[name])
            elif name in BOOL_FLAGS:
                if eq and value.lower() not in ("true", "false", "1", "0", "t", "f"):
                    # pflag: strconv.ParseBool
                    raise KubectlError(f'error: invalid argument "{value}" for "--{name}" flag: '
                                       f'strconv.ParseBool: parsing "{value}": invalid syntax')
                put(name, (value.lower() in ("true", "1", "t")) if eq else True)
            else:
                raise KubectlError(f"error: unknown flag: --{name}")
            continue
        if t.startswith("-") and len(t) > 1 and t != "-":
            letters = t[1:]
            j = 0
            while j < len(letters):
                ch = letters[j]
                name = VERB_SHORT.get(verb or "", {}).get(ch) or _SHORT.get(ch)
                if name is None:
                    raise KubectlError(f"error: unknown shorthand flag: '{ch}' in {t}")
                if name in VALUE_FLAGS:
                    rest = letters[j + 1:]
                    if rest.startswith("="):
                        rest = rest[1:]
                    if rest:
                        value = rest
                    else:
                        if i >= len(tokens):
                            raise KubectlError(f"error: flag needs an argument: '{ch}' in -{ch}")
                        value = tokens[i]
                        i += 1
                    put(name, value)
                    break
                put(name, True)
                j += 1
            continue
        if verb is None:
            verb = t
        else:
            positional.append(t)
    if verb is None:
        raise KubectlError(
            "kubectl controls the Kubernetes cluster manager.\n\n"
            " Find more information at: https://kubernetes.io/docs/reference/kubectl/"
        )
    return Args(verb=verb, positional=positional, flags=flags)
