"""PodSecurity admission (staging/src/k8s.io/pod-security-admission): the Pod Security
Standards checked against the level a namespace's ``pod-security.kubernetes.io/enforce``
label names (``privileged``, ``baseline``, ``restricted``; no label is ``privileged``).

The checks and their words are upstream's (policy/check_*.go), run in the order of their IDs
(policy/registry.go sorts them), ``restricted`` overriding ``capabilities_baseline`` and
``seccompProfile_baseline`` with its own. The refusal reads
``violates PodSecurity "restricted:latest": reason (detail), ...`` (admission/admission.go).

Simulated: enforce on pod creation. Not simulated: the audit and warn modes, the
``-version`` labels (every level is ``latest``), exemptions, and the checks on AppArmor,
SELinux, /proc mount, sysctls, volume types of restricted, and Windows host processes."""

from __future__ import annotations

from typing import Any, Optional

LEVELS = ("privileged", "baseline", "restricted")
ENFORCE_LABEL = "pod-security.kubernetes.io/enforce"
# check_capabilities_baseline.go: the container runtime's default set
BASELINE_CAPABILITIES = {"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
                         "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}


def _plural(one: str, many: str, n: int) -> str:
    return one if n == 1 else many


def _join_quote(items) -> str:
    return ", ".join(f'"{i}"' for i in items)


def _containers(spec) -> list[tuple[str, dict]]:
    """visitContainers: init containers, then containers, with their securityContext."""
    out = []
    for c in list(spec.init_containers or []) + list(spec.containers or []):
        out.append((c.name, c.security_context or {}))
    return out


def _containers_with_ports(spec):
    return list(spec.init_containers or []) + list(spec.containers or [])


def _host_namespaces(spec, _):
    bad = [f"{k}=true" for k, v in (("hostNetwork", spec.host_network), ("hostPID", spec.host_pid),
                                     ("hostIPC", spec.host_ipc)) if v]
    return ("host namespaces", ", ".join(bad)) if bad else None


def _host_path_volumes(spec, _):
    bad = [v.get("name", "") if isinstance(v, dict) else getattr(v, "name", "")
           for v in (getattr(spec, "volumes", None) or [])
           if (v.get("hostPath") if isinstance(v, dict) else getattr(v, "host_path", None)) is not None]
    if not bad:
        return None
    return "hostPath volumes", f"{_plural('volume', 'volumes', len(bad))} {_join_quote(bad)}"


def _host_ports(spec, _):
    bad, ports = [], []
    for c in _containers_with_ports(spec):
        found = False
        for p in c.ports or []:
            hp = getattr(p, "host_port", None)
            if hp:
                found = True
                ports.append(str(hp))
        if found:
            bad.append(c.name)
    if not bad:
        return None
    return "hostPort", (f"{_plural('container', 'containers', len(bad))} {_join_quote(bad)} "
                        f"{_plural('uses', 'use', len(bad))} {_plural('hostPort', 'hostPorts', len(ports))} "
                        f"{', '.join(ports)}")


def _privileged(spec, containers):
    bad = [n for n, sc in containers if sc.get("privileged") is True]
    if not bad:
        return None
    return "privileged", (f"{_plural('container', 'containers', len(bad))} {_join_quote(bad)} must not set "
                          "securityContext.privileged=true")


def _added_caps(sc: dict) -> list[str]:
    return list(((sc.get("capabilities") or {}).get("add")) or [])


def _capabilities_baseline(spec, containers):
    bad, caps = [], []
    for n, sc in containers:
        extra = [c for c in _added_caps(sc) if c not in BASELINE_CAPABILITIES]
        if extra:
            bad.append(n)
            caps += [c for c in extra if c not in caps]
    if not bad:
        return None
    return "non-default capabilities", (f"{_plural('container', 'containers', len(bad))} {_join_quote(bad)} must not "
                                        f"include {_join_quote(sorted(caps))} in securityContext.capabilities.add")


def _seccomp_type(sc: Optional[dict]) -> Optional[str]:
    return ((sc or {}).get("seccompProfile") or {}).get("type")


def _seccomp_baseline(spec, containers):
    details = []
    if _seccomp_type(spec.security_context) == "Unconfined":
        details.append('pod must not set securityContext.seccompProfile.type to "Unconfined"')
    bad = [n for n, sc in containers if _seccomp_type(sc) == "Unconfined"]
    if bad:
        details.append(f"{_plural('container', 'containers', len(bad))} {_join_quote(bad)} must not set "
                       'securityContext.seccompProfile.type to "Unconfined"')
    return ("seccompProfile", "; ".join(details)) if details else None


def _allow_privilege_escalation(spec, containers):
    bad = [n for n, sc in containers if sc.get("allowPrivilegeEscalation") is not False]
    if not bad:
        return None
    return "allowPrivilegeEscalation != false", (f"{_plural('container', 'containers', len(bad))} {_join_quote(bad)} "
                                                 "must set securityContext.allowPrivilegeEscalation=false")


def _capabilities_restricted(spec, containers):
    no_drop, bad_add, caps = [], [], []
    for n, sc in containers:
        cap = sc.get("capabilities") or {}
        if "ALL" not in (cap.get("drop") or []):
            no_drop.append(n)
        extra = [c for c in cap.get("add") or [] if c != "NET_BIND_SERVICE"]
        if extra:
            bad_add.append(n)
            caps += [c for c in extra if c not in caps]
    details = []
    if no_drop:
        details.append(f"{_plural('container', 'containers', len(no_drop))} {_join_quote(no_drop)} must set "
                       'securityContext.capabilities.drop=["ALL"]')
    if bad_add:
        details.append(f"{_plural('container', 'containers', len(bad_add))} {_join_quote(bad_add)} must not include "
                       f"{_join_quote(caps)} in securityContext.capabilities.add")
    return ("unrestricted capabilities", "; ".join(details)) if details else None


def _run_as_non_root(spec, containers):
    pod_value = (spec.security_context or {}).get("runAsNonRoot")
    details = []
    if pod_value is False:
        details.append("pod must not set securityContext.runAsNonRoot=false")
    explicit_false = [n for n, sc in containers if sc.get("runAsNonRoot") is False]
    unset = [n for n, sc in containers if sc.get("runAsNonRoot") is None]
    if explicit_false:
        details.append(f"{_plural('container', 'containers', len(explicit_false))} {_join_quote(explicit_false)} "
                       "must not set securityContext.runAsNonRoot=false")
    if pod_value is not True and unset:
        details.append(f"{_plural('pod or container', 'pod or containers', len(unset))} {_join_quote(unset)} "
                       "must set securityContext.runAsNonRoot=true")
    return ("runAsNonRoot != true", "; ".join(details)) if details else None


def _run_as_user(spec, containers):
    details = []
    if (spec.security_context or {}).get("runAsUser") == 0:
        details.append("pod must not set runAsUser=0")
    bad = [n for n, sc in containers if sc.get("runAsUser") == 0]
    if bad:
        details.append(f"{_plural('container', 'containers', len(bad))} {_join_quote(bad)} must not set runAsUser=0")
    return ("runAsUser=0", "; ".join(details)) if details else None


def _seccomp_restricted(spec, containers):
    ok = ("RuntimeDefault", "Localhost")
    pod_type = _seccomp_type(spec.security_context)
    details = []
    if pod_type is not None and pod_type not in ok:
        details.append(f'pod must not set securityContext.seccompProfile.type to "{pod_type}"')
    bad = [(n, t) for n, sc in containers if (t := _seccomp_type(sc)) is not None and t not in ok]
    for t in sorted({t for _, t in bad}):
        names = [n for n, tt in bad if tt == t]
        details.append(f"{_plural('container', 'containers', len(names))} {_join_quote(names)} must not set "
                       f'securityContext.seccompProfile.type to "{t}"')
    if pod_type is None:
        unset = [n for n, sc in containers if _seccomp_type(sc) is None]
        if unset:
            details.append(f"{_plural('pod or container', 'pod or containers', len(unset))} {_join_quote(unset)} "
                           'must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"')
    return ("seccompProfile", "; ".join(details)) if details else None


# check ID -> (the level it starts at, the check); restricted overrides the two *_baseline ones
CHECKS: dict[str, tuple[str, Any]] = {
    "allowPrivilegeEscalation": ("restricted", _allow_privilege_escalation),
    "capabilities_baseline": ("baseline", _capabilities_baseline),
    "capabilities_restricted": ("restricted", _capabilities_restricted),
    "hostNamespaces": ("baseline", _host_namespaces),
    "hostPathVolumes": ("baseline", _host_path_volumes),
    "hostPorts": ("baseline", _host_ports),
    "privileged": ("baseline", _privileged),
    "runAsNonRoot": ("restricted", _run_as_non_root),
    "runAsUser": ("restricted", _run_as_user),
    "seccompProfile_baseline": ("baseline", _seccomp_baseline),
    "seccompProfile_restricted": ("restricted", _seccomp_restricted),
}
OVERRIDDEN_BY_RESTRICTED = ("capabilities_baseline", "seccompProfile_baseline")


def level_of(labels: Optional[dict]) -> str:
    """The enforce level; an invalid value is treated as ``restricted`` (admission.go
    "defaulting to restricted" for an unparseable level)."""
    value = (labels or {}).get(ENFORCE_LABEL)
    if value is None:
        return "privileged"
    return value if value in LEVELS else "restricted"


def violations(spec, level: str) -> list[str]:
    """``reason (detail)`` for each check the pod spec fails at ``level``, in check-ID order."""
    if level == "privileged":
        return []
    containers = _containers(spec)
    out = []
    for check_id in sorted(CHECKS):
        check_level, check = CHECKS[check_id]
        if check_level == "restricted" and level != "restricted":
            continue
        if level == "restricted" and check_id in OVERRIDDEN_BY_RESTRICTED:
            continue
        result = check(spec, containers)
        if result is not None:
            reason, detail = result
            out.append(f"{reason} ({detail})" if detail else reason)
    return out


def forbidden_message(spec, level: str) -> Optional[str]:
    found = violations(spec, level)
    if not found:
        return None
    return f'violates PodSecurity "{level}:latest": ' + ", ".join(found)
