#!/usr/bin/python3
"""Evaluates every Grafana panel expression and every alert expression of the
chart against a running Prometheus, through its HTTP API.

The expressions are read from the files themselves (no list kept here):
  charts/salesfollow/files/dashboards/*.json   every panel target's `expr`
  charts/salesfollow/files/prometheus/alerts.yml   every rule's `expr`

A panel expression must parse and return at least one series with a finite
value. An alert expression must parse; it normally returns nothing on a
healthy system (that is what "not firing" means), so instead every metric
selector inside it must return series: an alert on a metric that nobody
exports fails just like a panel does. The same selector check runs for panels.
Grafana variables are replaced as Grafana would on the dashboard's default
("All") settings: $__rate_interval -> --rate-interval, $job -> .*.

  /usr/bin/python3 tests/deploy/promql_check.py --prometheus http://127.0.0.1:9090 [--self-test]
Exits 1 when any expression fails; prints one line per expression.
"""
import argparse
import glob
import json
import math
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

import yaml

ROOT = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
DASHBOARDS = os.path.join(ROOT, "charts/salesfollow/files/dashboards")
ALERTS = os.path.join(ROOT, "charts/salesfollow/files/prometheus/alerts.yml")

# Words of PromQL that are not metric names.
AGGREGATORS = {"sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
               "bottomk", "topk", "quantile", "limitk", "limit_ratio"}
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
            "unless", "offset", "atan2", "inf", "nan", "start", "end"}
GROUPING = {"by", "without", "on", "ignoring", "group_left", "group_right"}

TOKEN = re.compile(r"""
    (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<number>\d[\w.]*)
  | (?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)
  | (?P<space>\s+)
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)


def tokens(expr):
    return [(m.lastgroup, m.group()) for m in TOKEN.finditer(expr) if m.lastgroup != "space"]


def selectors(expr):
    """The vector selectors (metric name plus matchers) inside a PromQL expression."""
    toks = tokens(expr)
    found, i, depth = [], 0, 0
    while i < len(toks):
        kind, text = toks[i]
        nxt = toks[i + 1][1] if i + 1 < len(toks) else ""
        if kind == "other" and text == "{":
            depth += 1
        elif kind == "other" and text == "}":
            depth -= 1
        elif kind == "other" and text == "[":
            while i < len(toks) and toks[i][1] != "]":  # range or subquery: [5m], [1h:1m]
                i += 1
        elif kind == "ident" and depth == 0:
            if text in GROUPING and nxt == "(":
                while i < len(toks) and toks[i][1] != ")":  # the label list
                    i += 1
            elif text in AGGREGATORS or text in KEYWORDS or nxt == "(":
                pass  # a function, an aggregation or an operator
            else:
                selector = text
                if nxt == "{":
                    j, level = i + 1, 0
                    while j < len(toks):
                        k, t = toks[j]
                        if k == "other" and t in "{}":
                            level += 1 if t == "{" else -1
                        selector += t
                        if level == 0:
                            break
                        j += 1
                    i = j
                found.append(selector)
        i += 1
    return found


def substitute(expr, rate_interval):
    expr = expr.replace("$__rate_interval", rate_interval).replace("${__rate_interval}", rate_interval)
    return re.sub(r"\$\{?job\}?", ".*", expr)


class Prometheus:
    def __init__(self, url):
        self.url = url.rstrip("/")

    def query(self, expr):
        """(error or None, result list)."""
        data = urllib.parse.urlencode({"query": expr}).encode()
        try:
            with urllib.request.urlopen(self.url + "/api/v1/query", data=data, timeout=30) as r:
                body = json.load(r)
        except urllib.error.HTTPError as e:  # 400: bad expression, 422: evaluation error
            body = json.load(e)
        if body.get("status") != "success":
            return f'{body.get("errorType")}: {body.get("error")}', []
        result = body["data"]["result"]
        if body["data"]["resultType"] == "scalar":
            result = [{"metric": {}, "value": result}]
        return None, result


def dashboard_expressions():
    found = []
    for path in sorted(glob.glob(os.path.join(DASHBOARDS, "*.json"))):
        board = json.load(open(path, encoding="utf-8"))
        for panel in board.get("panels", []):
            for target in panel.get("targets", []):
                where = f'{os.path.basename(path)} "{panel["title"]}" {target.get("refId", "")}'
                found.append((where, target["expr"]))
    return found


def alert_expressions():
    rules = yaml.safe_load(open(ALERTS, encoding="utf-8"))
    return [(f'alerts.yml {r.get("alert") or r.get("record")}', r["expr"])
            for group in rules["groups"] for r in group["rules"]]


def check_selectors(prom, expr):
    problems = []
    for selector in selectors(expr):
        error, result = prom.query(selector)
        if error:
            problems.append(f"selector {selector}: {error}")
        elif not result:
            problems.append(f"selector {selector} returns no series (metric not exported?)")
    return problems


def check_panel(prom, expr):
    error, result = prom.query(expr)
    if error:
        return [error], 0
    problems = check_selectors(prom, expr)
    if not result:
        problems.append("no series")
    elif not any(math.isfinite(float(s["value"][1])) for s in result):
        problems.append(f"{len(result)} series, none with a finite value")
    return problems, len(result)


def check_alert(prom, expr):
    error, result = prom.query(expr)
    if error:
        return [error], 0
    return check_selectors(prom, expr), len(result)


def self_test(prom, rate_interval):
    """The checks must be able to fail: a misspelt metric, a bad expression and
    a selector parser that finds what it should."""
    assert selectors('sum by (job) (rate(a_total{x="}",y=~"b"}[5m])) / on (job) b offset 1d > bool 1') == \
        ['a_total{x="}",y=~"b"}', "b"], selectors('sum by (job) (rate(a_total{x="}"}[5m]))')
    assert selectors("histogram_quantile(0.9, sum by (le) (rate(h_bucket[1h:1m])))") == ["h_bucket"]
    assert check_panel(prom, 'sum(rate(salesfollow_no_such_metric_total[1m]))')[0], "a missing metric passed"
    assert check_panel(prom, 'sum(rate(up[1m])')[0], "a bad expression passed"
    assert check_alert(prom, 'salesfollow_no_such_metric > 1')[0], "a missing metric in an alert passed"
    assert not check_panel(prom, substitute('sum by (job) (up{job=~"$job"})', rate_interval))[0]
    print("self-test: a missing metric and a bad expression are caught")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--prometheus", required=True)
    parser.add_argument("--rate-interval", default="1m")
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    prom = Prometheus(args.prometheus)
    if args.self_test:
        self_test(prom, args.rate_interval)

    failures = 0
    checks = [("panel", w, e, check_panel) for w, e in dashboard_expressions()] + \
             [("alert", w, e, check_alert) for w, e in alert_expressions()]
    if not checks:
        print("no expressions found", file=sys.stderr)
        return 1
    for kind, where, expr, check in checks:
        problems, series = check(prom, substitute(expr, args.rate_interval))
        if problems:
            failures += 1
            print(f"FAIL {kind} {where}: " + "; ".join(problems))
            print(f"     {' '.join(expr.split())}")
        else:
            print(f"ok   {kind} {where}: {series} series")
    panels = sum(1 for c in checks if c[0] == "panel")
    print(f"{len(checks) - failures} passed, {failures} failed "
          f"({panels} panel expressions, {len(checks) - panels} alert expressions)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
