#!/usr/bin/python3
"""ringfence benchmark harness: runs each workload under every tool,
interleaved: every round runs each tool once, in a fresh random order (so no
tool always follows the same neighbour, whose exit work the kernel may still
be doing), and reports median, p90 and the ratio of medians to native.

Normally started by bench/run (which installs the tools and builds
ringfence); it runs as whoever starts it: bench/run --user NAME starts it as
that user with runuser.
"""
import argparse
import datetime
import json
import os
import platform
import random
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures  # noqa: E402

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
PEERS = os.path.join(BENCH, ".peers")

EXEC200 = "i=0; while [ $i -lt 200 ]; do /bin/true; i=$((i+1)); done"

# name -> (description, rounds, quick rounds)
WORKLOADS = {
    "true": ("`/bin/true` start-up: wall time of one sandboxed /bin/true", 30, 5),
    "exec200": ("a shell loop running /bin/true 200 times inside one sandbox", 30, 3),
    "gitstatus": ("`git status` in a 5,000-file repository (slightly dirty tree), each tool "
                  "in its own copy", 30, 3),
    "gitmixed": ("`git status` in the sandbox right after a native `git status` in the same "
                 "repository", 30, 3),
    "build": ("`make -j2` of a 301-file C project (`make clean` before each run, untimed)", 5, 1),
    "concurrent50": ("50 sandboxes of /bin/true started at once: wall time until all exited", 10, 2),
    "rss": ("memory of the sandbox around `sleep 1`, see the RSS table", 5, 2),
}


def now():
    return time.perf_counter()


def wait_exact(p, timeout):
    """Wait for p in a blocking waitpid, so the time of its exit is seen when
    it happens; return True if it exited, False if it was killed at the
    timeout. Popen.wait(timeout=...) polls with sleeps that double from 1 ms
    to 50 ms, which rounds every measured time up to 1, 3, 7, 15, 31, 63,
    113, 163, 213... ms: that put all tools of a workload on the same step
    (every exec200 at 164.9 or 214.7 ms) until 2026-12-02."""
    timed_out = threading.Event()

    def kill():
        timed_out.set()
        p.kill()

    timer = threading.Timer(timeout, kill)
    timer.daemon = True
    timer.start()
    try:
        p.wait()
    finally:
        timer.cancel()
    return not timed_out.is_set()


def first_line(text):
    for line in (text or "").splitlines():
        line = line.strip()
        if line:
            return line[:160]
    return ""


ERRWORDS = ("error", "fail", "cannot", "can't", "denied", "not found", "no such", "refus",
            "invalid", "unable", "permitted")


def error_line(text):
    """The most telling line of a tool's stderr: the first that reads like an
    error, else the first non-empty one."""
    lines = [x.strip() for x in (text or "").splitlines() if x.strip()]
    for line in lines:
        low = line.lower()
        if not low.startswith("warning") and any(w in low for w in ERRWORDS):
            return line[:200]
    return lines[0][:200] if lines else ""


def which_version(argv, env=None):
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=30, env=env)
        return first_line(r.stdout) or first_line(r.stderr) or "?"
    except Exception as e:  # noqa: BLE001
        return "? (%s)" % e


def md_escape(s):
    return s.replace("|", "\\|")


# ---------------------------------------------------------------- tools

class Tool:
    """A way to run a command: wrap(argv, cwd) -> argv to execute."""

    def __init__(self, name, note=""):
        self.name = name
        self.status = "ok"          # ok | failed: ... | n/a (...) | pending (...)
        self.note = note
        self.version = ""
        self.invocation = ""
        self.extra_env = {}
        self.unsupported = {}       # workload -> reason

    def ok(self):
        return self.status == "ok"

    def wrap(self, argv, cwd):
        raise NotImplementedError


class Native(Tool):
    def __init__(self):
        super().__init__("native", "no sandbox")
        self.invocation = "CMD"

    def wrap(self, argv, cwd):
        return list(argv)


class Floor(Tool):
    def __init__(self):
        super().__init__("floor (unshare -Urmn)",
                         "user+mount+net namespaces, nothing mounted: the cost floor")
        self.invocation = "unshare -Urmn CMD"
        self.version = which_version(["unshare", "--version"])

    def wrap(self, argv, cwd):
        return ["unshare", "-Urmn"] + list(argv)


class BwrapBare(Tool):
    def __init__(self):
        super().__init__("bwrap (bare)",
                         "the issue's bare line: read-only /, workspace NOT writable, no secrets hidden")
        self.invocation = "bwrap --unshare-all --ro-bind / / --dev /dev --proc /proc CMD"
        self.version = which_version(["bwrap", "--version"])
        self.unsupported["build"] = "workspace is read-only in this configuration"

    def wrap(self, argv, cwd):
        return ["bwrap", "--unshare-all", "--ro-bind", "/", "/", "--dev", "/dev",
                "--proc", "/proc"] + list(argv)


class Bwrap(Tool):
    def __init__(self, ws, hidden):
        super().__init__("bwrap", "same policy as ringfence: read-only /, writable workspace, "
                         "private /tmp, secrets hidden, no network")
        self.ws = ws
        self.hide = []
        for p in hidden:
            if os.path.isdir(p) and not os.path.islink(p):
                self.hide += ["--tmpfs", p]
            else:
                self.hide += ["--ro-bind", "/dev/null", p]
        self.invocation = ("bwrap --unshare-all --die-with-parent --ro-bind / / --dev /dev "
                           "--proc /proc --tmpfs /tmp --bind WS WS "
                           "[--tmpfs SECRET_DIR | --ro-bind /dev/null SECRET_FILE]... "
                           "--chdir CWD -- CMD")
        self.version = which_version(["bwrap", "--version"])

    def wrap(self, argv, cwd):
        return (["bwrap", "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/",
                 "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
                 "--bind", self.ws, self.ws] + self.hide +
                ["--chdir", cwd, "--"] + list(argv))


class Firejail(Tool):
    def __init__(self, ws, hidden):
        super().__init__("firejail", "setuid root helper; read-only /, writable workspace, "
                         "private /tmp, secrets blacklisted, --net=none")
        self.ws = ws
        self.hide = ["--blacklist=" + p for p in hidden]
        self.invocation = ("firejail --quiet --noprofile --net=none --read-only=/ "
                           "--read-write=WS --private-tmp [--blacklist=SECRET]... CMD")
        self.version = which_version(["firejail", "--version"])

    def wrap(self, argv, cwd):
        return (["firejail", "--quiet", "--noprofile", "--net=none", "--read-only=/",
                 "--read-write=" + self.ws, "--private-tmp"] + self.hide + list(argv))


class Ringfence(Tool):
    def __init__(self, exe, ws, build_error, variant="", extra=(), note=None):
        super().__init__("ringfence" + (" (%s)" % variant if variant else ""),
                         note or "defaults: workspace-write, network offline, secrets hidden, "
                         "denied writes audited (--audit writes)")
        self.exe = exe
        self.ws = ws
        self.extra = list(extra)
        self.invocation = "build-bench/ringfence run --workspace WS %s-- CMD" % (
            " ".join(self.extra) + " " if self.extra else "")
        if build_error or not os.access(exe, os.X_OK):
            self.status = "pending (did not build%s)" % (": " + build_error if build_error else "")
        else:
            self.version = which_version([exe, "--version"])
        if variant:
            # the auditing variants: where the supervisor's work shows
            for w in ("concurrent50", "rss", "gitmixed"):
                self.unsupported[w] = "auditing variants run the audited workloads only"

    def wrap(self, argv, cwd):
        return [self.exe, "run", "--workspace", self.ws] + self.extra + ["--"] + list(argv)


def peer_skip_reason(peer):
    p = os.path.join(PEERS, peer + ".skip")
    if os.path.exists(p):
        with open(p) as f:
            return first_line(f.read()) or "not installed"
    return None


class Srt(Tool):
    def __init__(self, base, ws, hidden):
        super().__init__("srt", "Anthropic sandbox-runtime: bubblewrap + seccomp, network via "
                         "host proxies (none allowed); /tmp read-only (TMPDIR=/tmp/claude)")
        self.exe = os.path.join(PEERS, "node_modules", ".bin", "srt")
        self.settings = os.path.join(base, "srt-settings.json")
        self.invocation = "srt --settings SETTINGS.json -- CMD"
        reason = peer_skip_reason("srt")
        if reason or not os.access(self.exe, os.X_OK):
            self.status = "n/a (%s)" % (reason or "not installed")
            return
        with open(self.settings, "w") as f:
            json.dump({"network": {"allowedDomains": [], "deniedDomains": []},
                       "filesystem": {"denyRead": hidden, "allowWrite": [ws], "denyWrite": []}},
                      f, indent=1)
        self.version = "@anthropic-ai/sandbox-runtime " + which_version([self.exe, "--version"])

    def wrap(self, argv, cwd):
        return [self.exe, "--settings", self.settings, "--"] + list(argv)


class Codex(Tool):
    def __init__(self, base, ws, hidden):
        super().__init__("codex", "OpenAI Codex CLI sandbox: bubblewrap + seccomp, network "
                         "namespace; host /tmp and $TMPDIR stay writable (its :workspace default)")
        self.exe = os.path.join(PEERS, "node_modules", ".bin", "codex")
        self.home = os.path.join(base, "codex", "home")
        self.tmp = os.path.join(base, "codex", "tmp")
        self.invocation = ("CODEX_HOME=DIR TMPDIR=DIR codex sandbox -P bench -C CWD -- CMD "
                           "(profile `bench` extends `:workspace`, WS = write, secrets = none, "
                           "network off)")
        reason = peer_skip_reason("codex")
        if reason or not os.access(self.exe, os.X_OK):
            self.status = "n/a (%s)" % (reason or "not installed")
            return
        os.makedirs(self.home, exist_ok=True)
        os.makedirs(self.tmp, exist_ok=True)
        with open(os.path.join(self.home, "config.toml"), "w") as f:
            f.write("# written by bench/harness.py\n")
            f.write('[permissions.bench]\nextends = ":workspace"\n\n')
            f.write("[permissions.bench.filesystem]\n")
            f.write("%s = \"write\"\n" % json.dumps(ws))
            for p in hidden:
                f.write("%s = \"none\"\n" % json.dumps(p))
            f.write("\n[permissions.bench.network]\nenabled = false\n")
        self.extra_env = {"CODEX_HOME": self.home, "TMPDIR": self.tmp}
        env = dict(os.environ, **self.extra_env)
        self.version = "@openai/codex " + which_version([self.exe, "--version"], env)

    def wrap(self, argv, cwd):
        return [self.exe, "sandbox", "-P", "bench", "-C", cwd, "--"] + list(argv)


# ---------------------------------------------------------------- running

class Runner:
    def __init__(self, env, timeout):
        self.env = env
        self.timeout = timeout
        self.errf = tempfile.TemporaryFile()

    def env_for(self, tool):
        return dict(self.env, **tool.extra_env) if tool.extra_env else self.env

    def children_cpu(self):
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        return r.ru_utime + r.ru_stime

    def once(self, tool, argv, cwd, capture=False, timeout=None):
        """Run one command; return (rc, seconds, most telling stderr line).
        stderr goes to a file (the same cost for every tool), read only when
        the command failed. self.last_cpu: the CPU time (user + system) of
        the whole process tree the run reaped, the tool's own supervisor
        included (RUSAGE_CHILDREN before and after: runs are sequential)."""
        full = tool.wrap(argv, cwd)
        self.errf.seek(0)
        self.errf.truncate()
        cpu0 = self.children_cpu()
        self.last_cpu = None
        t0 = now()
        try:
            p = subprocess.Popen(full, cwd=cwd, env=self.env_for(tool), stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=self.errf)
        except OSError as e:
            return 127, 0.0, str(e)
        if not wait_exact(p, timeout or self.timeout):
            return 124, now() - t0, "timed out after %ss" % (timeout or self.timeout)
        dt = now() - t0
        self.last_cpu = self.children_cpu() - cpu0
        msg = ""
        if p.returncode != 0:
            self.errf.seek(0)
            msg = error_line(self.errf.read().decode(errors="replace"))
        return p.returncode, dt, msg

    def concurrent(self, tool, argv, cwd, n=50, timeout=None):
        """Start n sandboxes at once; return (failed count, seconds until all
        exited, first error line)."""
        full = tool.wrap(argv, cwd)
        env = self.env_for(tool)
        errs = [tempfile.TemporaryFile() for _ in range(n)]
        t0 = now()
        procs = []
        try:
            for i in range(n):
                procs.append(subprocess.Popen(full, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                              stdout=subprocess.DEVNULL, stderr=errs[i]))
        except OSError as e:
            for p in procs:
                p.kill()
                p.wait()
            for err in errs:
                err.close()
            return n, 0.0, str(e)
        deadline = t0 + (timeout or self.timeout)
        failed, msg = 0, ""
        for p, err in zip(procs, errs):
            # blocking waits (wait_exact): the last exit is seen when it happens
            if not wait_exact(p, max(0.1, deadline - now())):
                failed += 1
                msg = msg or "timed out"
                continue
            if p.returncode != 0:
                failed += 1
                err.seek(0)
                msg = msg or error_line(err.read().decode(errors="replace")) or "exit %d" % p.returncode
        dt = now() - t0
        for err in errs:
            err.close()
        return failed, dt, msg

    def rss(self, tool, cwd, tmpdir):
        """Return (rc, peak_kib, tree_kib, msg).

        peak: GNU time %M of the tool's top process running `sleep 0.2` (the
        largest RSS of that process and the descendants it reaped).
        tree: sum of VmRSS over the tool's whole process tree, leaving out the
        workload (`sleep`), sampled while `sleep 1` runs inside the sandbox.
        """
        out = os.path.join(tmpdir, "time.out")
        full = ["/usr/bin/time", "-f", "%M", "-o", out] + tool.wrap(["sleep", "0.2"], cwd)
        r = subprocess.run(full, cwd=cwd, env=self.env_for(tool), stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=self.timeout)
        if r.returncode != 0:
            return r.returncode, None, None, error_line(r.stderr.decode(errors="replace"))
        with open(out) as f:
            lines = [x for x in f.read().split() if x.isdigit()]
        peak = int(lines[-1]) if lines else None

        p = subprocess.Popen(tool.wrap(["sleep", "1"], cwd), cwd=cwd, env=self.env_for(tool),
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        tree = None
        t_end = now() + self.timeout
        while now() < t_end and p.poll() is None:
            procs = process_tree(p.pid)
            if any(c == "sleep" for _, c, _ in procs):
                time.sleep(0.15)  # let the supervisor settle once the workload runs
                procs = process_tree(p.pid)
                tree = sum(kib for _, c, kib in procs if c != "sleep")
                break
            time.sleep(0.01)
        p.wait()
        return 0, peak, tree, ""


def process_tree(root):
    """[(pid, comm, VmRSS KiB)] for root and its descendants."""
    children = {}
    info = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/status" % d) as f:
                st = f.read()
        except OSError:
            continue
        name, ppid, rss = "", 0, 0
        for line in st.splitlines():
            if line.startswith("Name:"):
                name = line.split(None, 1)[1] if len(line.split()) > 1 else ""
            elif line.startswith("PPid:"):
                ppid = int(line.split()[1])
            elif line.startswith("VmRSS:"):
                rss = int(line.split()[1])
        pid = int(d)
        info[pid] = (name, rss)
        children.setdefault(ppid, []).append(pid)
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in info:
            out.append((pid, info[pid][0], info[pid][1]))
        todo.extend(children.get(pid, []))
    return out


PF_KTHREAD = 0x00200000
# Sandbox helpers that outlive their parent for a moment (bwrap's monitor is
# reparented to init before init reaps it): not other load.
OUR_COMMS = {"bwrap", "firejail", "unshare", "sh", "bash", "node", "codex", "socat",
             "ringfence", "sleep", "true", "git", "make", "cc", "gcc", "srt"}


class CpuMeter:
    """How much CPU other processes used while we measured: the CPU time
    (own plus reaped children's) of every user-space process outside the
    harness's own tree, summed at two moments (a process that exits in
    between hands its time to the parent that reaps it). Kernel threads are
    left out: namespace teardown the sandboxes cause runs there. Steal (the
    hypervisor running someone else on our vCPUs) comes from /proc/stat."""

    def __init__(self):
        self.hz = os.sysconf("SC_CLK_TCK")
        with open("/proc/self/stat") as f:
            st = f.read()
        self.start_ticks = int(st[st.rindex(")") + 2:].split()[19])
        self.t0 = self.sample()

    def foreign(self):
        me = os.getpid()
        procs = {}
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % d) as f:
                    st = f.read()
            except OSError:
                continue
            f = st[st.rindex(")") + 2:].split()
            # f[0]=state f[1]=ppid f[6]=flags f[11..14]=utime stime cutime cstime
            comm = st[st.index("(") + 1:st.rindex(")")]
            if (int(f[1]) == 1 and int(f[19]) >= self.start_ticks
                    and (comm in OUR_COMMS or comm.startswith("codex"))):
                continue    # one of ours, orphaned on its way out
            procs[int(d)] = (int(f[1]), int(f[6]), sum(int(x) for x in f[11:15]))
        ours = {me}
        p = me
        while p in procs and procs[p][0] > 0:      # ancestors
            p = procs[p][0]
            ours.add(p)
        children = {}
        for pid, (pp, _, _) in procs.items():
            children.setdefault(pp, []).append(pid)
        todo = [me]
        while todo:                                 # descendants
            for c in children.get(todo.pop(), []):
                if c not in ours:
                    ours.add(c)
                    todo.append(c)
        return sum(t for pid, (pp, fl, t) in procs.items()
                   if pid not in ours and not fl & PF_KTHREAD and pp != 2) / self.hz

    def sample(self):
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        steal = v[7] if len(v) > 7 else 0
        return now(), self.foreign(), steal / self.hz

    def since(self, t0):
        w1, f1, s1 = self.sample()
        w0, f0, s0 = t0
        total = max(1e-9, (w1 - w0) * (os.cpu_count() or 1))
        return max(0.0, f1 - f0) / total, (s1 - s0) / total, w1 - w0


def stats(xs):
    if not xs:
        return None, None
    s = sorted(xs)
    med = statistics.median(s)
    # p90 by nearest rank
    k = max(0, min(len(s) - 1, int(-(-0.9 * len(s) // 1)) - 1))
    return med, s[k]


def fmt_time(sec):
    if sec is None:
        return "-"
    if sec < 1:
        return "%.2f ms" % (sec * 1e3) if sec < 0.1 else "%.1f ms" % (sec * 1e3)
    return "%.2f s" % sec


def fmt_kib(k):
    return "-" if k is None else "%.1f MiB" % (k / 1024)


# ---------------------------------------------------------------- main

def machine_info():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            mem = "%.1f GiB" % (int(f.readline().split()[1]) / 1024 / 1024)
    except OSError:
        pass
    deb = "?"
    try:
        with open("/etc/debian_version") as f:
            deb = f.read().strip()
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(),
            "memory": mem, "debian": deb}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="few rounds (smoke check)")
    ap.add_argument("--rounds", type=int, help="rounds for every workload (overrides defaults)")
    ap.add_argument("--workloads", default=",".join(WORKLOADS),
                    help="comma-separated subset of: " + ",".join(WORKLOADS))
    ap.add_argument("--tools", default="", help="comma-separated subset of tool names (prefix match)")
    ap.add_argument("--ringfence", default=os.path.join(REPO, "build-bench", "ringfence"))
    ap.add_argument("--ringfence-build-error", default="")
    ap.add_argument("--workdir", help="where fixtures go (default: a new temp dir under bench/.work)")
    ap.add_argument("--out", help="write the markdown report here")
    ap.add_argument("--command", default="bench/harness.py", help="command line to print in the report")
    ap.add_argument("--keep", action="store_true", help="keep the fixture directory")
    ap.add_argument("--timeout", type=float, default=300.0)
    a = ap.parse_args()

    workloads = [w for w in a.workloads.split(",") if w]
    for w in workloads:
        if w not in WORKLOADS:
            ap.error("unknown workload %r" % w)

    parent = a.workdir or os.path.join(BENCH, ".work")
    os.makedirs(parent, exist_ok=True)
    base = tempfile.mkdtemp(prefix="run.", dir=parent)
    # /tmp and /var/tmp get private mounts in some tools: keep fixtures out of both.
    user = os.environ.get("USER") or str(os.getuid())
    try:
        import pwd
        user = pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):
        pass
    env = {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "LANG": "C.UTF-8", "TERM": "dumb", "USER": user, "LOGNAME": user,
    }
    cpu = CpuMeter()
    print("bench: fixtures in %s (load average %.2f)" % (base, os.getloadavg()[0]), flush=True)
    t0 = now()
    fx = fixtures.make_all(base, env)
    env["HOME"] = fx["home"]
    print("bench: fixtures made in %.1f s" % (now() - t0), flush=True)
    hidden = fixtures.hidden_paths(fx["home"])
    ws = fx["ws"]

    tools = [Native(), Floor(), BwrapBare(), Bwrap(ws, hidden),
             Ringfence(a.ringfence, ws, a.ringfence_build_error),
             Ringfence(a.ringfence, ws, a.ringfence_build_error, "audit off", ["--audit", "off"],
                       "as ringfence, but the supervisor audits nothing (--audit off)"),
             Ringfence(a.ringfence, ws, a.ringfence_build_error, "audit reads", ["--audit", "reads"],
                       "as ringfence, and every open is audited: reads of hidden paths reported"),
             Ringfence(a.ringfence, ws, a.ringfence_build_error, "events file",
                       ["--events", os.path.join(base, "events.jsonl")],
                       "as ringfence, with the event stream written to a file"),
             Firejail(ws, hidden), Srt(base, ws, hidden), Codex(base, ws, hidden)]
    if a.tools:
        want = [t.strip() for t in a.tools.split(",") if t.strip()]
        tools = [t for t in tools if t.name == "native" or any(t.name.startswith(w) for w in want)]
    runner = Runner(env, a.timeout)
    litter = Litter([ws, fx["repo"], fx["cproj"]])
    tmp_before = tmp_sockets()

    # Warm-up: a tool that cannot run /bin/true is marked failed and left out.
    for t in tools:
        if not t.ok():
            print("bench: %-22s %s" % (t.name, t.status), flush=True)
            continue
        rc, dt, msg = runner.once(t, ["/bin/true"], ws, capture=True, timeout=120)
        litter.check(t)
        if rc != 0:
            t.status = "failed: " + (msg or "exit %d" % rc)
        print("bench: %-22s %s (first run %.0f ms)" % (t.name, t.status, dt * 1e3), flush=True)

    specs = {
        "true": (["/bin/true"], ws),
        "exec200": (["sh", "-c", EXEC200], ws),
        "gitstatus": (["git", "status"], None),          # per tool, see cwd_for
        "gitmixed": (["git", "status"], fx["repo"]),
        "build": (["make", "-j2"], fx["cproj"]),
        "concurrent50": (["/bin/true"], ws),
    }
    # git keeps each file's owner uid and inode in the index: a tool that
    # shows the files under another uid (unshare -r maps you to root) makes
    # git re-read every file and rewrite the index, and the next tool pays
    # the same to switch it back. For the steady-state number every tool
    # gets its own copy, settled natively; `gitmixed` measures the switching.
    repo_copies = {}
    if "gitstatus" in workloads:
        for i, t in enumerate(tools):
            if t.ok():
                repo_copies[t.name] = fixtures.copy_repo(
                    fx["repo"], os.path.join(ws, "repo-%d" % i), env)
        litter.seen |= litter.snapshot()
    results = {}   # (workload, tool) -> dict
    cpu_by_workload = {}
    prev = None
    for w in workloads:
        if prev:
            cpu_by_workload[prev] = cpu.since(cpu_by_workload[prev])
        prev = w
        cpu_by_workload[w] = cpu.sample()
        desc, rounds, quick = WORKLOADS[w]
        n = a.rounds or (quick if a.quick else rounds)
        active = []
        for t in tools:
            cell = {"samples": [], "status": t.status}
            results[(w, t.name)] = cell
            if not t.ok():
                continue
            if w in t.unsupported:
                cell["status"] = "n/a (%s)" % t.unsupported[w]
                continue
            active.append(t)
        print("bench: %s: %d rounds x %d tools" % (w, n, len(active)), flush=True)
        if w == "rss":
            run_rss(runner, active, results, n, ws, base)
            continue
        argv, cwd0 = specs[w]
        native = tools[0]

        def cwd_for(t):
            return repo_copies[t.name] if w == "gitstatus" else cwd0
        cwd = cwd0

        def prepare():
            if w == "gitmixed":
                runner.once(native, ["git", "status"], cwd0)
            if w == "build":
                subprocess.run(["make", "-s", "clean"], cwd=cwd, env=env, check=False,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                os.sync()   # the last build's writeback is not the next tool's cost

        os.sync()

        def one(t, capture=False):
            return runner.once(t, argv, cwd_for(t), capture=capture)

        if w == "concurrent50":
            run_concurrent(runner, active, results, n, argv, cwd, litter)
            continue

        # One untimed warm-up per tool (fills caches, checks the workload works).
        for t in list(active):
            prepare()
            rc, dt, msg = one(t, capture=True)
            litter.check(t)
            if rc != 0:
                results[(w, t.name)]["status"] = "failed: " + (msg or "exit %d" % rc)
                active.remove(t)
        for r in range(n):
            order = list(active)
            random.shuffle(order)
            for t in order:
                if t not in active:
                    continue
                prepare()
                rc, dt, msg = one(t)
                cell = results[(w, t.name)]
                if rc != 0:
                    if not msg:
                        prepare()
                        _, _, msg = one(t, capture=True)
                    cell["status"] = "failed: round %d: %s" % (r + 1, msg or "exit %d" % rc)
                    active.remove(t)
                    continue
                cell["samples"].append(dt)
                if runner.last_cpu is not None:
                    cell.setdefault("cpu", []).append(runner.last_cpu)
            print("bench:   round %d/%d done" % (r + 1, n), flush=True)
        if w == "build":
            prepare()

    if prev:
        cpu_by_workload[prev] = cpu.since(cpu_by_workload[prev])
    # Whole run: the workloads' windows together (weighted by their length).
    span = sum(x[2] for x in cpu_by_workload.values()) or 1e-9
    a.cpu_total = (sum(x[0] * x[2] for x in cpu_by_workload.values()) / span,
                   sum(x[1] * x[2] for x in cpu_by_workload.values()) / span)
    a.cpu_by_workload = cpu_by_workload
    # srt leaves its /tmp/srt-mux-PID-N.sock behind (seen after every run); a later
    # srt that gets the same pid then fails with EADDRINUSE (and cannot remove
    # another user's). Count ours and remove them.
    left = sorted(tmp_sockets() - tmp_before)
    for p in left:
        try:
            os.unlink(p)
        except OSError:
            pass
    a.tmp_left = left
    report = render(a, tools, workloads, results, user, litter, ws)
    print()
    print(report)
    if a.out:
        with open(a.out, "w") as f:
            f.write(report)
    if not a.keep:
        shutil.rmtree(base, ignore_errors=True)
    return 0


def tmp_sockets():
    out = set()
    for e in os.listdir("/tmp"):
        p = os.path.join("/tmp", e)
        if e.startswith("srt-mux-") and e.endswith(".sock"):
            try:
                if os.lstat(p).st_uid == os.getuid():
                    out.add(p)
            except OSError:
                pass
    return out


class Litter:
    """Notices files a tool leaves behind in the workspace (top level of the
    workspace, the repository and the C project), and which tool it was."""

    def __init__(self, dirs):
        self.dirs = dirs
        self.seen = self.snapshot()
        self.by_tool = {}

    def snapshot(self):
        out = set()
        for d in self.dirs:
            try:
                out.update(os.path.join(d, e) for e in os.listdir(d) if e not in ("obj", "proj"))
            except OSError:
                pass
        return out

    def check(self, tool):
        cur = self.snapshot()
        new = sorted(cur - self.seen)
        self.seen |= cur
        if new:
            self.by_tool.setdefault(tool.name, []).extend(new)


def run_concurrent(runner, active, results, n, argv, cwd, litter):
    """50 at once, n rounds. Failed sandboxes are counted, not fatal: the
    time is still reported with the failure count next to it."""
    for t in list(active):
        failed, dt, msg = runner.concurrent(t, argv, cwd)   # warm-up
        litter.check(t)
        cell = results[("concurrent50", t.name)]
        cell["failed"], cell["runs"] = failed, 50
        if failed:
            cell["errmsg"] = msg
        if failed == 50:
            cell["status"] = "failed: " + msg
            active.remove(t)
    for r in range(n):
        for t in active:
            failed, dt, msg = runner.concurrent(t, argv, cwd)
            cell = results[("concurrent50", t.name)]
            cell["samples"].append(dt)
            cell["failed"] += failed
            cell["runs"] += 50
            if failed and "errmsg" not in cell:
                cell["errmsg"] = msg
        print("bench:   round %d/%d done" % (r + 1, n), flush=True)
    for t in active:
        cell = results[("concurrent50", t.name)]
        if cell["failed"]:
            cell["status"] = "%d of %d sandboxes failed: %s" % (
                cell["failed"], cell["runs"], cell["errmsg"])


def run_rss(runner, active, results, n, ws, base):
    for t in list(active):
        rc, peak, tree, msg = runner.rss(t, ws, base)
        if rc != 0:
            results[("rss", t.name)]["status"] = "failed: " + (msg or "exit %d" % rc)
            active.remove(t)
    for r in range(n):
        for t in list(active):
            rc, peak, tree, msg = runner.rss(t, ws, base)
            cell = results[("rss", t.name)]
            if rc != 0:
                cell["status"] = "failed: " + (msg or "exit %d" % rc)
                active.remove(t)
                continue
            cell.setdefault("peak", []).append(peak)
            if tree is not None:
                cell.setdefault("tree", []).append(tree)
        print("bench:   round %d/%d done" % (r + 1, n), flush=True)


def headroom(ratio, m, meds):
    """What a per-workload target leaves for the sandbox, next to what one
    start-up costs (the `true` row): every sample is one whole sandbox run,
    so a start-up that alone exceeds the allowance misses the target
    whatever the workload costs inside."""
    t = meds.get("true", {})
    if "native" not in t or "ringfence" not in t:
        return ""
    refs = [(label, t[k] - t["native"]) for k, label in
            (("floor (unshare -Urmn)", "floor"), ("bwrap (bare)", "bwrap bare"), ("bwrap", "bwrap"))
            if k in t]
    return "; the target leaves %s over native for the whole run, one start-up takes %s over native's " \
           "`/bin/true`%s" % (
               fmt_time((ratio - 1) * m["native"]), fmt_time(t["ringfence"] - t["native"]),
               " (%s)" % ", ".join("%s %s" % (label, fmt_time(d)) for label, d in refs) if refs else "")


TARGETS = [
    # (workload, what, check(medians of the workload, medians of every workload) -> (ok, detail))
    ("true", "start-up no slower than bubblewrap with the same isolation",
     lambda m, meds: (m["ringfence"] <= m["bwrap"],
                "ringfence %s vs bwrap %s (floor %s)" % (
                    fmt_time(m["ringfence"]), fmt_time(m["bwrap"]),
                    fmt_time(m.get("floor (unshare -Urmn)"))))
     if "bwrap" in m else None),
    ("exec200", "200-exec loop <= 1.03x native",
     lambda m, meds: (m["ringfence"] <= 1.03 * m["native"],
                      "%.3fx native%s" % (m["ringfence"] / m["native"], headroom(1.03, m, meds)))),
    ("gitstatus", "git status <= 1.3x native",
     lambda m, meds: (m["ringfence"] <= 1.3 * m["native"],
                      "%.3fx native%s" % (m["ringfence"] / m["native"], headroom(1.3, m, meds)))),
    ("build", "audited build <= 1.05x native",
     lambda m, meds: (m["ringfence"] <= 1.05 * m["native"],
                "%.3fx native" % (m["ringfence"] / m["native"]))),
    ("build", "auditing (writes, the default) adds under 5% to the build",
     lambda m, meds: (m["ringfence"] <= 1.05 * m["ringfence (audit off)"],
                "%.3fx the unaudited run (audit reads: %s)" % (
                    m["ringfence"] / m["ringfence (audit off)"],
                    "%.3fx" % (m["ringfence (audit reads)"] / m["ringfence (audit off)"])
                    if "ringfence (audit reads)" in m else "not measured"))
     if "ringfence (audit off)" in m else None),
    ("gitstatus", "auditing adds under 5% to git status",
     lambda m, meds: (m["ringfence"] <= 1.05 * m["ringfence (audit off)"],
                "%.3fx the unaudited run (audit reads: %s)" % (
                    m["ringfence"] / m["ringfence (audit off)"],
                    "%.3fx" % (m["ringfence (audit reads)"] / m["ringfence (audit off)"])
                    if "ringfence (audit reads)" in m else "not measured"))
     if "ringfence (audit off)" in m else None),
]


def render(a, tools, workloads, results, user, litter, ws):
    mi = machine_info()
    L = []
    today = datetime.date.today().isoformat()
    L.append("# ringfence benchmark: %s, as %s (uid %d)%s" % (
        today, user, os.getuid(), " (quick)" if a.quick else ""))
    L.append("")
    L.append("Command: `%s`" % a.command)
    L.append("")
    L.append("Machine: %s CPUs, %s, %s RAM, Linux %s, Debian %s." % (
        mi["nproc"], mi["cpu"], mi["memory"], mi["kernel"], mi["debian"]))
    L.append("")
    other, steal = a.cpu_total
    L.append("Other load: processes outside the benchmark used %.1f%% of the machine's CPU "
             "time during the run, steal %.1f%%%s." % (
                 100 * other, 100 * steal,
                 "" if other < 0.05 and steal < 0.05 else
                 " (**busy machine: numbers are noisy; re-run on an idle one**)"))
    busy = ["%s %.0f%%" % (w, 100 * o) for w, (o, _, _) in a.cpu_by_workload.items() if o >= 0.05]
    if busy:
        L.append("Workloads that ran beside other load: " + ", ".join(busy) + ".")
    L.append("")
    L.append("## Tools")
    L.append("")
    L.append("| tool | version | status | invocation | policy notes |")
    L.append("| --- | --- | --- | --- | --- |")
    for t in tools:
        L.append("| %s | %s | %s | `%s` | %s |" % (
            t.name, md_escape(t.version or "-"), md_escape(t.status),
            md_escape(t.invocation), md_escape(t.note)))
    L.append("")

    L.append("## Workloads")
    L.append("")
    for w in workloads:
        desc, rounds, quick = WORKLOADS[w]
        L.append("- `%s`: %s; %d rounds." % (w, desc, a.rounds or (quick if a.quick else rounds)))
    L.append("")

    timed = [w for w in workloads if w != "rss"]
    meds = {}
    if timed:
        L.append("## Wall time (median, and ratio of medians to native)")
        L.append("")
        L.append("| tool | " + " | ".join(timed) + " |")
        L.append("| --- |" + " --- |" * len(timed))
        for w in timed:
            meds[w] = {}
            for t in tools:
                c = results[(w, t.name)]
                if c["samples"]:
                    meds[w][t.name] = stats(c["samples"])[0]
        for t in tools:
            row = []
            for w in timed:
                c = results[(w, t.name)]
                m = meds[w].get(t.name)
                nat = meds[w].get("native")
                if m is None:
                    row.append(md_escape(c["status"]))
                    continue
                cell = "%s (%.2fx)" % (fmt_time(m), m / nat) if nat else fmt_time(m)
                if c.get("failed"):
                    cell += " **%d/%d failed**" % (c["failed"], c["runs"])
                row.append(cell)
            L.append("| %s | %s |" % (t.name, " | ".join(row)))
        L.append("")
        cpu_rows = [t for t in tools if any(results[(w, t.name)].get("cpu") for w in timed)]
        if cpu_rows:
            L.append("### CPU time (user + system of the whole process tree, supervisor included; median)")
            L.append("")
            L.append("Steadier than wall time on a busy machine: what the work and the sandbox cost, "
                     "whoever else runs. Counted through the tool's own process (RUSAGE_CHILDREN), so "
                     "only for tools whose sandbox is reaped through it (ringfence's init and "
                     "supervisor are).")
            L.append("")
            L.append("| tool | " + " | ".join(timed) + " |")
            L.append("| --- |" + " --- |" * len(timed))
            meds_cpu = {}
            for w in timed:
                meds_cpu[w] = {t.name: stats(results[(w, t.name)].get("cpu", []))[0] for t in tools}
            for t in cpu_rows:
                row = []
                for w in timed:
                    m, nat = meds_cpu[w].get(t.name), meds_cpu[w].get("native")
                    if m is not None and nat and m < 0.5 * nat:
                        row.append("n/a (its sandbox is not reaped through it)")
                    else:
                        row.append("-" if m is None else ("%s (%.2fx)" % (fmt_time(m), m / nat) if nat else fmt_time(m)))
                L.append("| %s | %s |" % (t.name, " | ".join(row)))
            L.append("")
            a.cpu_meds = meds_cpu
        L.append("### Detail")
        L.append("")
        L.append("| workload | tool | n | median | p90 | x native | status |")
        L.append("| --- | --- | --- | --- | --- | --- | --- |")
        for w in timed:
            for t in tools:
                c = results[(w, t.name)]
                med, p90 = stats(c["samples"])
                nat = meds[w].get("native")
                ratio = "%.3f" % (med / nat) if med is not None and nat else "-"
                L.append("| %s | %s | %d | %s | %s | %s | %s |" % (
                    w, t.name, len(c["samples"]), fmt_time(med), fmt_time(p90), ratio,
                    md_escape(c["status"])))
        L.append("")

    if "rss" in workloads:
        L.append("## Memory (median over rounds)")
        L.append("")
        L.append("| tool | n | peak RSS, `/usr/bin/time -f %M` | sandbox tree RSS while the command runs | status |")
        L.append("| --- | --- | --- | --- | --- |")
        for t in tools:
            c = results[("rss", t.name)]
            peak = stats(c.get("peak", []))[0]
            tree = stats(c.get("tree", []))[0]
            L.append("| %s | %d | %s | %s | %s |" % (
                t.name, len(c.get("peak", [])), fmt_kib(peak),
                fmt_kib(tree) if t.name != "native" else "0 (no sandbox)",
                md_escape(c["status"])))
        L.append("")
        L.append("Peak RSS is GNU time's maximum resident set of the tool's top process "
                 "running `sleep 0.2` (wait4 accounting: the largest of that process and the "
                 "descendants it reaped, so never below the ~2 MiB of `sleep` itself). Tree RSS "
                 "is the sum of VmRSS of every process the tool keeps alive around the "
                 "command (supervisors, helpers, proxies), the command itself left out, sampled "
                 "while `sleep 1` runs; shared pages are counted once per process.")
        L.append("")

    if getattr(a, "tmp_left", None):
        L.append("## Left in /tmp")
        L.append("")
        L.append("- srt: %d `/tmp/srt-mux-PID-N.sock` files left by its runs (removed by the "
                 "harness afterwards); a later srt that gets the same pid fails with "
                 "`EADDRINUSE`." % len(a.tmp_left))
        L.append("")
    if litter.by_tool:
        L.append("## Left in the workspace")
        L.append("")
        L.append("Files that appeared in the workspace (WS = `%s`) after a tool's runs; "
                 "none of the workloads creates these." % ws)
        L.append("")
        for name, paths in litter.by_tool.items():
            L.append("- %s: %s" % (name, ", ".join(
                "`%s`" % os.path.relpath(p, ws) for p in paths)))
        L.append("")

    L.append("## Targets (ringfence)")
    L.append("")
    cm = getattr(a, "cpu_meds", {}).get("build", {})
    if cm.get("ringfence") and cm.get("ringfence (audit off)"):
        L.append("- auditing (writes) adds under 5%% to the build's CPU time: **%s**, %.3fx the unaudited run "
                 "(audit reads: %s)" % (
                     "met" if cm["ringfence"] <= 1.05 * cm["ringfence (audit off)"] else "NOT met",
                     cm["ringfence"] / cm["ringfence (audit off)"],
                     "%.3fx" % (cm["ringfence (audit reads)"] / cm["ringfence (audit off)"])
                     if cm.get("ringfence (audit reads)") else "not measured"))
    for w, what, check in TARGETS:
        m = meds.get(w, {})
        if "ringfence" not in m or "native" not in m:
            st = results.get((w, "ringfence"), {}).get("status", "not run")
            L.append("- %s: not measured (%s)" % (what, st))
            continue
        r = check(m, meds)
        if r is None:
            L.append("- %s: not measured" % what)
        else:
            L.append("- %s: **%s**, %s" % (what, "met" if r[0] else "NOT met", r[1]))
    L.append("")
    return "\n".join(L)


if __name__ == "__main__":
    sys.exit(main())
