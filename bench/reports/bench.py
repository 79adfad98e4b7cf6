#!/usr/bin/env python3
"""Helpers of bench/reports/run.sh (Python 3 standard library only).

  bench.py floor-sql --from D --to D [--tz Z]
      The "floor": the aggregate SELECTs that ReportBuilder::rebuild_week and
      ::rebuild_month (report-worker/report_builder.cc) send for every week and
      month of a backfill range, with the same parameters, as one SQL script
      for the mariadb client. SOCI's MySQL backend substitutes parameters on
      the client, so the server sees exactly these texts (checked by
      verify-floor).
  bench.py verify-floor --general-log F --from D --to D [--tz Z]
      Compares the floor's statements with the aggregate SELECTs a worker
      backfill of the same range sent (a MariaDB general log): same texts,
      same order. Exit 1 when they differ (report_builder.cc changed: update
      floor_statements below).
  bench.py slowlog F
      Summarises a slow log written with long_query_time = 0: seconds, calls,
      rows examined per statement class (JSON).
  bench.py project SAMPLE.json
      The full rebuild's SQL time projected from a sample pass (one week and
      its month): 26 x the week's statements + 6 x the month's.
  bench.py per-period SLOWLOG
      SQL seconds per week/month of one worker pass (run.sh --keep keeps the
      slow logs), by statement class.
  bench.py report --results DIR --out FILE
      The table (stdout) and the JSON file from the per-size result files.
  bench.py table RESULTS.json
      The table again from a results file.
"""
import argparse
import datetime as dt
import json
import os
import re
import sys
from zoneinfo import ZoneInfo

# --------------------------------------------------------------- periods

def parse_day(text):
    return dt.date.fromisoformat(text)


def week_start_of(day):
    return day - dt.timedelta(days=day.weekday())


def month_start_of(day):
    return day.replace(day=1)


def next_month_start(first):
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def periods(first, last):
    """Weeks and months of a backfill, as report_runner.cc enumerates them."""
    weeks, months = [], []
    w = week_start_of(first)
    while w <= last:
        weeks.append(w)
        w += dt.timedelta(days=7)
    m = month_start_of(first)
    while m <= last:
        months.append(m)
        m = next_month_start(m)
    return weeks, months


def start_of(day, zone):
    """TeamCalendar::start_of_day as to_sql_datetime prints it (UTC, microseconds)."""
    local = dt.datetime(day.year, day.month, day.day, tzinfo=zone)
    utc = local.astimezone(dt.timezone.utc)
    return utc.strftime("%Y-%m-%d %H:%M:%S.000000")


# --------------------------------------------------------------- the floor

MICROS = "CAST(UNIX_TIMESTAMP({0}) * 1000000 AS SIGNED)"  # sql_util.cc micros_of


def latest_before_end(table, columns, param):
    return ("SELECT customer_id, {0} FROM (SELECT customer_id, {0}, ROW_NUMBER() OVER (PARTITION BY "
            "customer_id ORDER BY created_at DESC, id DESC) AS rn FROM {1} WHERE created_at < {2}) "
            "ranked WHERE rn = 1").format(columns, table, param)


def stage_counts_at(end):
    q = "'" + end + "'"
    return ("SELECT lo.to_owner, lo.to_team, ls.to_stage, COUNT(*) FROM customers c "
            "JOIN ({}) ls ON ls.customer_id = c.id JOIN ({}) lo ON lo.customer_id = c.id "
            "WHERE c.deleted = 0 AND c.created_at < {} "
            "GROUP BY lo.to_owner, lo.to_team, ls.to_stage").format(
                latest_before_end("stage_events", "to_stage", q),
                "SELECT customer_id, to_owner, to_team FROM (SELECT customer_id, "
                "to_owner, to_team, ROW_NUMBER() OVER (PARTITION BY customer_id "
                "ORDER BY created_at DESC, id DESC) AS rn FROM owner_events WHERE "
                "created_at < " + q + ") ranked WHERE rn = 1",
                q)


def week_statements(monday, zone):
    """The aggregate reads of rebuild_week, in its order (the previous week's
    shares, a lookup in report_weekly_stages, is not an aggregate: left out)."""
    nxt = monday + dt.timedelta(days=7)
    start, end = "'" + start_of(monday, zone) + "'", "'" + start_of(nxt, zone) + "'"
    return [
        ("new_customers",
         "SELECT COALESCE(o.to_owner, c.owner_id), COALESCE(o.to_team, c.team_id), c.source, "
         "c.industry, COUNT(*) FROM customers c LEFT JOIN owner_events o ON o.customer_id = "
         "c.id AND o.from_owner IS NULL WHERE c.deleted = 0 AND c.first_contact_date >= "
         "'{}' AND c.first_contact_date < '{}' GROUP BY 1, 2, 3, 4".format(monday.isoformat(), nxt.isoformat())),
        ("stage_counts", stage_counts_at(start_of(nxt, zone))),
        ("losses",
         "SELECT se.owner_id, se.team_id, COALESCE(se.loss_reason, 'other'), COUNT(*) FROM "
         "stage_events se JOIN customers c ON c.id = se.customer_id WHERE c.deleted = 0 AND "
         "se.to_stage = 5 AND se.from_stage IS NOT NULL AND se.created_at >= {} AND "
         "se.created_at < {} GROUP BY 1, 2, 3".format(start, end)),
        ("wins",
         "SELECT se.customer_id, se.owner_id, se.team_id, {}, DATE_FORMAT(c.first_contact_date, "
         "'%Y-%m-%d'), (SELECT COUNT(*) FROM follow_ups f WHERE f.customer_id = se.customer_id "
         "AND f.happened_at <= se.created_at) FROM stage_events se JOIN customers c ON c.id = "
         "se.customer_id WHERE c.deleted = 0 AND se.to_stage = 4 AND se.from_stage IS NOT NULL "
         "AND se.created_at >= {} AND se.created_at < {} AND NOT EXISTS (SELECT 1 FROM "
         "stage_events e2 WHERE e2.customer_id = se.customer_id AND e2.to_stage = 4 AND "
         "(e2.created_at < se.created_at OR (e2.created_at = se.created_at AND e2.id < se.id)))".format(
             MICROS.format("se.created_at"), start, end)),
        ("transitions",
         "SELECT se.id, se.customer_id, se.owner_id, se.team_id, se.from_stage, se.to_stage, {}, "
         "(SELECT {} FROM stage_events p WHERE p.customer_id = se.customer_id AND (p.created_at < "
         "se.created_at OR (p.created_at = se.created_at AND p.id < se.id)) ORDER BY p.created_at "
         "DESC, p.id DESC LIMIT 1) FROM stage_events se JOIN customers c ON c.id = se.customer_id "
         "WHERE c.deleted = 0 AND se.from_stage IS NOT NULL AND se.created_at >= {} AND "
         "se.created_at < {}".format(MICROS.format("se.created_at"), MICROS.format("p.created_at"), start, end)),
    ]


def month_statements(first, zone):
    return [("stage_counts", stage_counts_at(start_of(next_month_start(first), zone)))]


def floor_statements(first, last, zone):
    weeks, months = periods(first, last)
    out = []
    for w in weeks:  # the worker: every week (ascending), then every month
        out += week_statements(w, zone)
    for m in months:
        out += month_statements(m, zone)
    return out


SESSION = ("SET SESSION time_zone = '+00:00', sql_mode = 'STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,"
           "NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'")


def cmd_floor_sql(a):
    zone = ZoneInfo(a.tz)
    print(SESSION + ";")
    for _, sql in floor_statements(parse_day(a.first), parse_day(a.last), zone):
        print(sql + ";")


def cmd_verify_floor(a):
    zone = ZoneInfo(a.tz)
    expected = [sql for _, sql in floor_statements(parse_day(a.first), parse_day(a.last), zone)]
    seen = []
    with open(a.general_log, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = re.search(r"\d+ Query\t(.*)$", line.rstrip("\n"))
            if not m:
                continue
            sql = m.group(1)
            if classify(sql) in ("new_customers", "stage_counts", "losses", "wins", "transitions"):
                seen.append(sql)
    if seen == expected:
        print("verify-floor: the floor's {} statements are exactly the worker's aggregate reads".format(len(expected)))
        return 0
    print("verify-floor: MISMATCH: floor has {} statements, the worker sent {}".format(len(expected), len(seen)))
    for i, (e, s) in enumerate(zip(expected, seen)):
        if e != s:
            print("first difference at statement {}:\n  floor:  {}\n  worker: {}".format(i, e, s))
            break
    return 1


# --------------------------------------------------------------- slow log

CLASSES = [
    ("new_customers", r"^SELECT COALESCE\(o\.to_owner"),
    ("stage_counts", r"^SELECT lo\.to_owner"),
    ("losses", r"COALESCE\(se\.loss_reason"),
    ("wins", r"se\.to_stage = 4 AND se\.from_stage IS NOT NULL"),
    ("transitions", r"^SELECT se\.id, se\.customer_id"),
    ("previous_shares", r"^SELECT owner_id, stage, share, existing FROM report_weekly_stages"),
    ("writes", r"^(DELETE FROM report_(weekly|monthly)|INSERT INTO report_(weekly|monthly|periods)|BEGIN|COMMIT)"),
    ("change_detection", r"(WHERE created_at >= |report_customer_snapshot s ON|f\.logged_at >= |"
                         r"FROM stage_events WHERE customer_id = .* AND to_stage = 4|MIN\(first_contact_date\))"),
    ("watermark", r"(report_customer_snapshot|INSERT INTO report_state)"),
    ("gauges", r"(owner_id = ''|SUM\(customers\)|dictionary_entries WHERE kind = 'loss_reason'|"
               r"SUM\(losses\)|FROM follow_up_plans p JOIN customers)"),
]


def classify(sql):
    for name, pattern in CLASSES:
        if re.search(pattern, sql):
            return name
    return "other"


def parse_slowlog(path):
    entries, current, text = [], None, []

    def flush():
        if current is not None:
            sql = " ".join(t for t in text).strip().rstrip(";")
            if sql:
                current["sql"] = sql
                entries.append(current)

    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("# Query_time:"):
                flush()
                m = re.search(r"Query_time: ([\d.]+).*Rows_examined: (\d+)", line)
                current, text = {"seconds": float(m.group(1)), "rows_examined": int(m.group(2))}, []
            elif line.startswith("#") or current is None:
                continue
            elif line.startswith("use ") or line.startswith("SET timestamp="):
                continue
            else:
                text.append(line)
    flush()
    return entries


def summarise_slowlog(path):
    out = {}
    if not os.path.exists(path):
        return out
    for e in parse_slowlog(path):
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


def project(sample):
    """Full-rebuild SQL time from a sample pass of one week and its month:
    26 x the week's statements + 6 x the month's stage counts."""
    st = sample.get("statements") or {}
    if not sample.get("ok") or "stage_counts" not in st:
        return None
    month = st["stage_counts"]["calls_seconds"][-1]
    week = sum(st.get(k, {}).get("seconds", 0) for k in
               ("new_customers", "stage_counts", "previous_shares", "losses", "wins", "transitions", "writes")) - month
    return round(26 * week + 6 * month, 1)


def cmd_project(a):
    with open(a.file) as f:
        p = project(json.load(f))
    print(1e9 if p is None else p)


def per_period(path):
    """SQL seconds per period of one worker pass, from its slow log: a week
    starts at its new-customers statement, a month at a stage-count statement
    that follows another period's."""
    out, cur = [], None
    for e in parse_slowlog(path):
        c = classify(e["sql"])
        if c == "new_customers":
            m = re.search(r"first_contact_date >= '([\d-]+)'", e["sql"])
            cur = {"period": "week " + m.group(1), "seconds": 0.0, "by_class": {}}
            out.append(cur)
        elif c == "stage_counts" and (cur is None or "stage_counts" in cur["by_class"]):
            m = re.search(r"created_at < '([\d-]+ [\d:]+)", e["sql"])
            cur = {"period": "period ending " + m.group(1) + " UTC", "seconds": 0.0, "by_class": {}}
            out.append(cur)
        if cur is None or c in ("other", "gauges", "change_detection", "watermark"):
            continue
        cur["seconds"] += e["seconds"]
        cur["by_class"][c] = cur["by_class"].get(c, 0.0) + e["seconds"]
    return out


def cmd_per_period(a):
    for p in per_period(a.file):
        print("{:40} {:9.2f} s   ".format(p["period"], p["seconds"]) +
              "  ".join("{} {:.2f}".format(k, v) for k, v in p["by_class"].items() if k != "previous_shares"))


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
        # The denominator of (3)/(1): the measured rebuild, or the projection.
        base = rebuild_s if rebuild_s else s.get("projected_rebuild_seconds")
        sch, cur = s["scheduled"], s["scheduled_current_only"]
        s["ratios"] = {
            "rebuild_vs_floor": ratio(r["wall_seconds"], fl["wall_seconds"]) if full else None,
            "sample_vs_sample_floor": ratio(sm.get("wall_seconds"), sf.get("wall_seconds")) if sm.get("ok") and sf.get("ok") else None,
            "sample_pass_vs_sample_floor": ratio(sm.get("pass_seconds"), sf.get("wall_seconds")) if sm.get("ok") and sf.get("ok") else None,
            "scheduled_vs_rebuild": ratio(sch.get("wall_seconds"), base) if sch.get("ok") or sch.get("stopped_at_limit") else None,
            "scheduled_vs_rebuild_is_lower_bound": bool(sch.get("stopped_at_limit")),
            "scheduled_vs_rebuild_basis": "measured rebuild" if rebuild_s else "upper-bound projection",
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
    run, sizes, rss = result["run"], result["sizes"], result["rss_ratio_largest_vs_smallest"]
    rows = []

    def row(label, values, target=""):
        rows.append([label] + list(values) + [target])

    row("data: customers / stage events / owner events / follow-ups",
        ["{} / {} / {} / {}".format(s["data"]["customers"], s["data"]["stage_events"], s["data"]["owner_events"],
                                    s["data"]["follow_ups"]) for s in sizes])
    row("generation", [fmt_s(s["data"]["generate_seconds"]) for s in sizes])
    row("(0) sample pass with default options", [pass_text(s["defaults"]) if not s["defaults"].get("ok") else "ok, " + fmt_s(s["defaults"]["wall_seconds"]) for s in sizes])
    row("(S) sample: week 2024-06-24 + month 2024-06, worker", [pass_text(s["sample"]) for s in sizes])
    row("(S) the same SELECTs, mariadb client", [fmt_s(s["sample_floor"].get("wall_seconds")) for s in sizes])
    row("(S) worker / SELECTs (wall; pass)",
        ["{:.2f}x; {:.2f}x".format(s["ratios"]["sample_vs_sample_floor"], s["ratios"]["sample_pass_vs_sample_floor"])
         if s["ratios"]["sample_vs_sample_floor"] else "-" for s in sizes], "<= 2x")
    row("projected full rebuild, upper bound (26 x (S)'s week + 6 x its month)", [fmt_s(s.get("projected_rebuild_seconds")) for s in sizes])
    row("(1) full rebuild, 26 weeks + 6 months", [pass_text(s["rebuild"]) if ran(s["rebuild"]) else
        "not run (projection > {} s limit)".format(run.get("rebuild_limit_seconds")) for s in sizes])
    row("(2) floor: the same SELECTs, mariadb client",
        ["{} ({} statements)".format(fmt_s(s["floor"].get("wall_seconds")), s["floor"].get("statement_count"))
         if ran(s["floor"]) else "not run" for s in sizes])
    row("(1)/(2)", ["{:.2f}x{}".format(s["ratios"]["rebuild_vs_floor"], verdict(s["ratios"]["rebuild_vs_floor"], 2.0))
                    if s["ratios"]["rebuild_vs_floor"] else "-" for s in sizes], "<= 2x")
    row("first --once (no watermark: everything)", [pass_text(s["first_once"]) if ran(s["first_once"]) else
        "not run (watermark written by SQL)" for s in sizes])
    row("(3') --once after 1k current-period changes", [pass_text(s["scheduled_current_only"]) for s in sizes])
    row("(3')/(1)", ["{:.1%} of the {}".format(s["ratios"]["scheduled_current_only_vs_rebuild"], s["ratios"]["scheduled_vs_rebuild_basis"])
                     if s["ratios"]["scheduled_current_only_vs_rebuild"] is not None else "-" for s in sizes])
    row("(3) --once after 1k mixed changes", [pass_text(s["scheduled"]) for s in sizes])
    row("(3)/(1)", ["{}{:.1%} of the {}{}".format(">= " if s["ratios"]["scheduled_vs_rebuild_is_lower_bound"] else "",
                                                 s["ratios"]["scheduled_vs_rebuild"], s["ratios"]["scheduled_vs_rebuild_basis"],
                                                 verdict(s["ratios"]["scheduled_vs_rebuild"], 0.02))
                    if s["ratios"]["scheduled_vs_rebuild"] is not None else "-" for s in sizes], "<= 2%")
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
        alts = s.get("alternatives") or []
        if alts:
            print("evidence, {} customers (alternatives.sql; same checksum = same rows):".format(s["customers"]))
            for a_ in alts:
                print("  {:45} {:>9.3f} s  {:>7} rows  checksum {}".format(a_["what"], a_["seconds"], a_["rows"], a_["checksum"]))
    print()
    for s in sizes:
        print("where the time goes, {} customers (SQL seconds/statements per class, from the slow log):".format(s["customers"]))
        for phase in ("sample", "sample_floor", "rebuild", "floor", "scheduled_current_only", "scheduled"):
            classes = s.get(phase, {}).get("statements") or {}
            if not classes:
                continue
            top = sorted(classes.items(), key=lambda kv: -kv[1]["seconds"])[:7]
            print("  {:22} ".format(phase) + ", ".join("{} {:.1f}/{}".format(k, v["seconds"], v["calls"]) for k, v in top))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("floor-sql")
    f.add_argument("--from", dest="first", required=True)
    f.add_argument("--to", dest="last", required=True)
    f.add_argument("--tz", default="Asia/Shanghai")
    v = sub.add_parser("verify-floor")
    v.add_argument("--general-log", required=True)
    v.add_argument("--from", dest="first", required=True)
    v.add_argument("--to", dest="last", required=True)
    v.add_argument("--tz", default="Asia/Shanghai")
    s = sub.add_parser("slowlog")
    s.add_argument("file")
    pp = sub.add_parser("per-period")
    pp.add_argument("file")
    t = sub.add_parser("table")
    t.add_argument("file")
    pr = sub.add_parser("project")
    pr.add_argument("file")
    r = sub.add_parser("report")
    r.add_argument("--results", required=True)
    r.add_argument("--out", required=True)
    a = p.parse_args()
    if a.cmd == "floor-sql":
        return cmd_floor_sql(a)
    if a.cmd == "verify-floor":
        return cmd_verify_floor(a)
    if a.cmd == "slowlog":
        return cmd_slowlog(a)
    if a.cmd == "project":
        return cmd_project(a)
    if a.cmd == "per-period":
        return cmd_per_period(a)
    if a.cmd == "table":
        return cmd_table(a)
    return cmd_report(a)


if __name__ == "__main__":
    sys.exit(main() or 0)
