#!/usr/bin/python3
"""Checks what the chart promises on its rendered manifests (beyond schema
validity, which validate-manifests.mjs checks):

  chart_policy.py RENDERED_DIR

RENDERED_DIR holds `helm template` output for each charts/salesfollow/ci/*.yaml
as <name>.yaml (default-values.yaml, everything-values.yaml, cronjob-values.yaml).
"""
import json
import os
import sys

import yaml

ROOT = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
CHART = os.path.join(ROOT, "charts/salesfollow")
failures = []


def check(condition, message):
    print(("ok   " if condition else "FAIL ") + message)
    if not condition:
        failures.append(message)


def load(rendered_dir, name):
    with open(os.path.join(rendered_dir, name), encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d]


def by_kind(docs, kind):
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def env_of(container, configmaps):
    env = {}
    for source in container.get("envFrom", []):
        env.update(configmaps[source["configMapRef"]["name"]]["data"])
    env.update({e["name"]: e.get("value") for e in container.get("env", [])})
    return env


def seconds(text):
    return int(text.rstrip("s"))


def check_services(docs, label, anti_affinity):
    deployments = by_kind(docs, "Deployment")
    configmaps = by_kind(docs, "ConfigMap")
    for component in ("customer-service", "followup-service"):
        d = deployments.get(f"rel-salesfollow-{component}")
        check(d is not None, f"{label}: Deployment {component}")
        if d is None:
            continue
        pod = d["spec"]["template"]["spec"]
        c = pod["containers"][0]
        env = env_of(c, configmaps)
        grpc_port = next(p["containerPort"] for p in c["ports"] if p["name"] == "grpc")
        check(c["readinessProbe"].get("grpc", {}).get("port") == grpc_port
              and c["readinessProbe"]["grpc"].get("service", "") == "",
              f"{label}: {component} readiness is a grpc probe on the health service (database-aware)")
        check(c["livenessProbe"].get("grpc") == {"port": grpc_port, "service": "liveness"},
              f"{label}: {component} liveness is a grpc probe on 'liveness' (ignores the database)")
        drain = seconds(env["SALESFOLLOW_DRAIN_TIMEOUT"]) + seconds(env["SALESFOLLOW_SHUTDOWN_DELAY"])
        check(pod["terminationGracePeriodSeconds"] >= drain + 10,
              f"{label}: {component} grace period {pod['terminationGracePeriodSeconds']} s >= "
              f"drain + delay + the process's own 10 s bound ({drain + 10} s)")
        check(("podAntiAffinity" in pod.get("affinity", {})) == anti_affinity,
              f"{label}: {component} pod anti-affinity {'on' if anti_affinity else 'off (podAntiAffinity: none)'}")
        check(pod["securityContext"].get("runAsNonRoot") is True and
              c["securityContext"].get("allowPrivilegeEscalation") is False,
              f"{label}: {component} runs as non-root without privilege escalation")
        files = [env.get("SALESFOLLOW_DB_PASSWORD_FILE"), env.get("SALESFOLLOW_TOKEN_SECRET_FILE")]
        check(all(f and f.startswith("/var/run/secrets/salesfollow/") for f in files) and
              "SALESFOLLOW_DB_PASSWORD" not in env,
              f"{label}: {component} reads the password and token secret from mounted files")


def main(rendered_dir):
    default = load(rendered_dir, "default-values.yaml")
    everything = load(rendered_dir, "everything-values.yaml")
    cronjob = load(rendered_dir, "cronjob-values.yaml")

    for label, docs, anti_affinity in (("default", default, True), ("everything", everything, True),
                                       ("cronjob", cronjob, False)):
        check(not by_kind(docs, "Secret"), f"{label}: the chart renders no Secret (secrets are referenced)")
        check_services(docs, label, anti_affinity)

    # Default values: the production shape.
    kinds = {d["kind"] for d in default}
    for kind in ("ConfigMap", "Service", "Deployment", "Job", "PodDisruptionBudget",
                 "HorizontalPodAutoscaler", "NetworkPolicy"):
        check(kind in kinds, f"default: renders a {kind}")
    check(not ({"ServiceMonitor", "PrometheusRule", "StatefulSet", "CronJob"} & kinds),
          "default: ServiceMonitor, PrometheusRule, MariaDB and CronJob are off")
    job = by_kind(default, "Job")["rel-salesfollow-migrate"]
    check(job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade",
          "default: the migration Job is a pre-install/pre-upgrade hook")
    check(job["spec"]["template"]["spec"]["containers"][0]["command"] == ["salesfollow-migrate"],
          "default: the migration Job runs salesfollow-migrate")
    worker = by_kind(default, "Deployment").get("rel-salesfollow-report-worker")
    check(worker is not None and "--run-interval=5m" in worker["spec"]["template"]["spec"]["containers"][0]["args"],
          "default: the report worker is a Deployment passing every 5 minutes")
    hpa = by_kind(default, "HorizontalPodAutoscaler")
    check(sorted(hpa) == ["rel-salesfollow-customer-service", "rel-salesfollow-followup-service"],
          "default: an HPA for each gRPC service, none for the worker (the lock allows one pass at a time)")
    check(all("replicas" not in by_kind(default, "Deployment")[n]["spec"] for n in hpa),
          "default: Deployments under an HPA leave replicas to it")

    dashboards = [d for d in default if d["kind"] == "ConfigMap" and "dashboard" in d["metadata"]["name"]]
    sources = sorted(os.listdir(os.path.join(CHART, "files/dashboards")))
    check(len(dashboards) == len(sources) == 3, f"default: one ConfigMap per dashboard ({sources})")
    for cm in dashboards:
        check(cm["metadata"]["labels"].get("grafana_dashboard") == "1",
              f"default: {cm['metadata']['name']} carries the grafana_dashboard label")
        (key, text), = cm["data"].items()
        board = json.loads(text)
        ids = [p["id"] for p in board["panels"]]
        targets = [t for p in board["panels"] for t in p.get("targets", [])]
        check(board.get("uid") and len(ids) == len(set(ids)) and targets and
              all(t.get("expr") and t.get("datasource") for t in targets),
              f"default: {key} is a dashboard with unique panel ids and {len(targets)} queries")

    # Everything on.
    rule = list(by_kind(everything, "PrometheusRule").values())
    with open(os.path.join(CHART, "files/prometheus/alerts.yml"), encoding="utf-8") as f:
        alerts = yaml.safe_load(f)
    check(len(rule) == 1 and rule[0]["spec"]["groups"] == alerts["groups"],
          "everything: the PrometheusRule holds exactly files/prometheus/alerts.yml")
    check(len(by_kind(everything, "ServiceMonitor")) == 3, "everything: a ServiceMonitor per workload")
    check(len(by_kind(everything, "StatefulSet")) == 1, "everything: the built-in MariaDB")
    job = by_kind(everything, "Job")["rel-salesfollow-migrate"]
    check(job["metadata"]["annotations"]["helm.sh/hook"] == "post-install,pre-upgrade",
          "everything: with the built-in MariaDB the migration runs after install")
    configmaps = by_kind(everything, "ConfigMap")
    check(configmaps["rel-salesfollow-config"]["data"]["SALESFOLLOW_DB_HOST"] == "rel-salesfollow-mariadb",
          "everything: the services use the built-in MariaDB's Service")
    check(all(cm["metadata"].get("namespace") == "monitoring" for n, cm in configmaps.items() if "dashboard" in n),
          "everything: dashboards go to dashboards.namespace")

    # The worker as a CronJob.
    cron = list(by_kind(cronjob, "CronJob").values())
    check(len(cron) == 1 and cron[0]["spec"]["concurrencyPolicy"] == "Forbid" and
          "--once" in cron[0]["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"],
          "cronjob: report-worker --once in a CronJob that forbids overlapping runs")
    check("rel-salesfollow-report-worker" not in by_kind(cronjob, "Deployment") and
          "rel-salesfollow-report-worker" not in by_kind(cronjob, "Service"),
          "cronjob: no report-worker Deployment or Service")
    check(not by_kind(cronjob, "HorizontalPodAutoscaler") and
          all("replicas" in d["spec"] for d in by_kind(cronjob, "Deployment").values()),
          "cronjob: with autoscaling off the Deployments set replicas")

    print(f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
