"""kubectl's commands, one module per verb as upstream's k8s.io/kubectl/pkg/cmd/<verb>.

Each module's ``run(kubectl, args, stdin) -> str`` returns what the command prints and
raises :class:`~kubelab.kubectl.parser.KubectlError` for what it prints before exiting 1.
"""

from __future__ import annotations

from typing import Callable

from . import (api_resources, apply, auth, autoscale, cordon, create, delete, describe, drain, events, expose, get, label, logs,
               patch, rollout, run, scale, set, taint, top, version)

COMMANDS: dict[str, Callable] = {
    "get": get.run,
    "describe": describe.run,
    "apply": apply.run,
    "create": create.run,
    "run": run.run,
    "expose": expose.run,
    "set": set.run,
    "patch": patch.run,
    "delete": delete.run,
    "scale": scale.run,
    "autoscale": autoscale.run,
    "cordon": cordon.run,
    "uncordon": cordon.run_uncordon,
    "drain": drain.run,
    "taint": taint.run,
    "label": label.run,
    "annotate": label.run_annotate,
    "rollout": rollout.run,
    "top": top.run,
    "logs": logs.run,
    "events": events.run,
    "version": version.run,
    "api-resources": api_resources.run,
    "auth": auth.run,
}

__all__ = ["COMMANDS"]
