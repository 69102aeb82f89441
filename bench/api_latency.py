#!/usr/bin/env python3
"""API benchmark: zapotec's REST socket against QEMU's QMP socket.

A benchmark, not a test: it measures and prints, and fails only when it could not measure.
See docs/benchmarks.md for what each number means and for figures measured so far.

  socket ready  start (just before posix_spawn of `zapotec --api-sock S`, or of QEMU microvm
                with `-qmp unix:S,server=on,wait=off` and the hold payload) -> connect() on S
                succeeds (the parent polls connect() in a tight loop), and -> the first
                answer: GET / answered (zapotec), the QMP greeting read and qmp_capabilities
                answered (QEMU). --ready-runs per VMM, alternating.
  API latency   one persistent HTTP/1.1 connection (http.client over AF_UNIX): the time from
                sending a request to having read its whole response, --requests of each type.
                Pre-boot endpoints on an unstarted zapotec; GET /, GET /metrics and PATCH /vm
                on a zapotec running tests/payloads/hello.S -DBENCH_HOLD with 2 vCPUs.
  pause/resume  on that running guest: PATCH /vm Paused, GET /metrics (whose
                zapotec_vmm_last_pause_latency_us is the VMM's own figure), PATCH /vm Resumed;
                on QEMU microvm (same payload, -smp 2): stop, query-status, cont.
                GET / is compared with query-status, pause with stop, resume with cont, in
                alternating blocks on both live VMMs.

Times are CLOCK_MONOTONIC, taken in this process. Python 3.9+ standard library only; it reuses
bench/boot_time.py for the payload build and the host description.
"""

import argparse
import fcntl
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no bench/__pycache__ in the checkout
sys.path.insert(0, str(Path(__file__).resolve().parent))
import boot_time  # noqa: E402  (the payload build and host description are shared)

REPO = boot_time.REPO
MARKER = boot_time.MARKER
MEMORY_MIB = 32
VCPUS = 2
BLOCK = 50  # requests per block when two VMMs take turns
PAUSE_METRIC = re.compile(rb"^zapotec_vmm_last_pause_latency_us(?:\{[^}]*\})?\s+(\d+)", re.M)

_children = []  # VMM processes still running, killed on the way out


def die(msg):
    print(f"api_latency: error: {msg}", file=sys.stderr)
    sys.exit(2)


def note(msg):
    print(f"api_latency: {msg}", file=sys.stderr, flush=True)


now_ns = boot_time.now_ns


class BenchError(Exception):
    pass


# ----------------------------------------------------------------------------- processes

class Vmm:
    """One VMM process: stdin /dev/null, stdout and stderr to files in the temp folder."""

    def __init__(self, argv, tmp, name):
        self.out_path, self.err_path = tmp / f"{name}.out", tmp / f"{name}.err"
        fds = [os.open("/dev/null", os.O_RDONLY | os.O_CLOEXEC)]
        for path in (self.out_path, self.err_path):
            fds.append(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC,
                               0o600))
        actions = [(os.POSIX_SPAWN_DUP2, fd, i) for i, fd in enumerate(fds)]
        self.t0 = now_ns()
        try:
            self.pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
        finally:
            for fd in fds:
                os.close(fd)
        self.t_spawned = now_ns()  # glibc's posix_spawn returns once the exec is done
        _children.append(self)
        self.status = None

    def alive(self):
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = status
                _children.remove(self)
        return self.status is None

    def why_dead(self):
        code = os.waitstatus_to_exitcode(self.status)
        how = f"exit status {code}" if code >= 0 else f"signal {-code}"
        return f"{how}; stderr:\n{boot_time.tail(self.err_path)}"

    def kill(self):
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
            _, self.status = os.waitpid(self.pid, 0)
            _children.remove(self)

    def wait_marker(self, timeout):
        deadline = time.monotonic() + timeout
        while MARKER not in self.out_path.read_bytes():
            if not self.alive():
                raise BenchError(f"the VMM exited before the marker ({self.why_dead()})")
            if time.monotonic() > deadline:
                raise BenchError(f"no marker within {timeout:g} s")
            time.sleep(0.002)


def wait_connect(vmm, path, timeout):
    """Polls connect() until the socket accepts; returns (connected socket, CLOCK_MONOTONIC ns)."""
    deadline = vmm.t0 + int(timeout * 1e9)
    spins = 0
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        try:
            s.connect(path)
            return s, now_ns()
        except (FileNotFoundError, ConnectionRefusedError):
            s.close()
        spins += 1
        if spins % 256 == 0:  # cheap enough to keep the loop tight
            if not vmm.alive():
                raise BenchError(f"the VMM exited before its socket accepted ({vmm.why_dead()})")
            if now_ns() > deadline:
                raise BenchError(f"{path} did not accept within {timeout:g} s")


# ----------------------------------------------------------------------------- clients

class UnixHTTPConnection(http.client.HTTPConnection):
    """http.client over a Unix socket; keeps one connection open (HTTP/1.1 keep-alive)."""

    def __init__(self, path, sock=None, timeout=10):
        super().__init__("localhost", timeout=timeout)
        self.path = path
        self.sock = sock
        if sock is not None:
            sock.settimeout(timeout)

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        s.settimeout(self.timeout)
        s.connect(self.path)
        self.sock = s

    def call(self, method, url, body=None):
        """One request; returns (status, body, latency ns)."""
        headers = {"Content-Type": "application/json"} if body is not None else {}
        t = now_ns()
        self.request(method, url, body, headers)
        resp = self.getresponse()
        data = resp.read()
        return resp.status, data, now_ns() - t


class Qmp:
    """A QMP client on a connected Unix socket: JSON lines, events skipped."""

    def __init__(self, sock):
        sock.settimeout(10)
        self.sock, self.file = sock, sock.makefile("rb")

    def read(self):
        line = self.file.readline()
        if not line:
            raise BenchError("QMP socket closed")
        return json.loads(line)

    def handshake(self):
        greeting = self.read()
        if "QMP" not in greeting:
            raise BenchError(f"unexpected QMP greeting {greeting}")
        self.call("qmp_capabilities")

    def call(self, command):
        """One command; returns (its return value, latency ns)."""
        t = now_ns()
        self.sock.sendall(json.dumps({"execute": command}).encode() + b"\n")
        while True:
            msg = self.read()
            if "return" in msg:
                return msg["return"], now_ns() - t
            if "error" in msg:
                raise BenchError(f"QMP {command}: {msg['error']}")

    def close(self):
        self.file.close()
        self.sock.close()


def expect(status, body, want, what):
    if status != want:
        raise BenchError(f"{what}: HTTP {status} (wanted {want}): {body[:300]!r}")


# ----------------------------------------------------------------------------- commands

def zapotec_argv(args, sock):
    return [args.zapotec, "--api-sock", str(sock)]


def qemu_argv(args, sock, payload, cpu):
    return [args.qemu, "-M", "microvm", "-accel", "kvm", "-cpu", cpu, "-smp", str(VCPUS),
            "-m", str(MEMORY_MIB), "-nodefaults", "-no-user-config", "-nographic",
            "-serial", "stdio", "-kernel", payload, "-qmp", f"unix:{sock},server=on,wait=off"]


def fresh_socket(tmp, name):
    path = tmp / f"{name}.sock"
    path.unlink(missing_ok=True)
    return path


def start_qemu(args, tmp, payload, cpu):
    sock = fresh_socket(tmp, "qemu")
    vmm = Vmm(qemu_argv(args, sock, payload, cpu), tmp, "qemu")
    s, t_conn = wait_connect(vmm, str(sock), args.timeout)
    qmp = Qmp(s)
    qmp.handshake()
    return vmm, qmp, t_conn


def probe_qemu_cpu(args, tmp, payload):
    if args.qemu_cpu:
        return args.qemu_cpu
    errs = []
    for cpu in boot_time.QEMU_CPU_CANDIDATES:
        vmm = None
        try:
            vmm, qmp, _ = start_qemu(args, tmp, payload, cpu)
            vmm.wait_marker(args.timeout)
            qmp.close()
            return cpu
        except (BenchError, OSError, ValueError) as e:
            first = next((l for l in boot_time.tail(tmp / "qemu.err", 3).splitlines()
                          if l.strip()), "")
            errs.append(f"-cpu {cpu}: {e}: {first.strip()}")
        finally:
            if vmm:
                vmm.kill()
    die("QEMU microvm could not run the hold payload:\n  " + "\n  ".join(errs))


# ----------------------------------------------------------------------------- measurements

def ready_once(args, tmp, name, qemu_payload, qemu_cpu):
    """One start: returns (spawn ms, connect ms, first answer ms)."""
    sock = fresh_socket(tmp, name)
    argv = (zapotec_argv(args, sock) if name == "zapotec"
            else qemu_argv(args, sock, qemu_payload, qemu_cpu))
    vmm = Vmm(argv, tmp, name)
    try:
        s, t_conn = wait_connect(vmm, str(sock), args.timeout)
        if name == "zapotec":
            conn = UnixHTTPConnection(str(sock), s)
            status, body, _ = conn.call("GET", "/")
            expect(status, body, 200, "GET /")
            conn.close()
        else:
            qmp = Qmp(s)
            qmp.handshake()
            qmp.close()
        t_answer = now_ns()
    finally:
        vmm.kill()
    ms = lambda t: (t - vmm.t0) / 1e6
    return ms(vmm.t_spawned), ms(t_conn), ms(t_answer)


def version_once(args, tmp, name):
    """Start -> exit of `VMM --version` (ms): exec, start-up and exit, for scale."""
    vmm = Vmm([args.zapotec if name == "zapotec" else args.qemu, "--version"], tmp, name)
    _, vmm.status = os.waitpid(vmm.pid, 0)
    t = now_ns()
    _children.remove(vmm)
    if vmm.status != 0:
        raise BenchError(f"{name} --version failed ({vmm.why_dead()})")
    return (t - vmm.t0) / 1e6


def measure_ready(args, tmp, qemu_payload, qemu_cpu):
    names = ["zapotec"] + (["qemu"] if qemu_cpu else [])
    res = {n: {"version": [], "spawn": [], "connect": [], "answer": []} for n in names}
    for i in range(args.ready_runs + 2):  # two warm-up rounds for the page cache
        for name in names if i % 2 == 0 else names[::-1]:
            version = version_once(args, tmp, name)
            spawn, conn, answer = ready_once(args, tmp, name, qemu_payload, qemu_cpu)
            if i >= 2:
                for key, value in (("version", version), ("spawn", spawn), ("connect", conn),
                                   ("answer", answer)):
                    res[name][key].append(value)
    return res


def repeat(conn, n, method, url, body=None, want=200):
    lat = []
    for _ in range(n):
        status, data, ns = conn.call(method, url, body)
        expect(status, data, want, f"{method} {url}")
        lat.append(ns / 1e3)
    return lat


def measure_preboot(args, tmp, drive_file, payload):
    """Pre-boot endpoints on an unstarted zapotec (µs per request)."""
    sock = fresh_socket(tmp, "zapotec")
    vmm = Vmm(zapotec_argv(args, sock), tmp, "zapotec")
    try:
        s, _ = wait_connect(vmm, str(sock), args.timeout)
        conn = UnixHTTPConnection(str(sock), s)
        n, warm = args.requests, 20
        machine = json.dumps({"vcpu_count": VCPUS, "mem_size_mib": MEMORY_MIB})
        boot = json.dumps({"kernel_image_path": payload, "boot_args": "console=ttyS0"})
        drive = json.dumps({"drive_id": "x", "path_on_host": str(drive_file),
                            "is_root_device": False, "is_read_only": True})
        cases = [("GET /", "GET", "/", None, 200),
                 ("GET /machine-config", "GET", "/machine-config", None, 200),
                 ("PUT /machine-config", "PUT", "/machine-config", machine, 204),
                 ("PUT /boot-source", "PUT", "/boot-source", boot, 204),
                 ("PUT /drives/x", "PUT", "/drives/x", drive, 204),
                 ("GET /vm/config", "GET", "/vm/config", None, 200),
                 ("GET /metrics", "GET", "/metrics", None, 200)]
        out = {}
        for label, method, url, body, want in cases:
            repeat(conn, warm, method, url, body, want)
            out[label] = repeat(conn, n, method, url, body, want)
        conn.close()
        return out
    finally:
        vmm.kill()


def start_zapotec_guest(args, tmp, payload):
    sock = fresh_socket(tmp, "zapotec")
    vmm = Vmm(zapotec_argv(args, sock), tmp, "zapotec")
    s, _ = wait_connect(vmm, str(sock), args.timeout)
    conn = UnixHTTPConnection(str(sock), s)
    for url, body in (("/boot-source", {"kernel_image_path": payload}),
                      ("/machine-config", {"vcpu_count": VCPUS, "mem_size_mib": MEMORY_MIB}),
                      ("/actions", {"action_type": "InstanceStart"})):
        status, data, _ = conn.call("PUT", url, json.dumps(body))
        if status != 204:
            vmm.kill()
            raise BenchError(f"PUT {url}: HTTP {status}: {data[:300]!r}\n"
                             f"{boot_time.tail(vmm.err_path)}")
    vmm.wait_marker(args.timeout)
    return vmm, conn


PAUSED = json.dumps({"state": "Paused"})
RESUMED = json.dumps({"state": "Resumed"})


def zapotec_block(conn, res, n):
    res.setdefault("GET /", []).extend(repeat(conn, n, "GET", "/"))
    res.setdefault("GET /metrics", []).extend(repeat(conn, n, "GET", "/metrics"))
    for _ in range(n):
        status, data, ns = conn.call("PATCH", "/vm", PAUSED)
        expect(status, data, 204, "PATCH /vm Paused")
        res.setdefault("pause", []).append(ns / 1e3)
        status, data, _ = conn.call("GET", "/metrics")
        expect(status, data, 200, "GET /metrics")
        m = PAUSE_METRIC.search(data)
        if m:
            res.setdefault("vmm pause", []).append(float(m.group(1)))
        status, data, ns = conn.call("PATCH", "/vm", RESUMED)
        expect(status, data, 204, "PATCH /vm Resumed")
        res.setdefault("resume", []).append(ns / 1e3)


def qemu_block(qmp, res, n):
    for _ in range(n):
        _, ns = qmp.call("query-status")
        res.setdefault("query-status", []).append(ns / 1e3)
    for _ in range(n):
        _, ns = qmp.call("stop")
        res.setdefault("stop", []).append(ns / 1e3)
        status, _ = qmp.call("query-status")
        if status.get("running"):
            raise BenchError(f"QEMU still running after stop: {status}")
        _, ns = qmp.call("cont")
        res.setdefault("cont", []).append(ns / 1e3)


def measure_running(args, tmp, payload, qemu_cpu):
    """Both VMMs live with the hold payload, taking turns in blocks (µs per request)."""
    zres, qres = {}, {}
    zvmm = qvmm = None
    try:
        zvmm, conn = start_zapotec_guest(args, tmp, payload)
        if qemu_cpu:
            qvmm, qmp, _ = start_qemu(args, tmp, payload, qemu_cpu)
            qvmm.wait_marker(args.timeout)
        zapotec_block(conn, {}, 10)  # warm-up
        if qemu_cpu:
            qemu_block(qmp, {}, 10)
        done = 0
        while done < args.requests:
            n = min(BLOCK, args.requests - done)
            zapotec_block(conn, zres, n)
            if qemu_cpu:
                qemu_block(qmp, qres, n)
            done += n
        if not zvmm.alive():
            raise BenchError(f"zapotec exited during the run ({zvmm.why_dead()})")
        return zres, qres
    finally:
        for v in (zvmm, qvmm):
            if v:
                v.kill()


# ----------------------------------------------------------------------------- report

def stats(xs):
    """(p50, p99, min); p99 interpolated between the two nearest samples."""
    if not xs:
        return None
    xs = sorted(xs)
    k = (len(xs) - 1) * 0.99
    lo = int(k)
    p99 = xs[lo] + (xs[min(lo + 1, len(xs) - 1)] - xs[lo]) * (k - lo)
    return statistics.median(xs), p99, xs[0]


def fmt3(s, unit_fmt):
    return ("-", "-", "-") if s is None else tuple(unit_fmt(v) for v in s)


def table(title, unit, rows):
    """rows: (label, zapotec samples, qemu samples or None, qemu label)."""
    f = (lambda v: f"{v:.2f}") if unit == "ms" else (lambda v: f"{v:.0f}")
    lines = [title,
             f"  {'zapotec':<30} {'p50':>8} {'p99':>8} {'min':>8}   {'QEMU':<14} {'p50':>8} "
             f"{'p99':>8} {'min':>8}  {'p50 z/Q':>7}"]
    for label, z, q, qlabel in rows:
        zs, qs = stats(z), stats(q) if q else None
        ratio = f"{zs[0] / qs[0]:.3f}" if zs and qs and qs[0] else "-"
        zf, qf = fmt3(zs, f), fmt3(qs, f)
        lines.append(f"  {label:<30} {zf[0]:>8} {zf[1]:>8} {zf[2]:>8}   {qlabel or '-':<14} "
                     f"{qf[0]:>8} {qf[1]:>8} {qf[2]:>8}  {ratio:>7}")
    return lines


def report(args, ready, pre, zrun, qrun, elapsed):
    q = ready.get("qemu")
    z = ready["zapotec"]
    out = table(f"socket ready after exec, ms ({args.ready_runs} starts per VMM):", "ms", [
        ("--version exited (for scale)", z["version"], q and q["version"], "--version"),
        ("posix_spawn returned", z["spawn"], q and q["spawn"], "posix_spawn"),
        ("connect() accepted", z["connect"], q and q["connect"], "connect()"),
        ("GET / answered", z["answer"], q and q["answer"], "QMP ready"),
    ])
    out.append("")
    rows = [(k + " (pre-boot)", v, None, None) for k, v in pre.items()]
    rows += [("GET / (running)", zrun.get("GET /"), qrun.get("query-status"), "query-status"),
             ("GET /metrics (running)", zrun.get("GET /metrics"), None, None),
             ("PATCH /vm Paused", zrun.get("pause"), qrun.get("stop"), "stop"),
             ("PATCH /vm Resumed", zrun.get("resume"), qrun.get("cont"), "cont"),
             ("VMM-side pause (metric)", zrun.get("vmm pause"), None, None)]
    out += table(f"request latency, µs ({args.requests} per type, one persistent connection; "
                 f"running: hold payload, {VCPUS} vCPUs):", "us", rows)
    out.append("")
    ready_p50 = stats(z["connect"])[0]
    out.append(f"target socket ready <= 5 ms after exec: {'MET' if ready_p50 <= 5 else 'NOT MET'}"
               f" (connect() accepted p50 {ready_p50:.2f} ms, "
               f"p99 {stats(z['connect'])[1]:.2f} ms)")
    pause = stats(zrun["pause"])
    vmm_pause = stats(zrun.get("vmm pause"))
    vmm_txt = (f", VMM-side p50 {vmm_pause[0] / 1e3:.3f} ms p99 {vmm_pause[1] / 1e3:.3f} ms"
               if vmm_pause else ", no VMM-side metric")
    out.append(f"target pause <= 1 ms with {VCPUS} vCPUs: "
               f"{'MET' if pause[0] <= 1000 else 'NOT MET'} (client round trip p50 "
               f"{pause[0] / 1e3:.3f} ms p99 {pause[1] / 1e3:.3f} ms{vmm_txt})")
    out.append(f"load average {boot_time.read_loadavg()} after; whole run {elapsed:.0f} s")
    print("\n".join(out))


# ----------------------------------------------------------------------------- main

def parse_args():
    p = argparse.ArgumentParser(
        description="Time zapotec's API socket (readiness, per-request latency, pause/resume) "
                    "and QEMU microvm's QMP socket doing the same.")
    p.add_argument("--ready-runs", type=int, default=50,
                   help="starts per VMM for the socket-ready time (default 50)")
    p.add_argument("--requests", type=int, default=500,
                   help="requests per type for the latencies (default 500)")
    p.add_argument("--zapotec", default=str(REPO / "build" / "zapotec"),
                   help="zapotec binary (default: build/zapotec of this checkout)")
    p.add_argument("--qemu", default="qemu-system-x86_64", help="QEMU binary")
    p.add_argument("--qemu-cpu", help="QEMU -cpu value (default: probe "
                   + ", ".join(boot_time.QEMU_CPU_CANDIDATES) + ")")
    p.add_argument("--no-qemu", action="store_true", help="measure zapotec only")
    p.add_argument("--timeout", type=float, default=10, help="seconds per wait (default 10)")
    p.add_argument("--cc", default="cc", help="C compiler driver for the payload")
    p.add_argument("--ld", default="ld", help="linker for the payload")
    p.add_argument("--no-lock", action="store_true",
                   help=f"do not take {boot_time.LOCK_PATH} (shared with boot_time.py)")
    args = p.parse_args()
    if args.ready_runs < 1 or args.requests < 1 or args.timeout <= 0:
        p.error("--ready-runs, --requests and --timeout must be positive")
    args.payload = None  # what boot_time.build_payload reads
    return args


def check_prerequisites(args):
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        die("/dev/kvm missing or not readable and writable: both VMMs need KVM")
    zap = Path(args.zapotec)
    if not zap.is_file() or not os.access(zap, os.X_OK):
        die(f"zapotec binary {zap} missing: build it (cmake -S . -B build -G Ninja && "
            "ninja -C build zapotec) or pass --zapotec")
    args.zapotec = str(zap.resolve())
    qemu = shutil.which(args.qemu)
    if not qemu and not args.no_qemu:
        die(f"QEMU `{args.qemu}` not found: install qemu-system-x86, pass --qemu or --no-qemu")
    args.qemu = str(Path(qemu).resolve()) if qemu else args.qemu
    for tool in ("cc", "ld"):
        path = shutil.which(getattr(args, tool))
        if not path:
            die(f"`{getattr(args, tool)}` not found: it builds the payload")
        setattr(args, tool, path)


def main():
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, boot_time._interrupted)
    args = parse_args()
    check_prerequisites(args)
    if not args.no_lock:
        lock = open(boot_time.LOCK_PATH, "a")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            note(f"another benchmark holds {boot_time.LOCK_PATH}; waiting for it")
            fcntl.flock(lock, fcntl.LOCK_EX)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="zapotec-api-bench-") as tmpdir:
        tmp = Path(tmpdir)
        payload = boot_time.build_payload(tmp, args, hold=True)
        drive_file = tmp / "drive.img"
        drive_file.write_bytes(bytes(1 << 20))
        try:
            qemu_cpu = None if args.no_qemu else probe_qemu_cpu(args, tmp, payload)
            print("\n".join(boot_time.describe_host(args)))
            print(f"zapotec cmd {' '.join(zapotec_argv(args, '$S'))}")
            if qemu_cpu:
                print(f"qemu cmd    {' '.join(qemu_argv(args, '$S', 'hello-hold.elf', qemu_cpu))}")
            print(f"load average {boot_time.read_loadavg()} before", flush=True)
            note("socket-ready runs")
            ready = measure_ready(args, tmp, payload, qemu_cpu)
            note("pre-boot requests")
            pre = measure_preboot(args, tmp, drive_file, payload)
            note("requests on the running guests")
            zrun, qrun = measure_running(args, tmp, payload, qemu_cpu)
        except (BenchError, OSError, ValueError) as e:
            die(f"{type(e).__name__}: {e}")
        finally:
            for vmm in list(_children):
                vmm.kill()
        report(args, ready, pre, zrun, qrun, time.monotonic() - started)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        for vmm in list(_children):
            vmm.kill()
        sys.exit(130)
