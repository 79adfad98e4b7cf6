#!/usr/bin/env python3
"""Helpers of bench/reports/run.sh (Python 3 standard library only).

  bench.py floor-sql --general-log F --user U --out SQL --counts JSON
      The "floor" of a worker pass: the read statements the worker sent (from
      the server's general log of that pass, connections of user U), as one
      SQL script for the mariadb client, in the worker's order, after the
      worker's own session settings. Reads are the SELECTs except the
      bookkeeping (report_state, report_runs, report_periods, GET_LOCK,
      RELEASE_LOCK, LAST_INSERT_ID) and the start-up statements (pool
      pings, schema version check): the aggregations, the event-id slice
      bounds, the stored summary rows the chained stage counts start from,
      the previous week's shares and the gauges. SOCI's MySQL backend
      substitutes parameters on the client, so the log holds the exact texts.
      JSON: the statements by class.
  bench.py coverage --worker-slowlog F --extracted JSON --floor-slowlog F
      Checks that the replay covers what the worker read: per read class, the
      worker's statements (its slow log), the extracted ones and the replayed
      ones (the replay's slow log) must agree. JSON; exit 1 when they do not.
  bench.py slowlog F
      Summarises a slow log written with long_query_time = 0: seconds, calls,
      rows examined per statement class (JSON).
  bench.py per-period SLOWLOG
      SQL seconds per week/month of one worker pass (run.sh --keep keeps the
      slow logs), by statement class.
  bench.py report --results DIR --out FILE
      The table (stdout) and the JSON file from the per-size result files.
  bench.py table RESULTS.json
      The table again from a results file.
"""
import argparse
import json
import os
import re
import sys

# --------------------------------------------------------------- the floor

# A general-log entry: "[yymmdd hh:mm:ss]<tab or spaces> id Command<tab>argument".
GENERAL_ENTRY = re.compile(r"^(?:\d{6}\s+\d{1,2}:\d{2}:\d{2})?\s+(\d+) ([A-Z][A-Za-z ]*?)\t(.*)$")


def parse_general_log(path):
    """(thread id, command, argument) in log order; continuation lines of a
    multi-line statement are joined to it."""
    entries = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            m = GENERAL_ENTRY.match(line)
            if m:
                entries.append([int(m.group(1)), m.group(2), m.group(3)])
            elif entries and not line.startswith(("Time\t", "Tcp port:")) and "started with:" not in line:
                entries[-1][2] += "\n" + line
    return entries


BOOKKEEPING = re.compile(r"(GET_LOCK|RELEASE_LOCK|LAST_INSERT_ID\(\)|\breport_state\b|\breport_runs\b|"
                         r"\breport_periods\b)")


def is_replayed_read(sql):
    return (bool(re.match(r"\s*SELECT\b", sql, re.I)) and not BOOKKEEPING.search(sql)
            and classify(sql) != "startup")


def worker_statements(path, user):
    """The worker's statements: those of the connections user U opened."""
    threads, out = set(), []
    for thread, command, arg in parse_general_log(path):
        if command == "Connect" and arg.startswith(user + "@"):
            threads.add(thread)
        elif command == "Query" and thread in threads:
            out.append(arg)
    return out


def cmd_floor_sql(a):
    statements = worker_statements(a.general_log, a.user)
    session = next((s for s in statements if re.match(r"SET SESSION time_zone", s)), None)
    if session is None:
        print("floor-sql: no worker session settings in " + a.general_log, file=sys.stderr)
        return 1
    reads = [s for s in statements if is_replayed_read(s)]
    counts = {}
    for s in reads:
        c = classify(s)
        counts[c] = counts.get(c, 0) + 1
    with open(a.out, "w", encoding="utf-8") as f:
        f.write(session + ";\n")
        for s in reads:
            f.write(s + ";\n")
    with open(a.counts, "w") as f:
        json.dump({"statements": len(reads), "by_class": counts, "worker_statements": len(statements)}, f,
                  indent=1, sort_keys=True)
    return 0


def cmd_coverage(a):
    # The runner's own root sessions (and anyone looking at the server during
    # the step) are not the worker.
    worker = summarise_slowlog(a.worker_slowlog, skip_users=("root",))
    with open(a.extracted) as f:
        extracted = json.load(f)["by_class"]
    replayed = summarise_slowlog(a.floor_slowlog)
    rows, ok = {}, True
    for c in sorted(set(READ_CLASSES) | set(extracted)):
        w, e, r = (worker.get(c, {}).get("calls", 0), extracted.get(c, 0), replayed.get(c, {}).get("calls", 0))
        if w or e or r:
            rows[c] = {"worker": w, "extracted": e, "replayed": r}
            ok = ok and w == e == r
    json.dump({"ok": ok, "by_class": rows}, sys.stdout, sort_keys=True)
    print()
    return 0 if ok else 1


# --------------------------------------------------------------- slow log

# In order: the first pattern that matches names the class.
CLASSES = [
    ("bookkeeping", r"(GET_LOCK|RELEASE_LOCK|LAST_INSERT_ID\(\)|^SELECT 1 FROM report_periods|"
                    r"report_runs|FROM report_state)"),
    ("session", r"^SET SESSION"),
    # The connection pool's pings and the schema version check at start-up.
    ("startup", r"^(SELECT 1$|SELECT COUNT\(\*\) FROM information_schema\.tables WHERE table_schema = DATABASE\(\) "
                r"AND table_name = 'schema_migrations'|SELECT version, name, checksum FROM schema_migrations)"),
    ("new_customers", r"^SELECT COALESCE\(o\.to_owner"),
    ("stage_counts_history", r"^SELECT lo\.to_owner"),
    ("stage_counts_delta", r"^SELECT o\.to_owner, o\.to_team, s\.to_stage, SUM\(x\.sign\)"),
    ("stored_rows", r"^SELECT owner_id, team_id, stage, customers FROM report_(weekly_stages|monthly_distribution)"),
    ("previous_shares", r"^SELECT owner_id, stage, share, existing FROM report_weekly_stages"),
    ("event_slices", r"^SELECT MIN\(id\), MAX\(id\) FROM stage_events"),
    ("losses", r"COALESCE\(se\.loss_reason"),
    ("wins", r"se\.to_stage = 4 AND se\.from_stage IS NOT NULL"),
    ("transitions", r"^SELECT se\.id, se\.customer_id"),
    ("writes", r"^(DELETE FROM report_(weekly|monthly)|INSERT INTO report_(weekly|monthly|periods)|BEGIN|COMMIT)"),
    ("change_detection", r"(FROM (stage|owner)_events WHERE created_at >= |report_customer_snapshot s ON|"
                         r"f\.logged_at >= |FROM stage_events WHERE to_stage = 4 AND customer_id IN|"
                         r"MIN\(first_contact_date\))"),
    ("watermark", r"(report_customer_snapshot|INSERT INTO report_state)"),
    ("gauges", r"(owner_id = ''|SUM\(customers\)|dictionary_entries WHERE kind = 'loss_reason'|"
               r"SUM\(losses\)|FROM follow_up_plans)"),
]
# The classes of the statements the floor replays (is_replayed_read).
READ_CLASSES = ["new_customers", "stage_counts_history", "stage_counts_delta", "stored_rows", "previous_shares",
                "event_slices", "losses", "wins", "transitions", "change_detection", "gauges", "other_select"]


def classify(sql):
    for name, pattern in CLASSES:
        if re.search(pattern, sql):
            return name
    return "other_select" if re.match(r"\s*SELECT\b", sql, re.I) else "other"


def parse_slowlog(path):
    entries, current, text, user = [], None, [], None

    def flush():
        if current is not None:
            sql = " ".join(t for t in text).strip().rstrip(";")
            if sql:
                current["sql"] = sql
                entries.append(current)

    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("# User@Host:"):
                flush()
                current, text = None, []
                user = line.split()[2].split("[")[0]
            elif line.startswith("# Query_time:"):
                flush()
                m = re.search(r"Query_time: ([\d.]+).*Rows_examined: (\d+)", line)
                current, text = {"seconds": float(m.group(1)), "rows_examined": int(m.group(2)), "user": user}, []
            elif line.startswith("#") or current is None:
                continue
            elif line.startswith("use ") or line.startswith("SET timestamp="):
                continue
            else:
                text.append(line)
    flush()
    return entries


def summarise_slowlog(path, skip_users=()):
    out = {}
    if not os.path.exists(path):
        return out
    for e in parse_slowlog(path):
        if e.get("user") in skip_users:
            continue
        c = out.setdefault(classify(e["sql"]), {"calls": 0, "seconds": 0.0, "max_seconds": 0.0, "rows_examined": 0,
                                                "calls_seconds": []})
        c["calls"] += 1
        if len(c["calls_seconds"]) < 64:  # in log order (e.g. the weeks' stage counts, then the months')
            c["calls_seconds"].append(round(e["seconds"], 3))
        c["seconds"] += e["seconds"]
        c["max_seconds"] = max(c["max_seconds"], e["seconds"])
        c["rows_examined"] += e["rows_examined"]
    for c in out.values():
        c["seconds"] = round(c["seconds"], 3)
    return out


def per_period(path):
    """SQL seconds per period of one worker pass, from its slow log: a period
    ends with its report_periods record (record_period); what comes before
    the first one is change detection, what follows the last the watermark
    and the gauges."""
    out, cur = [], None
    for e in parse_slowlog(path):
        c = classify(e["sql"])
        if c in ("bookkeeping", "session", "other"):
            continue
        if cur is None:
            cur = {"period": "(before the periods)", "seconds": 0.0, "by_class": {}}
            out.append(cur)
        cur["seconds"] += e["seconds"]
        cur["by_class"][c] = cur["by_class"].get(c, 0.0) + e["seconds"]
        m = re.match(r"INSERT INTO report_periods .* SELECT '(week|month)', '([\d-]+)'", e["sql"])
        if m:
            cur["period"] = "{} {}".format(m.group(1), m.group(2))
            cur = None
    if out and out[-1]["period"].startswith("(before"):
        out[-1]["period"] = "(after the periods)" if len(out) > 1 else out[-1]["period"]
    return out


def cmd_per_period(a):
    for p in per_period(a.file):
        print("{:22} {:9.2f} s   ".format(p["period"], p["seconds"]) +
              "  ".join("{} {:.2f}".format(k, v) for k, v in sorted(p["by_class"].items(), key=lambda kv: -kv[1])
                        if v >= 0.005))


def cmd_slowlog(a):
    json.dump(summarise_slowlog(a.file), sys.stdout, indent=1, sort_keys=True)
    print()


# --------------------------------------------------------------- report

TARGETS = {"rebuild_vs_floor": 2.0, "scheduled_vs_rebuild": 0.02, "rss_ratio": 1.5}


def fmt_s(x):
    if x is None:
        return "-"
    return "{:.1f} s".format(x) if x >= 10 else "{:.2f} s".format(x)


def fmt_mb(kb):
    return "-" if not kb else "{:.1f} MB".format(kb / 1024)


def ratio(a, b):
    return round(a / b, 4) if a is not None and b else None


def verdict(value, target):
    if value is None:
        return ""
    return " met" if value <= target else " MISSED"


def ran(step):
    return bool(step) and not step.get("skipped")


def pass_text(step):
    if not ran(step):
        return "not run"
    periods = step.get("periods") if step.get("periods") is not None else step.get("periods_written")
    text = "{} wall ({} pass), {} periods".format(fmt_s(step.get("wall_seconds")), fmt_s(step.get("pass_seconds")), periods)
    if step.get("stopped_at_limit"):
        text = "STOPPED at {} with {} periods written".format(fmt_s(step.get("wall_seconds")), step.get("periods_written"))
    elif not step.get("ok"):
        text = "FAILED after {}: {}".format(fmt_s(step.get("wall_seconds")), step.get("error", "")[:70])
    return text


def reads_seconds(step):
    st = step.get("statements") or {}
    return round(sum(v["seconds"] for k, v in st.items() if k in READ_CLASSES), 3) or None


def pct(a, b):
    return "{:.2%}".format(a / b) if a is not None and b else "-"


def floor_text(step):
    if not ran(step):
        return "not run"
    text = "{} ({} statements)".format(fmt_s(step.get("wall_seconds")), step.get("statement_count"))
    if not step.get("ok"):
        text += " FAILED: " + (step.get("error") or "")[:70]
    return text


def cmd_report(a):
    sizes = []
    for name in sorted(os.listdir(a.results)):
        if name.startswith("size-") and name.endswith(".json"):
            with open(os.path.join(a.results, name)) as f:
                sizes.append(json.load(f))
    sizes.sort(key=lambda s: s["customers"])
    with open(os.path.join(a.results, "run.json")) as f:
        run = json.load(f)
    for s in sizes:
        r, fl, sm, sf = s["rebuild"], s["floor"], s["sample"], s["sample_floor"]
        full = ran(r) and r.get("ok") and ran(fl) and fl.get("ok")
        rebuild_s = r["wall_seconds"] if ran(r) and r.get("ok") else None
        base = rebuild_s
        sch, cur = s["scheduled"], s["scheduled_current_only"]
        s["ratios"] = {
            "rebuild_vs_floor": ratio(r["wall_seconds"], fl["wall_seconds"]) if full else None,
            "sample_vs_sample_floor": ratio(sm.get("wall_seconds"), sf.get("wall_seconds")) if sm.get("ok") and sf.get("ok") else None,
            "sample_pass_vs_sample_floor": ratio(sm.get("pass_seconds"), sf.get("wall_seconds")) if sm.get("ok") and sf.get("ok") else None,
            # The worker's pass against the server time of its own reads in
            # the same run (slow log): the worker's overhead without the
            # run-to-run noise of a separate replay.
            "rebuild_pass_vs_its_reads_in_run": ratio(r.get("pass_seconds"), reads_seconds(r)) if ran(r) and r.get("ok") else None,
            "scheduled_vs_rebuild": ratio(sch.get("wall_seconds"), base) if sch.get("ok") or sch.get("stopped_at_limit") else None,
            "scheduled_vs_rebuild_is_lower_bound": bool(sch.get("stopped_at_limit")),
            "scheduled_current_only_vs_rebuild": ratio(cur.get("wall_seconds"), base) if cur.get("ok") else None,
            "scheduled_pass_seconds_vs_rebuild_pass_seconds":
                ratio(sch.get("pass_seconds"), r.get("pass_seconds")) if full and sch.get("ok") else None,
        }
    rss = {}
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        for step in ("sample", "rebuild", "scheduled_current_only", "scheduled"):
            if ran(small[step]) and ran(large[step]) and small[step].get("max_rss_kb") and large[step].get("max_rss_kb"):
                rss[step] = ratio(large[step]["max_rss_kb"], small[step]["max_rss_kb"])
    result = {"run": run, "sizes": sizes, "rss_ratio_largest_vs_smallest": rss, "targets": TARGETS}
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
        f.write("\n")
    print_table(result)
    print("\nresults: " + a.out)


def cmd_table(a):
    with open(a.file) as f:
        print_table(json.load(f))


def print_table(result):
    sizes, rss = result["sizes"], result["rss_ratio_largest_vs_smallest"]
    rows = []

    def row(label, values, target=""):
        rows.append([label] + list(values) + [target])

    row("data: customers / stage events / owner events / follow-ups",
        ["{} / {} / {} / {}".format(s["data"]["customers"], s["data"]["stage_events"], s["data"]["owner_events"],
                                    s["data"]["follow_ups"]) for s in sizes])
    row("generation", [fmt_s(s["data"]["generate_seconds"]) for s in sizes])
    row("(0) sample: week 2024-06-24 + month 2024-06, default options", [pass_text(s["sample"]) for s in sizes])
    row("(0) its reads replayed, mariadb client", [floor_text(s["sample_floor"]) for s in sizes])
    row("(0) worker / its reads (wall; pass)",
        ["{:.2f}x; {:.2f}x".format(s["ratios"]["sample_vs_sample_floor"], s["ratios"]["sample_pass_vs_sample_floor"])
         if s["ratios"]["sample_vs_sample_floor"] else "-" for s in sizes])
    row("(1) full rebuild, 26 weeks + 6 months", [pass_text(s["rebuild"]) for s in sizes])
    row("(2) floor: (1)'s reads replayed, mariadb client", [floor_text(s["floor"]) for s in sizes])
    row("(1)/(2)", ["{:.2f}x{}".format(s["ratios"]["rebuild_vs_floor"], verdict(s["ratios"]["rebuild_vs_floor"], 2.0))
                    if s["ratios"]["rebuild_vs_floor"] else "-" for s in sizes], "<= 2x")
    row("(1) pass / its reads' server time in the same run (slow log)",
        ["{:.2f}x ({} of reads)".format(s["rebuild"]["pass_seconds"] / reads_seconds(s["rebuild"]), fmt_s(reads_seconds(s["rebuild"])))
         if ran(s["rebuild"]) and s["rebuild"].get("ok") and reads_seconds(s["rebuild"]) else "-" for s in sizes])
    row("first --once (no watermark: everything)", [pass_text(s["first_once"]) if ran(s["first_once"]) else
        "not run (watermark written by SQL)" for s in sizes])
    row("(3') --once after 1k current-period changes", [pass_text(s["scheduled_current_only"]) for s in sizes])
    row("(3')/(1)", ["{:.1%}".format(s["ratios"]["scheduled_current_only_vs_rebuild"])
                     if s["ratios"]["scheduled_current_only_vs_rebuild"] is not None else "-" for s in sizes])
    row("(3) --once after 1k mixed changes", [pass_text(s["scheduled"]) for s in sizes])
    row("(3)/(1)", ["{}{:.1%}{}".format(">= " if s["ratios"]["scheduled_vs_rebuild_is_lower_bound"] else "",
                                       s["ratios"]["scheduled_vs_rebuild"],
                                                 verdict(s["ratios"]["scheduled_vs_rebuild"], 0.02))
                    if s["ratios"]["scheduled_vs_rebuild"] is not None else "-" for s in sizes], "<= 2%")
    row("(3')/(1) and (3)/(1), pass seconds (no process start and exit)",
        ["{} and {}".format(pct(s["scheduled_current_only"].get("pass_seconds"), s["rebuild"].get("pass_seconds")),
                            pct(s["scheduled"].get("pass_seconds"), s["rebuild"].get("pass_seconds"))) for s in sizes])
    row("(4) peak RSS: sample / full rebuild / (3)",
        ["{} / {} / {}".format(fmt_mb(s["sample"].get("max_rss_kb")), fmt_mb(s["rebuild"].get("max_rss_kb")) if ran(s["rebuild"]) else "-",
                               fmt_mb(s["scheduled"].get("max_rss_kb"))) for s in sizes])
    row("(4) RSS largest / smallest size", [""] * (len(sizes) - 1) +
        [", ".join("{} {:.2f}x{}".format(k, v, verdict(v, 1.5)) for k, v in rss.items()) or "-"], "<= 1.5x")

    header = ["measure"] + ["{} customers".format(s["customers"]) for s in sizes] + ["target"]
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    line = lambda r: "| " + " | ".join(str(v).ljust(widths[i]) for i, v in enumerate(r)) + " |"
    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print(line(r))
    print()
    for s in sizes:
        for phase in ("sample_floor", "floor"):
            cov = s.get(phase, {}).get("coverage")
            if cov:
                print("replay coverage, {} customers, {} (worker/extracted/replayed statements per class): {}: {}".format(
                    s["customers"], phase, "ok" if cov.get("ok") else "MISMATCH",
                    ", ".join("{} {}/{}/{}".format(k, v["worker"], v["extracted"], v["replayed"])
                              for k, v in cov.get("by_class", {}).items())))
    print()
    for s in sizes:
        print("where the time goes, {} customers (SQL seconds/statements per class, from the slow log):".format(s["customers"]))
        for phase in ("sample", "sample_floor", "rebuild", "floor", "scheduled_current_only", "scheduled"):
            classes = s.get(phase, {}).get("statements") or {}
            if not classes:
                continue
            top = sorted(classes.items(), key=lambda kv: -kv[1]["seconds"])[:8]
            print("  {:22} ".format(phase) + ", ".join("{} {:.1f}/{}".format(k, v["seconds"], v["calls"]) for k, v in top))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("floor-sql")
    f.add_argument("--general-log", required=True)
    f.add_argument("--user", required=True)
    f.add_argument("--out", required=True)
    f.add_argument("--counts", required=True)
    c = sub.add_parser("coverage")
    c.add_argument("--worker-slowlog", required=True)
    c.add_argument("--extracted", required=True)
    c.add_argument("--floor-slowlog", required=True)
    s = sub.add_parser("slowlog")
    s.add_argument("file")
    pp = sub.add_parser("per-period")
    pp.add_argument("file")
    t = sub.add_parser("table")
    t.add_argument("file")
    r = sub.add_parser("report")
    r.add_argument("--results", required=True)
    r.add_argument("--out", required=True)
    a = p.parse_args()
    commands = {"floor-sql": cmd_floor_sql, "coverage": cmd_coverage, "slowlog": cmd_slowlog,
                "per-period": cmd_per_period, "table": cmd_table, "report": cmd_report}
    return commands[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main() or 0)
