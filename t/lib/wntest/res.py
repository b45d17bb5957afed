"""What a process holds, read from /proc: memory (VmRSS, VmHWM, RssAnon in
KiB), CPU time (user + system seconds), open descriptors, and the
privileges of /proc/PID/status.  The fault-matrix tests bound a child's
resources with these ("bounded RSS", "no fd leak", "CPU < 2 s")."""

import os

CLK_TCK = os.sysconf("SC_CLK_TCK")


def status(pid):
    """/proc/PID/status as a dict of strings."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def _kib(text):
    return int(text.split()[0]) if text else 0


def mem(pid):
    """{"rss", "hwm", "anon"} in KiB: resident now, its peak over the
    process's life, and the anonymous part of what is resident now."""
    st = status(pid)
    return {"rss": _kib(st.get("VmRSS")), "hwm": _kib(st.get("VmHWM")),
            "anon": _kib(st.get("RssAnon"))}


def cpu(pid):
    """User plus system CPU seconds used so far."""
    with open("/proc/%d/stat" % pid) as f:
        st = f.read()
    rest = st[st.rfind(")") + 2:].split()
    return (int(rest[11]) + int(rest[12])) / float(CLK_TCK)


def fds(pid):
    """The open descriptors: {fd: what it points at}."""
    d = "/proc/%d/fd" % pid
    out = {}
    for fd in os.listdir(d):
        try:
            out[int(fd)] = os.readlink(os.path.join(d, fd))
        except OSError:
            continue
    return out


def du(path):
    """Bytes in the files under path (what a temporary directory holds)."""
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_size
            except OSError:
                continue
    return total


def descendants(pid):
    """pid's children, grandchildren, ... (a winnowd child's scan
    process)."""
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        ppid = int(st[st.rfind(")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for k in kids.get(p, []):
            out.append(k)
            todo.append(k)
    return out


def tree_cpu(pid):
    """CPU seconds of pid and its live descendants, plus what the ones it
    reaped used (the scan process does libclamav's work)."""
    total = 0.0
    for p in [pid] + descendants(pid):
        try:
            with open("/proc/%d/stat" % p) as f:
                st = f.read()
        except OSError:
            continue
        rest = st[st.rfind(")") + 2:].split()
        total += sum(int(x) for x in rest[11:15]) / float(CLK_TCK)
    return total


class AnonPeak:
    """The largest RssAnon of a process (and its descendants, summed)
    sampled every 20 ms while the with-block runs: what VmHWM cannot
    say when file pages (a mapped spool file) are resident too."""

    def __init__(self, pid, tree=False):
        self.pid, self.tree, self.peak = pid, tree, 0

    def _sample(self):
        total = 0
        for p in [self.pid] + (descendants(self.pid) if self.tree else []):
            try:
                total += mem(p)["anon"]
            except OSError:
                continue
        self.peak = max(self.peak, total)

    def _run(self):
        while not self._stop.wait(0.02):
            self._sample()

    def __enter__(self):
        import threading
        self._stop = threading.Event()
        self._sample()
        self._th = threading.Thread(target=self._run, daemon=True)
        self._th.start()
        return self

    def __exit__(self, *a):
        self._stop.set()
        self._th.join()
        self._sample()
