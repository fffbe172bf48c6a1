"""Container logs: what each simulated container prints, kept as the kubelet keeps them.

The container runtime writes each container's stdout and stderr to a log file under
``/var/log/pods``; the kubelet serves it (``/containerLogs/{ns}/{pod}/{container}``) with the
options of ``PodLogOptions`` (pkg/kubelet/kuberuntime/logs/logs.go ReadLogs): ``tailLines``
first, then ``sinceTime`` (or ``sinceSeconds``), ``timestamps`` as an RFC 3339 prefix with
nanoseconds (Go's ``time.RFC3339Nano``), ``limitBytes`` last; ``follow`` keeps the stream
open while the container runs. The kubelet keeps one dead instance per container
(``MaxPerPodContainer``), which is what ``--previous`` reads.

What a simulated container prints comes from:

- the pod's annotation ``sim.kubelab.io/log-lines`` (or ``sim.kubelab.io/log-lines.<container>``
  for one container): lines printed when the container starts;
- the command when the image has a shell (busybox, alpine, ubuntu, debian...): ``echo``,
  ``date``, ``sleep``, ``printenv``/``hostname``, ``;``/``&&``/``||``, ``while true; do ...; done``
  and ``for x in ...; do ...; done`` are evaluated on the simulated clock, ``$VAR``, ``$(date)``
  and ``$HOSTNAME`` expanded; anything else prints nothing;
- nginx (no command given): the official image's entrypoint and startup notices;
- everything else (pause, redis...): nothing.

Approximations: a script's end does not end its container (``sim.kubelab.io/run-seconds``
does, as for every container), except a regular init container's, which exits with the
script's status (:func:`writer` returns it); stdout and stderr are one stream; rotation is a sliding window
of ``MAX_LOG_BYTES`` (the kubelet's ``containerLogMaxSize``, 10 MiB).
"""

from __future__ import annotations

import datetime as _dt
import re
import shlex
from collections import deque
from typing import Any, Callable, Iterator, Optional

from kubelab.api.base import SIM_EPOCH

LOG_LINES = "sim.kubelab.io/log-lines"  # lines a container prints when it starts
MAX_LOG_BYTES = 10 * 1024 * 1024  # kubelet containerLogMaxSize default "10Mi"
SHELL_IMAGES = {"busybox", "alpine", "ubuntu", "debian", "bash", "centos", "fedora", "rockylinux", "amazonlinux"}
# the nginx release each tag resolved to when Kubernetes v1.34 was current (Docker Hub's library/nginx)
NGINX_RELEASES = {"1.25": "1.25.5", "1.26": "1.26.3", "1.27": "1.27.5", "1.28": "1.28.0", "1.29": "1.29.1",
                  "latest": "1.29.1", "stable": "1.28.0", "mainline": "1.29.1"}
_MAX_STEPS_AT_ONCE = 10_000  # a loop that never sleeps: stop after this many lines at one instant


def rfc3339_nano(sim_seconds: float) -> str:
    """Go's time.RFC3339Nano: nanoseconds with trailing zeros dropped (``...:05.5Z``, ``...:05Z``)."""
    ns = round(sim_seconds * 1_000_000_000)
    secs, frac = divmod(ns, 1_000_000_000)
    t = SIM_EPOCH + _dt.timedelta(seconds=secs)
    out = t.strftime("%Y-%m-%dT%H:%M:%S")
    if frac:
        out += "." + f"{frac:09d}".rstrip("0")
    return out + "Z"


def _wall(sim_seconds: float) -> _dt.datetime:
    return SIM_EPOCH + _dt.timedelta(seconds=sim_seconds)


def date_line(sim_seconds: float) -> str:
    """``date`` in the C locale: ``Wed Jan  1 00:00:05 UTC 2025``."""
    t = _wall(sim_seconds)
    return f"{t:%a %b} {t.day:2d} {t:%H:%M:%S} UTC {t.year}"


def image_base(image: str) -> tuple[str, str]:
    """(repository's last path element, tag) of an image reference: ``nginx:1.27`` → ("nginx", "1.27")."""
    ref = image.split("@", 1)[0]
    last = ref.rsplit("/", 1)[-1]
    name, _, tag = last.partition(":")
    return name, tag or "latest"


# -- one container instance's log ---------------------------------------------------------------
class ContainerLog:
    """The log file of one container instance (one container ID)."""

    __slots__ = ("container_id", "name", "lines", "size", "running", "listeners", "writer", "requests")

    def __init__(self, container_id: str, name: str):
        self.container_id = container_id
        self.name = name
        # (time, line), oldest first: a deque from the first line on (an empty deque is ~600
        # bytes, and most containers of a big cluster, pause among them, print nothing)
        self.lines: deque[tuple[float, str]] | tuple = ()
        self.size = 0
        self.running = True
        self.listeners: list[Callable[[Optional[tuple[float, str]]], None]] = []
        self.writer = None  # the simulated process printing the lines
        self.requests = 0  # connections a server has logged (nginx's *N)

    def write(self, t: float, line: str) -> None:
        if type(self.lines) is tuple:
            self.lines = deque()
        self.lines.append((t, line))
        self.size += len(line) + 1
        while self.size > MAX_LOG_BYTES and self.lines:
            _, old = self.lines.popleft()
            self.size -= len(old) + 1
        for fn in list(self.listeners):
            fn((t, line))

    def stop(self) -> None:
        """The container exited: followers' streams end."""
        if self.writer is not None:
            self.writer.kill()
            self.writer = None
        if not self.running:
            return
        self.running = False
        for fn in list(self.listeners):
            fn(None)
        self.listeners.clear()


class LogOptions:
    """The kubelet's view of PodLogOptions; ``since`` is an absolute simulated time."""

    def __init__(self, tail_lines: Optional[int] = None, since: Optional[float] = None, timestamps: bool = False,
                 limit_bytes: Optional[int] = None, follow: bool = False):
        self.tail_lines = tail_lines
        self.since = since
        self.timestamps = timestamps
        self.limit_bytes = limit_bytes
        self.follow = follow

    def format(self, entry: tuple[float, str]) -> str:
        t, line = entry
        return f"{rfc3339_nano(t)} {line}\n" if self.timestamps else line + "\n"


def read_log(log: ContainerLog, opts: LogOptions) -> str:
    """ReadLogs without follow: tail, then since, then the byte limit."""
    lines = list(log.lines)
    if opts.tail_lines is not None:
        lines = lines[-opts.tail_lines:] if opts.tail_lines > 0 else []
    if opts.since is not None:
        lines = [e for e in lines if e[0] >= opts.since]
    text = "".join(opts.format(e) for e in lines)
    if opts.limit_bytes is not None:
        text = text.encode()[: opts.limit_bytes].decode("utf-8", "ignore")
    return text


class LogFollower:
    """``follow=true``: what exists now, then each new line until the container stops.
    ``start(write, close)`` as the HTTP server's streams do; ``stop()`` ends it early."""

    # a log stream is a long-running request: no server-side timeout, the client's or the
    # container's end closes it (the HTTP server takes ``timeout`` in wall seconds)
    def __init__(self, log: ContainerLog, opts: LogOptions, timeout: float = 365 * 86400.0):
        self.log = log
        self.opts = opts
        self.timeout = timeout
        self._write: Optional[Callable[[bytes], None]] = None
        self._close: Optional[Callable[[], None]] = None
        self.sent = 0
        self.closed = False

    def start(self, write: Callable[[bytes], None], close: Callable[[], None]) -> None:
        self._write, self._close = write, close
        first = read_log(self.log, LogOptions(self.opts.tail_lines, self.opts.since, self.opts.timestamps, None))
        self._send(first.encode())
        if self.closed:
            return
        if not self.log.running:
            self.stop()
            return
        self.log.listeners.append(self._on_line)

    def _send(self, data: bytes) -> None:
        if not data or self.closed:
            return
        if self.opts.limit_bytes is not None:
            data = data[: max(0, self.opts.limit_bytes - self.sent)]
        if data and self._write is not None:
            self._write(data)
            self.sent += len(data)
        if self.opts.limit_bytes is not None and self.sent >= self.opts.limit_bytes:
            self.stop()

    def _on_line(self, entry: Optional[tuple[float, str]]) -> None:
        if entry is None:
            self.stop()
            return
        if self.opts.since is not None and entry[0] < self.opts.since:
            return
        self._send(self.opts.format(entry).encode())

    def stop(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self._on_line in self.log.listeners:
            self.log.listeners.remove(self._on_line)
        if self._close is not None:
            self._close()


# -- what a container prints ----------------------------------------------------------------------
def nginx_lines(tag: str, kernel: str, cpus: int, now: float) -> list[tuple[float, str]]:
    """The official nginx image's startup (docker-entrypoint.sh, then the master's notices and
    one ``start worker process`` per CPU: ``worker_processes auto``)."""
    version = NGINX_RELEASES.get(tag) or NGINX_RELEASES.get(".".join(tag.split(".")[:2])) or \
        (tag if re.fullmatch(r"\d+\.\d+\.\d+", tag) else NGINX_RELEASES["latest"])
    ep = "/docker-entrypoint.sh"
    lines = [
        f"{ep}: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
        f"{ep}: Looking for shell scripts in /docker-entrypoint.d/",
        f"{ep}: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
        "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf",
        "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf",
        f"{ep}: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh",
        f"{ep}: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh",
        f"{ep}: Launching /docker-entrypoint.d/30-tune-worker-processes.sh",
        f"{ep}: Configuration complete; ready for start up",
    ]
    out = [(now + 0.002 * i, line) for i, line in enumerate(lines)]
    t = now + 0.002 * len(lines)
    stamp = _wall(t).strftime("%Y/%m/%d %H:%M:%S")
    notices = ['using the "epoll" event method', f"nginx/{version}", "built by gcc 12.2.0 (Debian 12.2.0-14) ",
               f"OS: Linux {kernel}", "getrlimit(RLIMIT_NOFILE): 1048576:1048576", "start worker processes"]
    notices += [f"start worker process {29 + i}" for i in range(max(1, cpus))]
    out += [(t, f"{stamp} [notice] 1#1: {n}") for n in notices]
    return out


# the nginx 1.2x default server's answers: the welcome page and the 404 page, in bytes
NGINX_BODY_BYTES = {200: 615, 404: 153}


def nginx_access(t: float, client: str, method: str, path: str, status: int, agent: str) -> str:
    """One line of nginx's ``combined``-style access log as the official image logs it."""
    stamp = _wall(t).strftime("%d/%b/%Y:%H:%M:%S +0000")
    size = NGINX_BODY_BYTES.get(status, 0)
    return f'{client} - - [{stamp}] "{method} {path} HTTP/1.1" {status} {size} "-" "{agent}" "-"'


def nginx_not_found(t: float, client: str, path: str, host: str, conn: int) -> str:
    """The error log line nginx writes for a file it cannot open (a 404)."""
    stamp = _wall(t).strftime("%Y/%m/%d %H:%M:%S")
    return (f'{stamp} [error] 29#29: *{conn} open() "/usr/share/nginx/html{path}" failed (2: No such file or '
            f'directory), client: {client}, server: localhost, request: "GET {path} HTTP/1.1", host: "{host}"')


class Shell:
    """A tiny POSIX shell: enough for the commands workshop pods run. ``run(script)`` yields
    ``("out", line)`` and ``("sleep", seconds)`` steps; the caller prints and waits."""

    def __init__(self, env: dict[str, str], clock: Callable[[], float]):
        self.env = dict(env)
        self.clock = clock
        self.printed = 0
        self.exit_code: Optional[int] = None  # what ``exit N`` asked for

    # parsing: tokens → a list of commands and compound statements
    @staticmethod
    def tokens(script: str) -> list[str]:
        lex = shlex.shlex(script, posix=True, punctuation_chars=";&|\n")
        lex.whitespace = " \t\r"
        lex.whitespace_split = True
        lex.commenters = "#"
        out = []
        for tok in lex:
            if tok and set(tok) <= set(";\n"):
                out.extend(";" for _ in tok if _ in ";\n")
            else:
                out.append(tok)
        return out

    def parse(self, toks: list[str], i: int = 0, until: tuple[str, ...] = ()) -> tuple[list, int]:
        """A list of (connector, node): node is ("cmd", words) | ("while", cond, body) | ("for", var, words, body)."""
        seq: list = []
        conn = ";"
        while i < len(toks):
            t = toks[i]
            if t in until:
                return seq, i
            if t in (";", "&"):
                conn = ";"
                i += 1
                continue
            if t in ("&&", "||"):
                conn = t
                i += 1
                continue
            if t in ("while", "until"):
                cond, i = self.parse(toks, i + 1, ("do",))
                body, i = self.parse(toks, i + 1, ("done",))
                seq.append((conn, (t, cond, body)))
                i += 1
                continue
            if t == "for" and i + 2 < len(toks) and toks[i + 2] == "in":
                var = toks[i + 1]
                j = i + 3
                words = []
                while j < len(toks) and toks[j] not in (";", "do"):
                    words.append(toks[j])
                    j += 1
                while j < len(toks) and toks[j] == ";":
                    j += 1
                body, j = self.parse(toks, j + 1, ("done",))
                seq.append((conn, ("for", var, words, body)))
                i = j + 1
                continue
            words = []
            while i < len(toks) and toks[i] not in (";", "&", "&&", "||") and toks[i] not in until:
                words.append(toks[i])
                i += 1
            seq.append((conn, ("cmd", words)))
        return seq, i

    # expansion
    def expand(self, word: str) -> str:
        def sub_cmd(m: re.Match) -> str:
            inner = m.group(1) or m.group(2) or ""
            out = [v for kind, v in self._run_seq(self.parse(self.tokens(inner))[0]) if kind == "out"]
            return " ".join(out).strip()

        word = re.sub(r"\$\(\((.*?)\)\)", lambda m: self.arith(m.group(1)), word)
        word = re.sub(r"\$\(([^()]*)\)|`([^`]*)`", sub_cmd, word)
        return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: self.env.get(m.group(1) or m.group(2), ""), word)

    def arith(self, expr: str) -> str:
        """``$((i+1))``: integer arithmetic over variables (C division and remainder)."""
        import ast

        text = re.sub(r"\$?\b([A-Za-z_]\w*)\b", lambda m: self.env.get(m.group(1), "0") or "0", expr)

        def ev(n) -> int:
            if isinstance(n, ast.Expression):
                return ev(n.body)
            if isinstance(n, ast.Constant) and isinstance(n.value, int):
                return n.value
            if isinstance(n, ast.UnaryOp) and isinstance(n.op, (ast.USub, ast.UAdd)):
                return -ev(n.operand) if isinstance(n.op, ast.USub) else ev(n.operand)
            if isinstance(n, ast.BinOp):
                a, b = ev(n.left), ev(n.right)
                if isinstance(n.op, ast.Add):
                    return a + b
                if isinstance(n.op, ast.Sub):
                    return a - b
                if isinstance(n.op, ast.Mult):
                    return a * b
                if isinstance(n.op, (ast.Div, ast.FloorDiv, ast.Mod)) and b != 0:
                    q = abs(a) // abs(b) * (1 if (a >= 0) == (b >= 0) else -1)
                    return a - q * b if isinstance(n.op, ast.Mod) else q
            raise ValueError(expr)

        try:
            return str(ev(ast.parse(text.strip(), mode="eval")))
        except (ValueError, SyntaxError, RecursionError):
            return "0"

    # execution
    def run(self, argv: list[str]) -> Iterator[tuple[str, Any]]:
        if not argv:
            return
        prog = argv[0].rsplit("/", 1)[-1]
        if prog in ("sh", "bash", "ash") and len(argv) >= 3 and argv[1] in ("-c", "-ec", "-xc"):
            seq, _ = self.parse(self.tokens(argv[2]))
            status = yield from self._run_seq(seq)
            return self.exit_code if status is None else status
        return (yield from self._command([argv[0], *argv[1:]], expand=False))

    def _run_seq(self, seq: list) -> Iterator[tuple[str, Any]]:
        status = 0
        for conn, node in seq:
            if conn == "&&" and status != 0 or conn == "||" and status == 0:
                continue
            status = yield from self._node(node)
            if status is None:  # exit
                return
        return status

    def _node(self, node) -> Iterator[tuple[str, Any]]:
        kind = node[0]
        if kind == "cmd":
            return (yield from self._command(node[1]))
        if kind in ("while", "until"):
            since, outs = self.clock(), self.printed
            while True:
                ok = yield from self._run_seq(node[1])
                if ok is None:
                    return None
                if (ok == 0) != (kind == "while"):
                    return 0
                st = yield from self._run_seq(node[2])
                if st is None:
                    return None
                if self.clock() != since:
                    since, outs = self.clock(), self.printed
                elif self.printed - outs > _MAX_STEPS_AT_ONCE:
                    return None  # a loop that never sleeps: the log would only rotate
        if kind == "for":
            words = [w for word in node[2] for w in self.expand(word).split()]
            for w in words:
                self.env[node[1]] = w
                st = yield from self._run_seq(node[3])
                if st is None:
                    return None
            return 0
        return 0

    def _command(self, words: list[str], expand: bool = True) -> Iterator[tuple[str, Any]]:
        if expand:
            words = [self.expand(w) for w in words]
        if not words:
            return 0
        # assignments (NAME=value)
        if re.fullmatch(r"[A-Za-z_]\w*=.*", words[0]):
            name, _, value = words[0].partition("=")
            self.env[name] = value
            return 0
        prog = words[0].rsplit("/", 1)[-1]
        args = words[1:]
        if prog == "echo":
            if args and args[0] == "-n":
                args = args[1:]
            self.printed += 1
            yield ("out", " ".join(args))
            return 0
        if prog == "date":
            self.printed += 1
            yield ("out", date_line(self.clock()))
            return 0
        if prog in ("hostname",):
            self.printed += 1
            yield ("out", self.env.get("HOSTNAME", ""))
            return 0
        if prog in ("printenv", "env") and not args:
            for k, v in self.env.items():
                self.printed += 1
                yield ("out", f"{k}={v}")
            return 0
        if prog == "printenv":
            for a in args:
                if a in self.env:
                    self.printed += 1
                    yield ("out", self.env[a])
            return 0
        if prog == "sleep":
            try:
                secs = float((args or ["0"])[0].rstrip("s"))
            except ValueError:
                self.printed += 1
                yield ("out", f"sleep: invalid number '{args[0]}'")
                return 1
            if args and args[0] == "infinity":
                secs = float("inf")
            yield ("sleep", secs)
            return 0
        if prog in ("true", ":"):
            return 0
        if prog == "false":
            return 1
        if prog == "exit":
            self.exit_code = int(args[0]) % 256 if args and args[0].isdigit() else 0
            return None
        return 0


def argv_of(container: Any) -> list[str]:
    """The process a container runs: command + args, or args alone (the image's CMD replaced)."""
    command = list(container.command or [])
    args = list(container.args or [])
    return command + args if command else args


_FIELD_REF = re.compile(r"^metadata\.(labels|annotations)\['(.*)'\]$")


def _field_ref(pod: Any, path: str) -> Optional[str]:
    """The downward API's fieldRef values (pkg/kubelet/kubelet_pods.go podFieldSelectorRuntimeValue
    and fieldpath.ExtractFieldPathAsString)."""
    m = _FIELD_REF.match(path)
    if m:
        return ((getattr(pod.metadata, m.group(1)) or {}).get(m.group(2)) or "")
    meta, spec, st = pod.metadata, pod.spec, pod.status
    values = {"metadata.name": meta.name, "metadata.namespace": meta.namespace, "metadata.uid": meta.uid,
              "spec.nodeName": spec.node_name, "spec.serviceAccountName": spec.service_account_name,
              "status.hostIP": st.host_ip if st else None, "status.podIP": st.pod_ip if st else None}
    if path in values:
        return values[path] or ""
    return None


def container_env(container: Any, pod: Any) -> dict[str, str]:
    """The process's environment: the image's few defaults, HOSTNAME (the pod's hostname), then
    ``env`` in order, ``value`` with ``$(VAR)`` references to earlier variables expanded and
    ``valueFrom.fieldRef`` from the pod (Secrets and ConfigMaps are not read here)."""
    pod_name = pod if isinstance(pod, str) else pod.metadata.name
    hostname = pod_name if isinstance(pod, str) else (pod.spec.hostname or pod_name)
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME": hostname, "HOME": "/root"}
    for e in container.env or ():
        e = e if isinstance(e, dict) else e.to_dict()
        name, value = e.get("name"), e.get("value")
        ref = ((e.get("valueFrom") or {}).get("fieldRef") or {}).get("fieldPath")
        if name and value is not None:
            # expansion.MappingFuncFor: $(VAR) of a variable defined before, $$ for a literal $
            env[name] = re.sub(r"\$\$|\$\((\w+)\)", lambda m: "$" if m.group(0) == "$$" else
                               env.get(m.group(1), m.group(0)), str(value))
        elif name and ref and not isinstance(pod, str):
            got = _field_ref(pod, ref)
            if got is not None:
                env[name] = got
    return env


def program(pod: Any, container: Any, sim: Any, kernel: str, cpus: int) -> Iterator[tuple[str, Any]]:
    """What ``container`` of ``pod`` prints, as steps for :func:`writer`. The generator's
    return value is the process's exit status when it ends by itself (a script's last status,
    or ``exit N``), None when it runs on (a server, ``sleep infinity``, a loop)."""
    ann = pod.metadata.annotations or {}
    custom = ann.get(f"{LOG_LINES}.{container.name}", ann.get(LOG_LINES))
    if custom is not None:
        for line in custom.splitlines():
            yield ("out", line)
        return 0
    base, tag = image_base(container.image or "")
    argv = argv_of(container)
    if base == "nginx" and not argv:
        pod = container = None  # the server runs as long as the pod: it keeps no version of it
        last = sim.now
        for t, line in nginx_lines(tag, kernel, cpus, sim.now):
            if t > last:
                yield ("sleep", t - last)
                last = t
            yield ("out", line)
        return None  # a server runs until it is stopped
    if base in SHELL_IMAGES or (argv and argv[0].rsplit("/", 1)[-1] in ("sh", "bash", "echo", "date")):
        if not argv and base in SHELL_IMAGES:
            return 0  # an interactive shell with no terminal: prints nothing and exits
        shell = Shell(container_env(container, pod), lambda: sim.now)
        pod = container = None  # a long-running program keeps no old version of its pod alive
        return (yield from shell.run(argv))
    return 0


def writer(sim: Any, log: ContainerLog, steps: Iterator[tuple[str, Any]]):
    """The simulated process that prints a container's lines into its log. It returns the
    program's exit status when the program ends by itself, None when it never would."""
    while True:
        try:
            kind, value = next(steps)
        except StopIteration as stop:
            return stop.value
        if kind == "out":
            log.write(sim.now, value)
        elif kind == "sleep":
            if float(value) > 1e9:  # `sleep infinity`: nothing more is printed, nor does it end
                return None
            yield sim.timeout(float(value))
