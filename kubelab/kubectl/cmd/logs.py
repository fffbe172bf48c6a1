"""kubectl logs (k8s.io/kubectl/pkg/cmd/logs/logs.go, polymorphichelpers/logsforobject.go),
over the source's ``logs(name, namespace, container=..., ...)`` (the pods/log subresource).

``POD [CONTAINER]``, ``TYPE/NAME`` (a workload: the pod kubectl's ByLogging order puts
first) or ``-l SELECTOR`` (every matching pod, ``--tail`` 10 unless given); ``-c``,
``--all-containers``, ``--prefix``, ``-p/--previous``, ``--tail``, ``--since``,
``--since-time``, ``--timestamps``, ``--limit-bytes``, ``--max-log-requests``. ``-f`` is
bounded here: it prints what the container has printed so far (a cell cannot wait); the
real kubectl against ``cluster.serve()`` follows as simulated time passes. Several streams
(``-l``, ``--all-containers``) print pod after pod in list order, containers in spec order:
upstream walks a Go map, so its order varies from run to run and this is one of its orders.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Optional

from ..duration import parse_go_duration
from .util import Args, KubectlError, format_error, int_flag, list_objects, resolve_kind

if TYPE_CHECKING:
    from ..cli import Kubectl

SELECTOR_TAIL = 10  # logs.go selectorTail
_RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


def _flag_error(name: str, value: str, why: str) -> KubectlError:
    # pflag refuses the value while cobra parses the command line: "Error: ..." and a usage hint
    return KubectlError(f'Error: invalid argument "{value}" for "--{name}" flag: {why}\n'
                        "See 'kubectl logs --help' for usage.")


def _int(a: Args, name: str, default: Optional[int]) -> Optional[int]:
    try:
        return int_flag(a, name, default)
    except KubectlError:
        raw = str(a.get(name))
        raise _flag_error(name, raw, f'strconv.ParseInt: parsing "{raw}": invalid syntax') from None
DEFAULT_CONTAINER = "kubectl.kubernetes.io/default-container"


def _by_logging(p: Any):
    """podutil.ByLogging: assigned first, Running < Unknown < Pending, ready first, more
    restarts first, older first."""
    phase = {"Running": 0, "Unknown": 1, "Pending": 2}.get(p.status.phase or "", 3)
    ready = any(c.type == "Ready" and c.status == "True" for c in p.status.conditions or ())
    restarts = max([c.restart_count or 0 for c in p.status.container_statuses or ()] or [0])
    created = p.metadata.creation_timestamp or "~"
    return (0 if p.spec.node_name else 1, phase, 0 if ready else 1, -restarts, created)


def _selector_of(obj: Any) -> Optional[str]:
    from ..printers import format_label_selector

    sel = getattr(getattr(obj, "spec", None), "selector", None)
    if sel is None:
        return None
    if isinstance(sel, dict) and obj.KIND in ("Service", "ReplicationController"):
        return ",".join(f"{k}={v}" for k, v in sel.items())
    text = format_label_selector(sel)
    return None if text in ("<none>", "") else text


def run(k: "Kubectl", a: Args, stdin: Optional[str]) -> str:
    ns = k.ns(a)
    selector = a.get("selector")
    pos = list(a.positional)
    all_containers = bool(a.get("all-containers"))
    container = a.get("container")
    if not pos and not selector:
        raise KubectlError("error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n"
                           "POD or TYPE/NAME is a required argument for the logs command\n"
                           "See 'kubectl logs -h' for help and examples")
    if selector and pos:
        raise KubectlError("error: only a selector (-l) or a POD name is allowed")
    if len(pos) == 2:
        if container:
            raise KubectlError("error: only one of -c or an inline [CONTAINER] arg is allowed")
        container = pos[1]
    elif len(pos) > 2:
        raise KubectlError("error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n"
                           "POD or TYPE/NAME is a required argument for the logs command\n"
                           "See 'kubectl logs -h' for help and examples")
    if all_containers and container:
        raise KubectlError("error: --all-containers=true should not be specified with container name "
                           f"{container}")
    tail = _int(a, "tail", -1)
    since = a.get("since")
    since_time = a.get("since-time")
    if since is not None and since_time is not None:
        raise KubectlError("error: at most one of `sinceTime` or `sinceSeconds` may be specified")
    since_seconds = None
    if since is not None:
        try:
            secs = parse_go_duration(since)
        except ValueError as exc:
            raise _flag_error("since", since, str(exc)) from None
        since_seconds = int(round(secs))
        if since_seconds < 0:
            raise KubectlError("error: --since must be greater than 0")
        since_seconds = since_seconds or None  # 0: not sent
    if since_time is not None and not _RFC3339.fullmatch(since_time):
        # util.ParseRFC3339, before any request
        head = since_time if not re.match(r"\d{4}", since_time) else since_time[4:]
        elem = "2006" if head == since_time else "-"
        raise KubectlError(f'error: parsing time "{since_time}" as "2006-01-02T15:04:05Z07:00": '
                           f'cannot parse "{head}" as "{elem}"')
    limit = _int(a, "limit-bytes", None)
    if limit is not None and limit < 0:
        raise KubectlError("error: --limit-bytes must be greater than 0")
    limit = limit or None  # 0: not sent
    if tail < -1:
        raise KubectlError("error: --tail must be greater than or equal to -1")
    if selector and tail == -1:
        tail = SELECTOR_TAIL
    max_requests = _int(a, "max-log-requests", 5)
    if max_requests is not None and max_requests < 1:
        raise KubectlError("error: --max-log-requests must be greater than 0")
    prefix = bool(a.get("prefix"))
    follow = bool(a.get("follow"))
    notes: list[str] = []  # what kubectl prints on stderr before the logs

    pod_cls = resolve_kind("Pod")

    def fetch(cls, name: str):
        # the resource builder's NotFound, as `kubectl logs` words it
        try:
            return k.source.get(cls.KIND, name, ns)
        except Exception as e:  # noqa: BLE001
            msg = format_error(e)
            if msg.startswith("Error from server (NotFound): "):
                raise KubectlError("error: e" + msg[1:] + f' in namespace "{ns}"') from None
            raise KubectlError(msg) from None

    if selector:
        pods = list_objects(k, pod_cls, ns, selector)
        if not pods:
            return f"No resources found in {ns} namespace.\n"
    else:
        kind, _, name = pos[0].rpartition("/")
        if not kind:
            pods = [fetch(pod_cls, name)]
        else:
            cls = resolve_kind(kind)
            obj = fetch(cls, name)
            if cls.KIND == "Pod":
                pods = [obj]
            else:
                sel = _selector_of(obj)
                if sel is None:
                    raise KubectlError(f"error: cannot get the logs from *{cls.VERSION}.{cls.KIND}: "
                                       f"selector for *{cls.VERSION}.{cls.KIND} not implemented")
                found = sorted(list_objects(k, pod_cls, ns, sel), key=_by_logging)
                if not found:
                    raise KubectlError("error: timed out waiting for the condition")
                if len(found) > 1:
                    notes.append(f"Found {len(found)} pods, using pod/{found[0].metadata.name}")
                pods = [found[0]]

    # (pod, container) pairs, as LogsForObject walks them
    streams: list[tuple[Any, str]] = []
    for p in pods:
        if all_containers:
            names = [c.name for c in p.spec.init_containers or ()] + [c.name for c in p.spec.containers]
            streams.extend((p, n) for n in names)
        elif container:
            known = [c.name for c in p.spec.init_containers or ()] + [c.name for c in p.spec.containers]
            if container not in known:  # podcmd.FindContainerByName, before any request
                raise KubectlError(f"error: container {container} is not valid for pod {p.metadata.name}")
            streams.append((p, container))
        else:
            names = [c.name for c in p.spec.containers]
            chosen = (p.metadata.annotations or {}).get(DEFAULT_CONTAINER)
            if chosen not in names:
                chosen = names[0] if names else ""
                if len(names) > 1:
                    # podcmd.FindOrDefaultContainerByName
                    notes.append(f'Defaulted container "{chosen}" out of: {", ".join(names)}')
            streams.append((p, chosen))
    if follow and len(streams) > (max_requests or 5):
        raise KubectlError(f"error: you are attempting to follow {len(streams)} log streams, but maximum allowed "
                           f"concurrency is {max_requests}, use --max-log-requests to increase the limit")

    logs = getattr(k.source, "logs", None)
    if logs is None:
        raise KubectlError("error: the server could not find the requested resource ( pods/log)")
    out = "".join(n + "\n" for n in notes)
    for p, c in streams:
        try:
            text = logs(p.metadata.name, p.metadata.namespace or ns, container=c or None,
                        previous=bool(a.get("previous")), tail_lines=None if tail == -1 else tail,
                        since_seconds=since_seconds, since_time=since_time, timestamps=bool(a.get("timestamps")),
                        limit_bytes=limit)
        except Exception as e:  # noqa: BLE001 - the server's answer, printed as kubectl prints it
            if a.get("ignore-errors") and len(streams) > 1:
                continue
            raise KubectlError(format_error(e), partial=out) from None
        if prefix:
            tag = f"[pod/{p.metadata.name}/{c}] "
            text = "".join(tag + line for line in text.splitlines(keepends=True))
        out += text
    return out
