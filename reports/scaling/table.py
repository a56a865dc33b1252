# The tables of reports/SCALING.md from series.sh's $OUT/results.jsonl.
import json, os, re
OUT = os.environ.get('OUT', '/tmp/scale')
rows = [json.loads(l) for l in open(f'{OUT}/results.jsonl') if l.startswith('{') and '"t"' not in l[:12]]
def tw(s):
    m, sec = s.split(':'); return int(m)*60+float(sec)
def nres(r):
    m = re.search(r': (\d+) results', (r.get('summary') or [''])[0]); return m.group(1) if m else '?'
def walls(label):
    try:
        rep = json.load(open(f'{OUT}/out-{label}/report.json'))
        return {i['name']: i.get('wall', 0)/1e9 for i in rep['impls']}
    except Exception: return {}
for r in rows:
    if 'build4_s' in r:
        print(f"| {r['label']} | {r['build4_s']:.1f} s | {r['load_before']} → {r['load_after']} |")
print()
print("| run | results | wall | build+list | run phase | user+sys CPU | time -v max RSS | tree RSS peak (run phase) | tree PSS peak (run phase) | procs | largest test process | load before → after |")
for r in rows:
    if 'build4_s' in r: continue
    w = tw(r['time_wall']); b = r['build_list_s']
    mc = r.get('max_proc_mib_by_comm', {})
    tp = max([v for k, v in mc.items() if k.endswith('.test')], default=None)
    print(f"| {r['label']} | {nres(r)} | {w:.1f} s | {b:.1f} s | {w-b:.1f} s | {float(r['user_s'])+float(r['sys_s']):.1f} s | {r['maxrss_mib']:.0f} MiB | {r['tree_peak_mib']:.0f} ({r.get('run_tree_peak_mib','–')}) MiB | {r.get('tree_pss_peak_mib','–')} ({r.get('run_tree_pss_peak_mib','–')}) MiB | {r.get('run_tree_peak_procs', r['tree_peak_procs'])} | {tp or '–'} MiB | {' '.join(r['load_before'])} → {' '.join(r['load_after'])} |")
print()
for r in rows:
    if 'build4_s' in r: continue
    ws = walls(r['label'])
    print(r['label'], f"sum of impl walls {sum(ws.values()):.1f} s", {k: round(v, 1) for k, v in sorted(ws.items(), key=lambda kv: -kv[1])[:4]})
