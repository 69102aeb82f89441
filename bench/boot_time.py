#!/usr/bin/env python3
"""Boot-time benchmark: zapotec against QEMU microvm on the same tiny PVH payload.

A benchmark, not a test: it measures and prints, and fails only when it could not measure.
See docs/benchmarks.md for what each number means and for figures measured so far.

For each of --runs iterations it boots tests/payloads/hello.S once under zapotec and once
under `qemu-system-x86_64 -M microvm` (the order alternates between iterations to spread
noise). Each VMM is started by bench/launcher.c (compiled here), which takes the start time
just before fork() and reports the VMM's exit and rusage. Per run:
  first byte  start -> arrival, on the VMM's stdout pipe, of the first byte of the marker
              "ZAPOTEC-PAYLOAD: hello" (the guest's first serial byte: the payload prints
              nothing before it);
  exit        start -> the launcher's wait4() on the VMM returned (the guest powered off
              and the VMM process is gone);
  peak RSS    ru_maxrss of the VMM process (KiB), guest RAM included.
Then it boots a variant of the payload that stops after the marker (--hold-runs times per VMM)
and reads the live VMM's /proc/PID/smaps to split its RSS into guest RAM, the VMM binary,
shared libraries and other anonymous memory; "peak RSS minus guest RAM touched" is
median(peak RSS) - median(resident guest RAM).

Both clocks are CLOCK_MONOTONIC. Only the Python 3 standard library is used (3.9 or newer; Linux 5.3 or newer for pidfd).
"""

import argparse
import datetime
import fcntl
import os
import platform
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MARKER = b"ZAPOTEC-PAYLOAD: hello"
REPO = Path(__file__).resolve().parent.parent
PAYLOAD_SRC = REPO / "tests" / "payloads" / "hello.S"
PAYLOAD_INC = REPO / "tests" / "payloads"
LAUNCHER_SRC = REPO / "bench" / "launcher.c"
LOCK_PATH = "/tmp/zapotec-bench.lock"
# -cpu values tried in order until one boots the payload. kvm_pvm refuses QEMU's write of
# IA32_ARCH_CAPABILITIES (MSR 0x10a) that `-cpu host` implies, and QEMU aborts on that, so on
# such a host the second one is used. --qemu-cpu overrides the probe.
QEMU_CPU_CANDIDATES = ["host", "host,-arch-capabilities"]

_current_pid = None  # the VMM running now, killed if we are interrupted


class BenchError(Exception):
    pass


def die(msg):
    print(f"boot_time: error: {msg}", file=sys.stderr)
    sys.exit(2)


def note(msg):
    print(f"boot_time: {msg}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- prerequisites

def find_tool(name, what):
    path = shutil.which(name)
    if not path:
        die(f"{what}: `{name}` not found in PATH")
    return path


def check_prerequisites(args):
    if sys.version_info < (3, 9):
        die("Python 3.9 or newer is needed (os.pidfd_open)")
    if not hasattr(os, "pidfd_open") or not hasattr(os, "posix_spawn"):
        die("this Python lacks os.pidfd_open/os.posix_spawn (Linux 5.3+ and Python 3.9+ needed)")
    if not os.path.exists("/dev/kvm"):
        die("/dev/kvm does not exist: both VMMs need KVM")
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        die("/dev/kvm is not readable and writable by this user")
    zap = Path(args.zapotec)
    if not zap.is_file() or not os.access(zap, os.X_OK):
        die(f"zapotec binary {zap} missing or not executable: build it first "
            "(cmake -S . -B build -G Ninja && cmake --build build -j2) or pass --zapotec")
    args.zapotec = str(zap.resolve())
    qemu = shutil.which(args.qemu) if not os.path.sep in args.qemu else args.qemu
    if not qemu or not os.access(qemu, os.X_OK):
        die(f"QEMU `{args.qemu}` not found (apt-get install qemu-system-x86) or pass --qemu")
    args.qemu = str(Path(qemu).resolve())
    try:
        machines = subprocess.run([args.qemu, "-M", "help"], capture_output=True, text=True,
                                  timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        die(f"cannot run {args.qemu} -M help: {e}")
    if not any(line.split()[:1] == ["microvm"] for line in machines.splitlines()):
        die(f"{args.qemu} has no microvm machine type")
    args.cc = find_tool(args.cc, "compiling bench/launcher.c and assembling the payload")
    if not LAUNCHER_SRC.is_file():
        die(f"{LAUNCHER_SRC} missing")
    if not args.payload:
        args.ld = find_tool(args.ld, "linking the payload (or pass --payload/--hold-payload)")
        if not PAYLOAD_SRC.is_file() or not (PAYLOAD_INC / "pvh_note.inc").is_file():
            die(f"payload source {PAYLOAD_SRC} or {PAYLOAD_INC}/pvh_note.inc missing")
    elif not args.hold_payload and args.hold_runs > 0:
        die("--payload given without --hold-payload: pass both, or --hold-runs 0")


def build_launcher(tmp, args):
    """Compiles bench/launcher.c, statically when the C library allows (a smaller image
    before the VMM's exec: see launcher.c), dynamically otherwise."""
    exe = tmp / "launcher"
    base = [args.cc, "-O2", "-Wall", str(LAUNCHER_SRC), "-o", str(exe)]
    errs = ""
    for cmd in (base[:1] + ["-static"] + base[1:], base):
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if r.returncode == 0:
            return str(exe)
        errs = r.stderr
    die(f"compiling {LAUNCHER_SRC} failed:\n{errs}")


def build_payload(tmp, args, hold):
    name = "hello-hold" if hold else "hello"
    obj, elf = tmp / f"{name}.o", tmp / f"{name}.elf"
    cc = [args.cc, "-c", "-x", "assembler-with-cpp", f"-I{PAYLOAD_INC}"]
    if hold:
        cc.append("-DBENCH_HOLD")
    cmds = [cc + [str(PAYLOAD_SRC), "-o", str(obj)],
            [args.ld, "-m", "elf_x86_64", "-N", "-nostdlib", "-static", "-Ttext=0x100000",
             "-e", "_start", str(obj), "-o", str(elf)]]
    for cmd in cmds:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            die(f"building the payload failed: {' '.join(cmd)}\n{r.stderr}")
    return str(elf)


# ----------------------------------------------------------------------------- one VMM run

def now_ns():
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC)  # the launcher's clock too


class Launch:
    """One VMM started through bench/launcher.c: stdout a pipe, stderr a file, stdin
    /dev/null, the launcher's report on a second pipe (its fd 3)."""

    def __init__(self, launcher, argv, stderr_path, timeout):
        global _current_pid
        self.out_r, out_w = os.pipe()  # O_CLOEXEC; dup2 in the child clears it
        self.rep_r, rep_w = os.pipe()
        errfd = os.open(stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC,
                        0o600)
        nullfd = os.open("/dev/null", os.O_RDONLY | os.O_CLOEXEC)
        actions = [(os.POSIX_SPAWN_DUP2, nullfd, 0), (os.POSIX_SPAWN_DUP2, out_w, 1),
                   (os.POSIX_SPAWN_DUP2, errfd, 2), (os.POSIX_SPAWN_DUP2, rep_w, 3)]
        self.deadline = now_ns() + int(timeout * 1e9)
        try:
            env = dict(os.environ, BENCH_PARENT_PID=str(os.getpid()))
            self.lpid = os.posix_spawn(launcher, [launcher] + argv, env, file_actions=actions)
        finally:
            for fd in (out_w, rep_w, errfd, nullfd):
                os.close(fd)
        _current_pid = self.lpid
        self.pidfd = os.pidfd_open(self.lpid)
        self.out, self.chunks, self.rep = b"", [], b""
        self.out_eof = self.rep_eof = self.launcher_done = False
        self.vmm_pid = self.t0 = self.t_exit = self.status = self.maxrss = None
        self.launcher_hwm = None

    def pump(self, until):
        """Reads output until until(self) holds or the deadline passes; False on timeout."""
        while not until(self):
            left = (self.deadline - now_ns()) / 1e9
            if left <= 0:
                return False
            fds = [fd for fd, done in ((self.out_r, self.out_eof), (self.rep_r, self.rep_eof),
                                       (self.pidfd, self.launcher_done)) if not done]
            if not fds:
                return until(self)
            ready, _, _ = select.select(fds, [], [], left)
            t = now_ns()
            if self.out_r in ready:
                data = os.read(self.out_r, 65536)
                if data:
                    self.out += data
                    self.chunks.append((len(self.out), t))
                else:
                    self.out_eof = True
            if self.rep_r in ready:
                data = os.read(self.rep_r, 4096)
                if data:
                    self.rep += data
                    self._parse_report()
                else:
                    self.rep_eof = True
            if self.pidfd in ready:
                self.launcher_done = True
                self._reap()
        return True

    def _parse_report(self):
        for line in self.rep.decode(errors="replace").splitlines():
            f = line.split()
            if f[:1] == ["pid"] and len(f) == 4 and self.vmm_pid is None:
                self.vmm_pid, self.t0, self.launcher_hwm = int(f[1]), int(f[2]), int(f[3])
            elif f[:1] == ["exit"] and len(f) == 4:
                self.t_exit, self.status, self.maxrss = int(f[1]), int(f[2]), int(f[3])

    def _reap(self):
        global _current_pid
        if self.lpid is not None:
            _, self.launcher_status = os.waitpid(self.lpid, 0)
            self.lpid = None
            _current_pid = None

    def finished(self):
        return self.out_eof and self.rep_eof and self.launcher_done

    def marker_ns(self):
        """Arrival time of the chunk holding the first byte of MARKER, or None."""
        i = self.out.find(MARKER)
        if i < 0:
            return None
        return next((t for end, t in self.chunks if end > i), None)

    def close(self):
        """Kills what still runs (the VMM dies with the launcher: PR_SET_PDEATHSIG) and
        releases the descriptors."""
        if self.lpid is not None:
            try:
                os.kill(self.lpid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._reap()
        for fd in (self.out_r, self.rep_r, self.pidfd):
            os.close(fd)


def run_once(launcher, argv, timeout, stderr_path):
    """One boot to power-off. Returns a dict: ok, why, status, first_ms, exit_ms, rss_kib."""
    run = Launch(launcher, argv, stderr_path, timeout)
    try:
        in_time = run.pump(Launch.finished)
    finally:
        run.close()
    why = None
    code = None
    if not in_time:
        why = f"timeout after {timeout:g} s"
    elif run.t0 is None:
        why = "the launcher could not start the VMM"
    elif run.status is None:
        why = "the launcher did not report the VMM's exit"
    else:
        code = os.waitstatus_to_exitcode(run.status)
        if code != 0:
            why = f"exit status {code}" if code >= 0 else f"killed by signal {-code}"
        elif run.marker_ns() is None:
            why = "exited without printing the marker"
    t_marker = run.marker_ns()
    if run.maxrss is not None and run.launcher_hwm is not None and \
            run.maxrss <= run.launcher_hwm:
        note(f"warning: peak RSS {run.maxrss} KiB is not above the launcher's own "
             f"{run.launcher_hwm} KiB: it may be the launcher's image, not the VMM's")
    ms = lambda t: (t - run.t0) / 1e6 if t is not None and run.t0 is not None else None
    res = {"ok": why is None, "why": why, "status": code, "first_ms": ms(t_marker),
           "exit_ms": ms(run.t_exit), "rss_kib": run.maxrss, "stdout": run.out}
    res["tail_ms"] = (res["exit_ms"] - res["first_ms"]
                      if res["exit_ms"] is not None and res["first_ms"] is not None else None)
    return res


def read_smaps(pid, exe, guest_kib):
    """Splits the live process's RSS (KiB) into categories from /proc/PID/smaps; also sums
    Pss and the private pages (USS), and keeps the Rss of each file for the top list."""
    cats = {"guest_ram": 0, "binary": 0, "shared_libs": 0, "other_file": 0, "anon_other": 0,
            "Pss": 0, "USS": 0, "guest_maps": 0}
    by_file = {}
    cur = path = None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            fields = line.split()
            head = fields[0]
            if "-" in head and ":" not in head:  # a mapping's header line
                lo, hi = (int(x, 16) for x in head.split("-"))
                path = " ".join(fields[5:]) if len(fields) > 5 else ""
                size_kib = (hi - lo) // 1024
                if not path and size_kib == guest_kib:
                    cur = "guest_ram"
                    cats["guest_maps"] += 1
                elif path and os.path.realpath(path) == exe:
                    cur = "binary"
                elif ".so" in path and path.startswith("/"):
                    cur = "shared_libs"
                elif path.startswith("/"):
                    cur = "other_file"
                else:
                    cur = "anon_other"  # anonymous, [heap], [stack], [vdso], ...
            elif head == "Rss:" and cur:
                cats[cur] += int(fields[1])
                if path.startswith("/"):
                    name = os.path.basename(path)
                    by_file[name] = by_file.get(name, 0) + int(fields[1])
            elif head == "Pss:":
                cats["Pss"] += int(fields[1])
            elif head in ("Private_Clean:", "Private_Dirty:"):
                cats["USS"] += int(fields[1])
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmHWM:", "VmRSS:")):
                cats[line.split(":")[0]] = int(line.split()[1])
    cats["by_file"] = by_file
    return cats


def hold_sample(launcher, argv, timeout, stderr_path, exe, guest_kib, settle):
    """Boots the hold payload, waits for the marker plus `settle` seconds, reads the VMM's
    smaps, kills the VMM. Returns the smaps split, or raises BenchError."""
    run = Launch(launcher, argv, stderr_path, timeout)
    try:
        if not run.pump(lambda r: MARKER in r.out or r.t_exit is not None or r.out_eof):
            raise BenchError(f"hold run: no marker within {timeout:g} s")
        if MARKER not in run.out:
            raise BenchError("hold run: the VMM exited before the marker")
        time.sleep(settle)
        ready, _, _ = select.select([run.rep_r], [], [], 0)
        if ready or run.t_exit is not None:
            raise BenchError("hold run: the VMM exited while holding (did the guest stop?)")
        sample = read_smaps(run.vmm_pid, exe, guest_kib)
        os.kill(run.vmm_pid, signal.SIGKILL)
        run.pump(Launch.finished)
    finally:
        run.close()
    return sample


# ----------------------------------------------------------------------------- statistics

def pct(values, p):
    """p-th percentile, linear interpolation between closest ranks (like numpy's default)."""
    s = sorted(values)
    if len(s) == 1:
        return s[0]
    k = (len(s) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def fmt(v, unit):
    if v is None:
        return "n/a"
    if unit == "ms":
        return f"{v:.2f} ms"
    return f"{v:.0f} KiB"


def num(v):
    return "" if v is None else f"{v:.3f}"


def read_loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def describe_host(args):
    lines = []
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    kvm_mods = sorted(m for m in ("kvm_pvm", "kvm_intel", "kvm_amd")
                      if os.path.isdir(f"/sys/module/{m}"))
    qver = subprocess.run([args.qemu, "--version"], capture_output=True, text=True,
                          timeout=30).stdout.splitlines()[:1]
    try:
        rev = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"],
                             capture_output=True, text=True, timeout=30).stdout.strip()
    except OSError:
        rev = "?"
    thp = "?"
    try:
        thp = Path("/sys/kernel/mm/transparent_hugepage/enabled").read_text().strip()
    except OSError:
        pass
    lines.append(f"date      {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
    lines.append(f"host      {platform.node()}, Linux {platform.release()}, {os.cpu_count()} CPUs,"
                 f" {cpu}")
    lines.append(f"kvm       {', '.join(kvm_mods) or 'no kvm vendor module found'};"
                 f" THP {thp}")
    lines.append(f"zapotec   {args.zapotec} (git {rev or '?'})")
    lines.append(f"qemu      {args.qemu} ({qver[0] if qver else '?'})")
    return lines


# ----------------------------------------------------------------------------- main

def parse_args():
    p = argparse.ArgumentParser(
        description="Boot the same tiny PVH payload under zapotec and QEMU microvm and compare "
                    "time to the first serial byte, time to exit and peak RSS.")
    p.add_argument("--runs", type=int, default=20, help="measured runs per VMM (default 20)")
    p.add_argument("--warmup", type=int, default=1,
                   help="unmeasured runs per VMM first, to warm the page cache (default 1)")
    p.add_argument("--hold-runs", type=int, default=3,
                   help="runs per VMM of the hold payload for the RSS split (default 3; 0: skip)")
    p.add_argument("--memory", type=int, default=32, help="guest RAM in MiB for both (default 32)")
    p.add_argument("--timeout", type=float, default=10.0,
                   help="seconds before a VMM run is killed and counted as failed (default 10)")
    p.add_argument("--zapotec", default=str(REPO / "build" / "zapotec"),
                   help="zapotec binary (default: build/zapotec of this checkout)")
    p.add_argument("--zapotec-arg", action="append", default=[], metavar="ARG",
                   help="extra argument for `zapotec run` (repeatable), e.g. --zapotec-arg=--no-rng")
    p.add_argument("--qemu", default="qemu-system-x86_64", help="QEMU binary")
    p.add_argument("--qemu-machine", default="microvm",
                   help="QEMU -M value (default microvm; e.g. "
                        "microvm,x-option-roms=off,pit=off,pic=off,rtc=off)")
    p.add_argument("--qemu-cpu", help="QEMU -cpu value (default: probe "
                                      + ", ".join(QEMU_CPU_CANDIDATES) + ")")
    p.add_argument("--payload", help="prebuilt power-off payload ELF (default: build "
                                     "tests/payloads/hello.S into a temp dir)")
    p.add_argument("--hold-payload", help="prebuilt hold payload ELF (hello.S with -DBENCH_HOLD)")
    p.add_argument("--cc", default="cc", help="C compiler driver used to assemble the payload")
    p.add_argument("--ld", default="ld", help="linker for the payload")
    p.add_argument("--csv", help="also write every measured run to this CSV file")
    p.add_argument("--no-lock", action="store_true",
                   help=f"do not wait for other benchmarks holding {LOCK_PATH}")
    args = p.parse_args()
    if args.runs < 1 or args.warmup < 0 or args.hold_runs < 0 or args.memory < 1:
        p.error("--runs must be >= 1; --warmup, --hold-runs >= 0; --memory >= 1")
    if args.timeout <= 0:
        p.error("--timeout must be > 0")
    return args


def vmm_commands(args, payload, qemu_cpu):
    zap = [args.zapotec, "run", "--kernel", payload, "--cpus", "1",
           "--memory", str(args.memory)] + args.zapotec_arg
    qemu = [args.qemu, "-M", args.qemu_machine, "-accel", "kvm", "-cpu", qemu_cpu,
            "-m", str(args.memory), "-nodefaults", "-no-user-config", "-nographic",
            "-serial", "stdio", "-kernel", payload]
    return {"zapotec": zap, "qemu": qemu}


def tail(path, n=15):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def probe_qemu_cpu(args, payload, tmp):
    if args.qemu_cpu:
        return args.qemu_cpu
    errs = []
    for cpu in QEMU_CPU_CANDIDATES:
        cmd = vmm_commands(args, payload, cpu)["qemu"]
        r = run_once(args.launcher, cmd, args.timeout, tmp / "probe.err")
        if r["ok"]:
            if cpu != QEMU_CPU_CANDIDATES[0]:
                note(f"QEMU with -cpu {QEMU_CPU_CANDIDATES[0]} failed here "
                     f"({errs[-1]}); using -cpu {cpu}")
            return cpu
        first = next((l for l in tail(tmp / "probe.err", 3).splitlines() if l.strip()), "")
        errs.append(f"{r['why']}: {first.strip()}")
    die("QEMU could not boot the payload with any of -cpu "
        + ", ".join(QEMU_CPU_CANDIDATES) + ":\n  " + "\n  ".join(errs)
        + "\nIf QEMU cannot use this host's /dev/kvm at all, compare inside the nested lab "
          "(docs/lab.md).")


def _interrupted(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main():
    # SIGTERM and SIGHUP clean up like Ctrl-C (the temp dir, the running VMM); SIGINT is
    # set explicitly because a shell starts background jobs with it ignored.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupted)
    args = parse_args()
    check_prerequisites(args)

    lock = None
    if not args.no_lock:
        lock = open(LOCK_PATH, "a")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            note(f"another benchmark holds {LOCK_PATH}; waiting for it")
            fcntl.flock(lock, fcntl.LOCK_EX)

    with tempfile.TemporaryDirectory(prefix="zapotec-bench-") as tmpdir:
        tmp = Path(tmpdir)
        args.launcher = build_launcher(tmp, args)
        payload = args.payload or build_payload(tmp, args, hold=False)
        hold_payload = args.hold_payload or (None if args.hold_runs == 0 or args.payload
                                             else build_payload(tmp, args, hold=True))
        for p in (payload, hold_payload):
            if p and not os.path.isfile(p):
                die(f"payload {p} not found")

        # A zapotec sanity run first: a broken build should fail here, not 20 times.
        cmds = vmm_commands(args, payload, "host")
        r = run_once(args.launcher, cmds["zapotec"], args.timeout, tmp / "probe.err")
        if not r["ok"]:
            die(f"zapotec could not boot the payload ({r['why']}):\n"
                f"  {' '.join(cmds['zapotec'])}\n{tail(tmp / 'probe.err')}")
        qemu_cpu = probe_qemu_cpu(args, payload, tmp)
        cmds = vmm_commands(args, payload, qemu_cpu)
        hold_cmds = vmm_commands(args, hold_payload, qemu_cpu) if hold_payload else None

        header = describe_host(args)
        load_before = read_loadavg()
        print("\n".join(header))
        for name in ("zapotec", "qemu"):
            print(f"{name + ' cmd':<9} {' '.join(cmds[name])}")
        print(f"runs      {args.runs} per VMM (+{args.warmup} warm-up), alternating order; "
              f"timeout {args.timeout:g} s per run", flush=True)

        for i in range(args.warmup):
            for name in ("zapotec", "qemu"):
                r = run_once(args.launcher, cmds[name], args.timeout, tmp / f"{name}.err")
                if not r["ok"]:
                    note(f"warm-up {name} run failed: {r['why']}")

        results = {"zapotec": [], "qemu": []}
        failures = []
        for i in range(args.runs):
            order = ("zapotec", "qemu") if i % 2 == 0 else ("qemu", "zapotec")
            for name in order:
                r = run_once(args.launcher, cmds[name], args.timeout, tmp / f"{name}.err")
                r["iteration"] = i
                results[name].append(r)
                if not r["ok"]:
                    failures.append((name, i, r["why"], tail(tmp / f"{name}.err", 5)))
            print(f"  run {i + 1:>3}/{args.runs}: " + "  ".join(
                f"{n} {fmt(results[n][-1]['first_ms'], 'ms')}/{fmt(results[n][-1]['exit_ms'], 'ms')}"
                f"/{results[n][-1]['rss_kib']} KiB" + ("" if results[n][-1]["ok"] else " FAILED")
                for n in ("zapotec", "qemu")), file=sys.stderr, flush=True)

        holds = {"zapotec": [], "qemu": []}
        hold_errors = []
        if hold_cmds:
            for i in range(args.hold_runs):
                for name in ("zapotec", "qemu"):
                    exe = args.zapotec if name == "zapotec" else args.qemu
                    try:
                        holds[name].append(hold_sample(args.launcher, hold_cmds[name], args.timeout,
                                                       tmp / f"{name}-hold.err", exe,
                                                       args.memory * 1024, settle=0.2))
                    except BenchError as e:
                        hold_errors.append(f"{name}: {e}")
        load_after = read_loadavg()

        if args.csv:
            with open(args.csv, "w") as f:
                f.write("vmm,iteration,ok,first_byte_ms,exit_ms,peak_rss_kib,exit_status\n")
                for name in ("zapotec", "qemu"):
                    for r in results[name]:
                        cells = [name, r["iteration"], int(r["ok"]), num(r["first_ms"]),
                                 num(r["exit_ms"]), r["rss_kib"], r["status"]]
                        f.write(",".join(str(c) for c in cells) + "\n")

    report(args, results, holds, failures, hold_errors, load_before, load_after)
    if lock:
        lock.close()
    return 1 if failures or hold_errors else 0


def report(args, results, holds, failures, hold_errors, load_before, load_after):
    ok = {n: [r for r in results[n] if r["ok"]] for n in results}
    print(f"load avg  {load_before} before, {load_after} after")
    print()
    metrics = [("start -> first marker byte", "first_ms", "ms"),
               ("start -> process exit", "exit_ms", "ms"),
               ("  of which after the marker", "tail_ms", "ms"),
               ("peak RSS (ru_maxrss)", "rss_kib", "KiB")]
    stats = {}
    w = 28
    print(f"{'metric':<{w}} {'zapotec median':>15} {'p90':>11} {'QEMU median':>13} {'p90':>11}"
          f" {'ratio z/Q':>10}")
    for label, key, unit in metrics:
        row = {}
        for n in ("zapotec", "qemu"):
            vals = [r[key] for r in ok[n] if r[key] is not None]
            row[n] = (statistics.median(vals), pct(vals, 90)) if vals else (None, None)
        stats[key] = row
        zm, qm = row["zapotec"][0], row["qemu"][0]
        ratio = f"{zm / qm:.3f}" if zm is not None and qm else "n/a"
        print(f"{label:<{w}} {fmt(zm, unit):>15} {fmt(row['zapotec'][1], unit):>11}"
              f" {fmt(qm, unit):>13} {fmt(row['qemu'][1], unit):>11} {ratio:>10}")
    print(f"(successful runs: zapotec {len(ok['zapotec'])}/{len(results['zapotec'])}, "
          f"QEMU {len(ok['qemu'])}/{len(results['qemu'])}; p90 interpolated)")

    own = {}
    if any(holds.values()):
        print()
        print(f"RSS split of the live VMM after the marker (hold payload, median of "
              f"{args.hold_runs} runs; /proc/PID/smaps Rss, KiB):")
        keys = [("guest RAM (the --memory/-m mapping)", "guest_ram"), ("VMM binary", "binary"),
                ("shared libraries", "shared_libs"), ("other files", "other_file"),
                ("anonymous, heap, stacks", "anon_other"), ("VmRSS", "VmRSS"),
                ("VmHWM", "VmHWM"), ("Pss (shared pages divided)", "Pss"),
                ("USS (private pages only)", "USS")]
        print(f"  {'':<36} {'zapotec':>9} {'QEMU':>9}")
        med = {n: {k: statistics.median([h[k] for h in holds[n]]) if holds[n] else None
                   for _, k in keys} for n in holds}
        for label, k in keys:
            print(f"  {label:<36} {fmt(med['zapotec'][k], 'KiB'):>9} {fmt(med['qemu'][k], 'KiB'):>9}")
        if holds["zapotec"]:
            top = sorted(holds["zapotec"][0]["by_file"].items(), key=lambda kv: -kv[1])[:6]
            print("  zapotec's largest files in RSS (first hold run): "
                  + ", ".join(f"{name} {kib}" for name, kib in top))
        for n in holds:
            if holds[n] and any(h["guest_maps"] != 1 for h in holds[n]):
                print(f"  note: {n}: found {holds[n][0]['guest_maps']} anonymous mappings of "
                      f"exactly {args.memory} MiB; the guest RAM figure may be wrong")
        print()
        for n in ("zapotec", "qemu"):
            peak = stats["rss_kib"][n][0]
            if peak is not None and med[n]["guest_ram"] is not None:
                own[n] = peak - med[n]["guest_ram"]
        print(f"{'peak RSS - guest RAM touched':<{w}} {fmt(own.get('zapotec'), 'KiB'):>15}"
              f" {'':>11} {fmt(own.get('qemu'), 'KiB'):>13} {'':>11} "
              + (f"{own['zapotec'] / own['qemu']:>10.3f}" if len(own) == 2 and own['qemu'] else
                 f"{'n/a':>10}"))

    print()
    zf, qf = stats["first_ms"]["zapotec"][0], stats["first_ms"]["qemu"][0]
    if zf is not None and qf:
        verdict = "MET" if zf <= 0.1 * qf else "NOT MET"
        print(f"target first byte <= 0.1 x QEMU microvm: {verdict} "
              f"(zapotec {zf:.2f} ms = {zf / qf:.3f} x QEMU {qf:.2f} ms; limit {0.1 * qf:.2f} ms)")
    else:
        print("target first byte <= 0.1 x QEMU microvm: UNKNOWN (no successful runs)")
    if "zapotec" in own:
        verdict = "MET" if own["zapotec"] <= 3 * 1024 else "NOT MET"
        print(f"target VMM peak RSS excluding touched guest RAM <= 3 MiB: {verdict} "
              f"({own['zapotec']:.0f} KiB = {own['zapotec'] / 1024:.2f} MiB)")
    else:
        print("target VMM peak RSS excluding touched guest RAM <= 3 MiB: UNKNOWN "
              "(no hold runs)")

    if failures or hold_errors:
        print()
        print("FAILED RUNS (excluded from the figures):")
        for name, i, why, err in failures:
            print(f"  {name} run {i + 1}: {why}")
            for line in err.strip().splitlines():
                print(f"    | {line}")
        for e in hold_errors:
            print(f"  {e}")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        if _current_pid:
            try:
                os.kill(_current_pid, signal.SIGKILL)
                os.waitpid(_current_pid, 0)
            except OSError:
                pass
        print("boot_time: interrupted", file=sys.stderr)
        sys.exit(130)
