"""kubectl delete (k8s.io/kubectl/pkg/cmd/delete/delete.go): by name, ``-l``, ``--all`` or
``-f``; ``--cascade=background|foreground|orphan`` (cmdutil.GetCascadingStrategy) sent as
the propagationPolicy; ``--grace-period`` and ``--force``; ``--dry-run=client`` deletes
nothing and ``--dry-run=server`` sends dryRun=All; ``-i``/``--interactive`` asks first (the
answer is read from stdin). From kubectl 1.34 (PR #126619) the line of a namespaced object
names its namespace: ``deployment.apps "web" deleted from default namespace``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from kubelab.api.meta import KubeObject

from .util import (DRY_CLIENT, DRY_SERVER, Args, KubectlError, dry_run_strategy, format_error, get_object, int_flag,
                   list_objects, read_manifests, resolve_kind, targets)

if TYPE_CHECKING:
    from ..cli import Kubectl

_POLICIES = {"background": "Background", "foreground": "Foreground", "orphan": "Orphan"}


def cascading_strategy(a: Args) -> str:
    """cmdutil.GetCascadingStrategy: a word, or a deprecated boolean (true: background,
    false: orphan)."""
    value = str(a.get("cascade") if a.get("cascade") is not None else "background")
    if value.lower() in ("true", "1", "t"):
        return "Background"
    if value.lower() in ("false", "0", "f"):
        return "Orphan"
    if value not in _POLICIES:
        raise KubectlError(f'error: invalid cascade value ({value}). Must be "background", "foreground", or "orphan"')
    return _POLICIES[value]


def run(k: "Kubectl", a: Args, stdin: Optional[str]) -> str:
    ns = k.ns(a)
    policy = cascading_strategy(a)
    strategy = dry_run_strategy(a)
    grace = int_flag(a, "grace-period", -1)
    force = bool(a.get("force"))
    if grace == 0 and not force:
        grace = 1  # delete.go: --grace-period=0 means 1 unless --force
    if force and grace < 0:
        grace = 0
    victims: list[tuple[type[KubeObject], str, str]] = []
    if a.all("filename"):
        for _, items in read_manifests(a, stdin, "delete"):
            for item in items:
                if not isinstance(item, dict) or not isinstance(item.get("kind"), str):
                    raise KubectlError("error: unable to decode an object: Object 'Kind' is missing")
                cls = resolve_kind(item["kind"])
                md = item.get("metadata") if isinstance(item.get("metadata"), dict) else {}
                victims.append((cls, str(md.get("name", "")), md.get("namespace") or ns))
    else:
        groups = targets(a, allow_all=False)
        if not groups:
            raise KubectlError(
                'error: You must provide one or more resources by argument or filename.\n'
                'Example resource specifications include:\n'
                "   '-f rsrc.yaml'\n"
                "   '--filename=rsrc.json'\n"
                "   '<resource> <name>'\n"
                "   '<resource>'"
            )
        for cls, names in groups:
            if names:
                victims.extend((cls, n, ns) for n in names)
            elif a.get("selector") or a.get("all"):
                victims.extend((cls, o.metadata.name or "", o.metadata.namespace or ns)
                               for o in list_objects(k, cls, ns, a.get("selector"), a.get("field-selector")))
            else:
                raise KubectlError("error: resource(s) were provided, but no name was specified")
    lines: list[str] = []
    if force and grace == 0:
        lines.append("Warning: Immediate deletion does not wait for confirmation that the running resource has been "
                     "terminated. The resource may continue to run on the cluster indefinitely.\n")
    if a.get("interactive") and victims:
        # delete.go confirmation: list what would go, ask on stdout, read one line of stdin;
        # only "y" (any case) goes on. Since kubectl 1.34 (PR #132251) the prompt shows the
        # default, N, which an empty line also picks
        lines.append(f"You are about to delete the following {len(victims)} resource(s):\n")
        lines += [f'{cls.KIND.lower()}{"." + cls.GROUP if cls.GROUP else ""}/{name}\n' for cls, name, _ in victims]
        lines.append("Do you want to continue? (y/N): ")
        answer = "" if stdin is None or "-" in a.all("filename") else (stdin.splitlines() or [""])[0]
        if answer.lower() != "y":
            return "".join(lines) + "deletion is cancelled\n"
    operation = "force deleted" if grace == 0 else "deleted"
    dry_suffix = {DRY_CLIENT: " (dry run)", DRY_SERVER: " (server dry run)"}.get(strategy, "")
    deleted = 0
    for cls, name, vns in victims:
        try:
            if strategy == DRY_CLIENT:
                get_object(k, cls, name, vns)  # the object must exist; nothing is sent
            else:
                extra = {"dry_run": True} if strategy == DRY_SERVER else {}
                k.source.delete(cls.KIND, name, vns if cls.NAMESPACED else None, propagation_policy=policy,
                                grace_period_seconds=None if grace < 0 else grace, **extra)
        except KubectlError as e:
            raise KubectlError(e.message, partial="".join(lines)) from None
        except Exception as e:  # noqa: BLE001
            raise KubectlError(format_error(e), partial="".join(lines)) from None
        deleted += 1
        kind = f'{cls.KIND.lower()}{"." + cls.GROUP if cls.GROUP else ""}'
        if a.get("output") == "name":
            lines.append(f"{kind}/{name}\n")
        else:
            # delete.go PrintObj (kubectl 1.34): the namespace goes before the dry-run suffix
            where = f" from {vns} namespace" if cls.NAMESPACED else ""
            lines.append(f'{kind} "{name}" {operation}{where}{dry_suffix}\n')
    if not deleted:
        return "No resources found\n"
    return "".join(lines)
