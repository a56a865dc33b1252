#!/usr/bin/env python3
"""Run a command under /usr/bin/time -v, sample the summed RSS of its whole
process tree from /proc every 0.5 s, timestamp its stderr lines, and print
one JSON line: wall, max RSS (time -v: the largest single process among those waited
for), peak sum of RSS and of PSS over the process tree (all of it, and
once the test binaries are built and listed: "run"), the largest RSS of a
single process by command name, the build phase (start .. the first line
after the 'building' lines), and the load average before and after.
Sampling every 0.5 s misses shorter peaks; summed RSS counts shared pages
once per process (PSS shares them out)."""
import json, os, subprocess, sys, threading, time

# usage: measure.py LABEL COMMAND… (files LABEL.time, LABEL.stderr in $OUT, default /tmp/scale)
OUT = os.environ.get("OUT", "/tmp/scale")

label, cmd = sys.argv[1], sys.argv[2:]
tfile = f"{OUT}/{label}.time"
errfile = open(f"{OUT}/{label}.stderr", "w")
load0 = open("/proc/loadavg").read().split()[:3]
t0 = time.time()
p = subprocess.Popen(["/usr/bin/time", "-v", "-o", tfile] + cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
lines = []
phase = {"built": False, "seen": False}
def rd(f, keep):
    for l in f:
        if l.startswith("building "):
            phase["seen"] = True
        elif phase["seen"]:
            phase["built"] = True
        if keep:
            lines.append((time.time() - t0, l.rstrip("\n")))
        errfile.write(f"{time.time()-t0:8.2f} {l}")
threading.Thread(target=rd, args=(p.stderr, True), daemon=True).start()
outs = []
threading.Thread(target=lambda: outs.extend(p.stdout), daemon=True).start()

def tree_rss(root):
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                s = f.read()
            ppid = int(s[s.rindex(")") + 2:].split()[1])
            kids.setdefault(ppid, []).append(int(d))
        except (OSError, ValueError):
            pass
    pss[0] = 0
    total, n, stack = 0, 0, [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/statm") as f:
                r = int(f.read().split()[1]) * 4096
            with open(f"/proc/{pid}/comm") as f:
                comm = f.read().strip()
            total += r
            n += 1
            try:
                with open(f"/proc/{pid}/smaps_rollup") as f:
                    for l in f:
                        if l.startswith("Pss:"):
                            pss[0] += int(l.split()[1]) * 1024
                            break
            except OSError:
                pass
            bycomm[comm] = max(bycomm.get(comm, 0), r)
        except OSError:
            pass
        stack.extend(kids.get(pid, []))
    return total, n
bycomm = {}
pss = [0]

peak, peakn, samples, runpeak, runpeakn = 0, 0, 0, 0, 0
psspeak, runpss = 0, 0
while p.poll() is None:
    r, n = tree_rss(p.pid)
    peak, peakn, samples = max(peak, r), max(peakn, n), samples + 1
    psspeak = max(psspeak, pss[0])
    if phase["built"]:
        runpeak, runpeakn = max(runpeak, r), max(runpeakn, n)
        runpss = max(runpss, pss[0])
    time.sleep(0.5)
wall = time.time() - t0
load1 = open("/proc/loadavg").read().split()[:3]
tv = {}
for l in open(tfile):
    k, _, v = l.strip().rpartition(": ")
    tv[k] = v
build_end = None
seen_build = False
for t, l in lines:
    if l.startswith("building "):
        seen_build = True
    elif seen_build:
        build_end = t
        break
summary = [o.strip() for o in outs if o.startswith("wrote ")]
print(json.dumps({
    "label": label, "rc": p.returncode, "wall_s": round(wall, 1),
    "time_wall": tv.get("Elapsed (wall clock) time (h:mm:ss or m:ss)"),
    "user_s": tv.get("User time (seconds)"), "sys_s": tv.get("System time (seconds)"),
    "maxrss_mib": round(int(tv.get("Maximum resident set size (kbytes)", 0)) / 1024, 1),
    "tree_peak_mib": round(peak / 2**20, 1), "tree_peak_procs": peakn, "samples": samples,
    "tree_pss_peak_mib": round(psspeak / 2**20, 1), "run_tree_pss_peak_mib": round(runpss / 2**20, 1),
    "run_tree_peak_mib": round(runpeak / 2**20, 1), "run_tree_peak_procs": runpeakn,
    "max_proc_mib_by_comm": {k: round(v / 2**20) for k, v in sorted(bycomm.items(), key=lambda kv: -kv[1])[:6]},
    "build_list_s": round(build_end, 1) if build_end else None,
    "load_before": load0, "load_after": load1, "summary": summary[:1],
}))
