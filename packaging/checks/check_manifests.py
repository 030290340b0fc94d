#!/usr/bin/env python3
"""Checks FleetDeck's deployment files against the fleet's contract.

The contract (ARCHITECTURE.md, services/*/config/*.toml): six executables, their default ports, the
admin endpoints every process serves (/healthz, /readyz, /metrics), the FLEETDECK_<SECTION>__<KEY>
environment overrides, one database per service, NATS JetStream, and the Prometheus alert rules in
resources/prometheus/rules.

Modes (see packaging/CMakeLists.txt for the CTest tests that run them):
  (default)                  render both overlays with `kubectl kustomize` and check every object,
                             plus the Compose file and the Containerfiles
  --render-only              only render the overlays (does kustomize accept them?)
  --lint                     run yamllint with packaging/.yamllint over packaging/ and resources/prometheus
  --write-prometheus-rule    regenerate packaging/k8s/base/prometheusrule.yaml from the rule files
  --prometheus-rule          only compare base/prometheusrule.yaml with the rule files (no kubectl)

Every problem is printed as `FAIL <where>: <Kind>/<name> <field>: <what>`, and the exit status is 1.
Exit status 77 means a tool (kubectl, yamllint) is missing: CTest reports the test as skipped.
Needs Python >= 3.11 (tomllib) and PyYAML (Debian: python3-yaml).
"""

from __future__ import annotations

import argparse
import glob
import ipaddress
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

try:
    import yaml
except ImportError:  # pragma: no cover - depends on the machine
    sys.stderr.write("check_manifests.py needs PyYAML: apt-get install python3-yaml\n")
    sys.exit(2)

REPO = Path(__file__).resolve().parents[2]
PACKAGING = REPO / "packaging"
K8S = PACKAGING / "k8s"
RULES_DIR = REPO / "resources" / "prometheus" / "rules"
PROMETHEUS_RULE_FILE = K8S / "base" / "prometheusrule.yaml"
SERVICE_MONITOR_FILE = K8S / "base" / "servicemonitor.yaml"
SKIPPED = 77

# --- the fleet's contract -------------------------------------------------------------------------

# Listening sections and default ports of every executable (services/*/config/*.toml, ARCHITECTURE.md).
FLEET = {
    "gateway": {"http": 8080, "admin": 9100},
    "users": {"grpc": 50051, "admin": 9101},
    "products": {"grpc": 50052, "admin": 9102},
    "orders": {"grpc": 50053, "admin": 9103},
    "payments": {"grpc": 50054, "admin": 9104},
    "notifications": {"grpc": 50055, "admin": 9105},
}
DATABASE_SERVICES = ["users", "products", "orders", "payments", "notifications"]
# Who calls whom over gRPC: the gateway fronts every service; the orders saga calls products and payments.
GRPC_CALLERS = {
    "users": {"gateway"},
    "products": {"gateway", "orders"},
    "orders": {"gateway"},
    "payments": {"gateway", "orders"},
    "notifications": {"gateway"},
}
UPSTREAMS = {caller: {svc for svc, callers in GRPC_CALLERS.items() if caller in callers} for caller in FLEET}
NEEDS_REDIS = {"products"}  # the catalog cache: [cache] url in products.toml
REDIS_URL_VARIABLE = "FLEETDECK_CACHE__URL"
# The gateway proxies the console's metrics and alerts routes to Prometheus's HTTP API ([prometheus] url
# in gateway.toml; empty, they answer 503).
NEEDS_PROMETHEUS = {"gateway"}
PROMETHEUS_URL_VARIABLE = "FLEETDECK_PROMETHEUS__URL"
# The gateway believes X-Forwarded-For only from these CIDRs ([gateway] trusted_proxies): behind an Ingress
# without them every client shares the ingress pods' rate limit and sign-in throttle.
TRUSTED_PROXIES_VARIABLE = "FLEETDECK_GATEWAY__TRUSTED_PROXIES"
# Each database service migrates in an init container of this name running its image with this flag
# (ServiceHost --migrate-only: apply the migrations, exit 0, open no port).
MIGRATE_INIT_CONTAINER = "migrate"
MIGRATE_ONLY_FLAG = "--migrate-only"
# Only the gateway signs and verifies access tokens (services/gateway/main.cpp, backend/auth/key_ring.h).
NEEDS_JWT_KEY = {"gateway"}
LIVENESS_PATH = "/healthz"
READINESS_PATH = "/readyz"
DEFAULT_DRAIN_SECONDS = 5.0
NATS_CLIENT_PORT, NATS_CLUSTER_PORT, NATS_MONITOR_PORT = 4222, 6222, 8222
# Where Prometheus runs: the one namespace that may reach the admin ports (/metrics) from outside. The
# admin port also serves /readyz details, OTLP intake and the gateway's peer trace routes, so "any
# namespace" is too wide. A placeholder documented in network-policies.yaml and README.md.
PROMETHEUS_NAMESPACE = "monitoring"
POSTGRES_PORT, REDIS_PORT = 5432, 6379
PROMETHEUS_PORT = 9090
LOG_LEVELS = {"trace", "debug", "info", "warn", "error", "off"}

# Keys the fleet's contract names for every deployment that a service's TOML file may not document
# yet (the services reading them are being written). Absent from an existing TOML file they are a
# warning, not a failure; with --strict they fail like any unknown key.
CONTRACT_KEYS = {"nats.url"}
# Sections whose keys are data (Config::getStringTable): [upstreams] <service> = "host:port".
DATA_SECTIONS = {"upstreams": set(FLEET)}
# Read by ServiceHost itself, not config keys: the config file, and the standard OpenTelemetry variables
# of the span exporter (backend/host/src/service_host.cpp; docs/operations.md shows how to point the fleet
# at a collector with them).
HOST_ENVIRONMENT = {"FLEETDECK_CONFIG", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                    "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_SDK_DISABLED",
                    "OTEL_TRACES_EXPORTER"}

# The fleet's trace store: the gateway's admin port takes OTLP/HTTP JSON (POST /v1/traces, [traces] in
# gateway.toml). Every other process exports its spans there through the gateway Service, as Compose does
# (http://gateway:9100, http/json); each replica keeps the spans sent to it and asks its peer replicas (at
# the pod IP:admin port they register) for their part of a trace. The gateway sets no endpoint: it stores
# its own spans locally.
TRACE_STORE = "gateway"
OTLP_ENDPOINT_VARIABLE = "OTEL_EXPORTER_OTLP_ENDPOINT"
OTLP_PROTOCOL_VARIABLE = "OTEL_EXPORTER_OTLP_PROTOCOL"
OTLP_PROTOCOL = "http/json"
# These replace or switch off the endpoint above (backend/host/src/service_host.cpp).
OTLP_OVERRIDING_VARIABLES = {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "wins over " + OTLP_ENDPOINT_VARIABLE,
                             "OTEL_SDK_DISABLED": "\"true\" turns span export off",
                             "OTEL_TRACES_EXPORTER": "\"none\" turns span export off"}

# Values every cluster has its own of. Each is listed in packaging/k8s/README.md's "Placeholders to edit"
# table, and every ConfigMap literal setting one (base/, overlays other than dev, which points them at
# its own in-cluster pods) carries an inline `# PLACEHOLDER` marker. A marker elsewhere in packaging/k8s
# must be documented too: a literal's variable, any other line's file, named in that table.
PLACEHOLDER_VARIABLES = {PROMETHEUS_URL_VARIABLE, REDIS_URL_VARIABLE, TRUSTED_PROXIES_VARIABLE}
PLACEHOLDER_EXEMPT = {"overlays/dev"}
PLACEHOLDER_MARKER = re.compile(r"\s#\s*PLACEHOLDER\b")
README_PLACEHOLDER_HEADING = "## Placeholders to edit"

# What each overlay promises.
SEED_RESOURCES = {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "500m", "memory": "128Mi"}}
OVERLAYS = {
    # dev runs one PostgreSQL server for all five databases (separated by role); prod gives each
    # service its own database endpoint, so the network policy alone keeps them apart.
    "dev": {"namespace": "fleetdeck-dev", "min_replicas": 1, "max_replicas": 1, "nats_replicas": 1,
            "exact_resources": None, "topology_spread": False, "shared_database_server": True},
    "prod": {"namespace": "fleetdeck", "min_replicas": 2, "max_replicas": None, "nats_replicas": 3,
             "exact_resources": SEED_RESOURCES, "topology_spread": True, "shared_database_server": False},
}

CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PersistentVolume",
                  "StorageClass", "PriorityClass", "IngressClass", "ValidatingWebhookConfiguration",
                  "MutatingWebhookConfiguration"}
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"}
# Volume types the "restricted" Pod Security Standard admits (the namespace enforces it).
RESTRICTED_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
                      "projected", "secret"}


# --- reporting ------------------------------------------------------------------------------------

class Report:
    def __init__(self) -> None:
        self.failures: list[str] = []
        self.warnings: list[str] = []

    @staticmethod
    def _line(severity: str, where: str, obj: str, field: str, message: str) -> str:
        subject = f"{obj} {field}" if field else obj
        return f"{severity} {where}: {subject}: {message}"

    def fail(self, where: str, obj: str, field: str, message: str) -> None:
        self.failures.append(self._line("FAIL", where, obj, field, message))

    def warn(self, where: str, obj: str, field: str, message: str) -> None:
        self.warnings.append(self._line("WARN", where, obj, field, message))

    def finish(self, what: str) -> int:
        for line in self.warnings:
            print(line)
        for line in self.failures:
            print(line)
        if self.failures:
            print(f"{what}: {len(self.failures)} problem(s), {len(self.warnings)} warning(s)")
            return 1
        print(f"{what}: OK ({len(self.warnings)} warning(s))")
        return 0


def ref(obj: dict) -> str:
    return f"{obj.get('kind', '?')}/{(obj.get('metadata') or {}).get('name', '?')}"


# --- small parsers --------------------------------------------------------------------------------

def parse_cpu(value) -> float:
    text = str(value)
    if text.endswith("m"):
        return float(text[:-1]) / 1000
    return float(text)


MEMORY_UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}


def parse_memory(value) -> float:
    text = str(value)
    for unit, factor in MEMORY_UNITS.items():
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text)


def parse_duration_seconds(text: str) -> float | None:
    """The config loader's durations: "250ms", "5s", "2m", "1h", or bare milliseconds."""
    match = re.fullmatch(r"(\d+)(ms|s|m|h)?", str(text).strip())
    if not match:
        return None
    amount, unit = int(match.group(1)), match.group(2) or "ms"
    return amount * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]


def image_tag(image: str) -> tuple[str, str | None, str | None]:
    """(repository, tag, digest) of an image reference; a registry's :port is not a tag."""
    digest = None
    if "@" in image:
        image, digest = image.split("@", 1)
    last_slash = image.rfind("/")
    colon = image.rfind(":")
    if colon > last_slash:
        return image[:colon], image[colon + 1:], digest
    return image, None, digest


def project_version() -> str | None:
    text = (REPO / "CMakeLists.txt").read_text(encoding="utf-8")
    match = re.search(r"project\(\s*\w+\s+VERSION\s+([0-9][0-9.]*)", text)
    return match.group(1) if match else None


# --- the services' config files ------------------------------------------------------------------

class ServiceConfig:
    """Keys a service's TOML file sets or documents (a commented-out `# key = value` in a section)."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.path = REPO / "services" / service / "config" / f"{service}.toml"
        self.exists = self.path.is_file()
        self.values: dict[str, object] = {}
        self.keys: set[str] = set()
        self.sections: set[str] = set()
        if not self.exists:
            return
        text = self.path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
        for section, table in data.items():
            self.sections.add(section)
            if isinstance(table, dict):
                for key, value in table.items():
                    self.keys.add(f"{section}.{key}")
                    self.values[f"{section}.{key}"] = value
        section = None
        for line in text.splitlines():
            header = re.match(r"^\s*\[([A-Za-z0-9_.-]+)\]", line)
            if header:
                section = header.group(1)
                self.sections.add(section)
                continue
            documented = re.match(r"^\s*#\s*([a-z][a-z0-9_]*)\s*=\s*\S", line)
            if documented and section:
                self.keys.add(f"{section}.{documented.group(1)}")

    def knows(self, key: str) -> bool:
        section, _, name = key.partition(".")
        if section in DATA_SECTIONS and section in self.sections:
            return name in DATA_SECTIONS[section]
        return key in self.keys

    def drain_seconds(self) -> float:
        value = self.values.get("shutdown.drain")
        parsed = parse_duration_seconds(str(value)) if value is not None else None
        return parsed if parsed is not None else DEFAULT_DRAIN_SECONDS


def environment_key(name: str) -> str | None:
    """FLEETDECK_DATABASE__URL -> database.url (None when the name is not of that form)."""
    if not name.startswith("FLEETDECK_"):
        return None
    parts = name[len("FLEETDECK_"):].split("__")
    if len(parts) != 2 or not all(re.fullmatch(r"[A-Z0-9_]+", part) for part in parts):
        return None
    return f"{parts[0].lower()}.{parts[1].lower()}"


def check_environment(report: Report, where: str, obj: str, service: str, env: dict[str, object],
                      config: ServiceConfig, strict: bool) -> None:
    """Every variable is a FLEETDECK_ override of a key the service's config file knows."""
    for name in sorted(env):
        if name in HOST_ENVIRONMENT:
            if name.endswith("_PROTOCOL") and env[name] != "http/json":
                report.fail(where, obj, f"env {name}", f"{env[name]!r}: the fleet exports OTLP as http/json only "
                            "and stops at start-up on anything else")
            continue
        key = environment_key(name)
        if key is None:
            report.fail(where, obj, f"env {name}", "not a FLEETDECK_<SECTION>__<KEY> override of the service's config")
            continue
        if not config.exists:
            continue  # the service's config file is not written yet: nothing to compare with
        if config.knows(key):
            continue
        relative = config.path.relative_to(REPO)
        if key in CONTRACT_KEYS and not strict:
            report.warn(where, obj, f"env {name}",
                        f"key '{key}' is part of the fleet contract but not yet documented in {relative}")
        else:
            report.fail(where, obj, f"env {name}", f"no key '{key}' in {relative} (a typo is silently ignored "
                        "by the service)")


def check_config_defaults(report: Report, configs: dict[str, ServiceConfig]) -> None:
    """The config files' default ports are the ones the manifests are written for."""
    for service, ports in FLEET.items():
        config = configs[service]
        if not config.exists:
            continue
        for section, port in ports.items():
            value = config.values.get(f"{section}.port")
            if value is not None and value != port:
                report.fail("config", str(config.path.relative_to(REPO)), f"{section}.port",
                            f"default {value} differs from the port the manifests use ({port})")


# --- rendering ------------------------------------------------------------------------------------

def find_kubectl(explicit: str | None) -> str | None:
    if explicit and Path(explicit).is_file():
        return explicit
    return shutil.which("kubectl")


def render(kubectl: str, overlay: str) -> tuple[list[dict] | None, str]:
    directory = K8S / "overlays" / overlay
    result = subprocess.run([kubectl, "kustomize", str(directory)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        return None, f"`kubectl kustomize {directory.relative_to(REPO)}` failed: {result.stderr.strip()}"
    try:
        documents = [doc for doc in yaml.safe_load_all(result.stdout) if doc is not None]
    except yaml.YAMLError as error:
        return None, f"rendered YAML does not parse: {error}"
    return documents, ""


# --- label selectors ------------------------------------------------------------------------------

def selector_matches(selector: dict | None, labels: dict) -> bool:
    """Kubernetes LabelSelector semantics; an empty selector matches everything."""
    if selector is None:
        return True
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values") or []
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and key in labels and labels[key] in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


# --- the rendered objects -------------------------------------------------------------------------

class Pod:
    """A pod template of a rendered workload (or a stand-in for something outside the namespace)."""

    def __init__(self, name: str, labels: dict, namespace_labels: dict, ports: dict[str, tuple[int, str]],
                 local: bool) -> None:
        self.name = name
        self.labels = labels
        self.namespace_labels = namespace_labels
        self.ports = ports  # port name -> (number, protocol)
        self.local = local  # in the rendered namespace (policies there select it)

    def __repr__(self) -> str:
        return self.name


class Rendered:
    def __init__(self, overlay: str, documents: list[dict]) -> None:
        self.overlay = overlay
        self.documents = documents
        self.by_kind: dict[str, dict[str, dict]] = {}
        for doc in documents:
            if isinstance(doc, dict):
                name = (doc.get("metadata") or {}).get("name")
                self.by_kind.setdefault(doc.get("kind", "?"), {})[name] = doc
        namespaces = list(self.by_kind.get("Namespace", {}).values())
        self.namespace = namespaces[0]["metadata"]["name"] if len(namespaces) == 1 else None
        labels = dict((namespaces[0]["metadata"].get("labels") or {})) if len(namespaces) == 1 else {}
        labels["kubernetes.io/metadata.name"] = self.namespace or ""
        self.namespace_labels = labels
        self.pods: dict[str, Pod] = {}
        for kind in ("Deployment", "StatefulSet", "DaemonSet"):
            for name, workload in self.by_kind.get(kind, {}).items():
                template = workload["spec"]["template"]
                ports = {}
                for container in template["spec"].get("containers", []):
                    for port in container.get("ports") or []:
                        ports[port.get("name") or str(port["containerPort"])] = (
                            port["containerPort"], port.get("protocol", "TCP"))
                self.pods[name] = Pod(name, template["metadata"].get("labels") or {}, labels, ports, True)

    def get(self, kind: str, name: str) -> dict | None:
        return self.by_kind.get(kind, {}).get(name)

    def all(self, kind: str) -> list[dict]:
        return list(self.by_kind.get(kind, {}).values())


def container_env(rendered: Rendered, container: dict, report: Report, where: str, obj: str) -> dict[str, object]:
    """name -> literal value, or ("secret", name, key) / ("field", path) for references."""
    env: dict[str, object] = {}
    for source in container.get("envFrom") or []:
        if "configMapRef" in source:
            name = source["configMapRef"]["name"]
            config_map = rendered.get("ConfigMap", name)
            if config_map is None:
                report.fail(where, obj, f"containers[{container['name']}].envFrom", f"ConfigMap {name} is not rendered")
                continue
            for key, value in (config_map.get("data") or {}).items():
                env[(source.get("prefix") or "") + key] = value
        elif "secretRef" in source:
            report.fail(where, obj, f"containers[{container['name']}].envFrom.secretRef",
                        "use env[].valueFrom.secretKeyRef so the variable names can be checked")
    for variable in container.get("env") or []:
        name = variable["name"]
        if "value" in variable:
            env[name] = variable["value"]
        elif "valueFrom" in variable:
            source = variable["valueFrom"]
            if "secretKeyRef" in source:
                env[name] = ("secret", source["secretKeyRef"]["name"], source["secretKeyRef"]["key"])
            elif "configMapKeyRef" in source:
                config_map = rendered.get("ConfigMap", source["configMapKeyRef"]["name"]) or {}
                env[name] = (config_map.get("data") or {}).get(source["configMapKeyRef"]["key"])
            elif "fieldRef" in source:
                env[name] = ("field", source["fieldRef"]["fieldPath"])
            else:
                env[name] = ("other",)
    return env


def resolve_container_port(container: dict, port) -> int | None:
    if isinstance(port, int):
        return port
    for candidate in container.get("ports") or []:
        if candidate.get("name") == port:
            return candidate["containerPort"]
    if isinstance(port, str) and port.isdigit():
        return int(port)
    return None


def prestop_seconds(container: dict) -> float | None:
    pre_stop = (container.get("lifecycle") or {}).get("preStop") or {}
    if "sleep" in pre_stop:
        return float(pre_stop["sleep"].get("seconds", 0))
    # ["sleep", "5"] or a shell line containing "sleep 5".
    command = " ".join((pre_stop.get("exec") or {}).get("command") or [])
    match = re.search(r"\bsleep\s+(\d+(?:\.\d+)?)", command)
    return float(match.group(1)) if match else None


# --- checks: every object -------------------------------------------------------------------------

def check_objects(report: Report, rendered: Rendered) -> None:
    where = rendered.overlay
    expected_namespace = OVERLAYS[where]["namespace"]
    seen = set()
    if rendered.namespace is None:
        report.fail(where, "Namespace", "", f"expected exactly one Namespace object, found "
                    f"{len(rendered.all('Namespace'))}")
    elif rendered.namespace != expected_namespace:
        report.fail(where, f"Namespace/{rendered.namespace}", "metadata.name", f"expected {expected_namespace}")
    for index, doc in enumerate(rendered.documents):
        if not isinstance(doc, dict):
            report.fail(where, f"document #{index}", "", "is not a mapping")
            continue
        obj = ref(doc)
        for field in ("apiVersion", "kind"):
            if not doc.get(field):
                report.fail(where, obj, field, "missing")
        metadata = doc.get("metadata") or {}
        name = metadata.get("name")
        if not name:
            report.fail(where, obj, "metadata.name", "missing")
        elif not re.fullmatch(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?", name) or len(name) > 253:
            report.fail(where, obj, "metadata.name", "not a valid Kubernetes name")
        key = (doc.get("kind"), name)
        if key in seen:
            report.fail(where, obj, "", "defined twice")
        seen.add(key)
        if doc.get("kind") in CLUSTER_SCOPED:
            if "namespace" in metadata:
                report.fail(where, obj, "metadata.namespace", "set on a cluster-scoped object")
        elif metadata.get("namespace") != rendered.namespace:
            report.fail(where, obj, "metadata.namespace",
                        f"is {metadata.get('namespace')!r}, the overlay's namespace is {rendered.namespace!r}")
        if (metadata.get("labels") or {}).get("app.kubernetes.io/part-of") != "fleetdeck":
            report.fail(where, obj, "metadata.labels", "missing app.kubernetes.io/part-of: fleetdeck")
        if doc.get("kind") == "Secret":
            report.fail(where, obj, "", "Secrets are never kept in the repository: reference them by name and "
                        "document `kubectl create secret` in packaging/k8s/README.md")
        if doc.get("kind") == "Service" and (doc.get("spec") or {}).get("type", "ClusterIP") != "ClusterIP":
            report.fail(where, obj, "spec.type", "only ClusterIP Services: the Ingress is the one way in")


def check_workloads(report: Report, rendered: Rendered) -> None:
    """Every workload: selectors, resources, pinned images, probes, and the restricted pod security."""
    where = rendered.overlay
    for kind in sorted(WORKLOAD_KINDS):
        for workload in rendered.all(kind):
            obj = ref(workload)
            spec = workload.get("spec") or {}
            template = spec.get("template") or {}
            pod_spec = template.get("spec") or {}
            labels = (template.get("metadata") or {}).get("labels") or {}
            if kind in ("Deployment", "StatefulSet", "DaemonSet"):
                if not selector_matches(spec.get("selector") or {"matchLabels": {"-": "-"}}, labels):
                    report.fail(where, obj, "spec.selector", "does not match spec.template.metadata.labels")
            pod_security = pod_spec.get("securityContext") or {}
            for field in ("hostNetwork", "hostPID", "hostIPC"):
                if pod_spec.get(field):
                    report.fail(where, obj, f"spec.template.spec.{field}", "not allowed")
            for volume in pod_spec.get("volumes") or []:
                types = set(volume) - {"name"}
                if not types <= RESTRICTED_VOLUMES:
                    report.fail(where, obj, f"volumes[{volume['name']}]", f"volume type {sorted(types)} is not "
                                "allowed by the restricted Pod Security Standard")
            containers = pod_spec.get("containers") or []
            if not containers:
                report.fail(where, obj, "spec.template.spec.containers", "empty")
            for container in containers + (pod_spec.get("initContainers") or []):
                check_container(report, where, obj, container, pod_security, init=container not in containers)
            if kind == "StatefulSet":
                service = rendered.get("Service", spec.get("serviceName", ""))
                if service is None:
                    report.fail(where, obj, "spec.serviceName", f"Service {spec.get('serviceName')!r} is not rendered")
                elif (service.get("spec") or {}).get("clusterIP") != "None":
                    report.fail(where, obj, "spec.serviceName", f"Service {spec.get('serviceName')} is not headless")
                for claim in spec.get("volumeClaimTemplates") or []:
                    storage = ((claim.get("spec") or {}).get("resources") or {}).get("requests", {}).get("storage")
                    if not storage:
                        report.fail(where, obj, f"volumeClaimTemplates[{claim['metadata']['name']}]",
                                    "no storage request")


def check_container(report: Report, where: str, obj: str, container: dict, pod_security: dict, init: bool) -> None:
    field = f"{'initContainers' if init else 'containers'}[{container.get('name')}]"
    image = container.get("image") or ""
    _, tag, digest = image_tag(image)
    if not image:
        report.fail(where, obj, f"{field}.image", "missing")
    elif digest is None and tag is None:
        report.fail(where, obj, f"{field}.image", f"{image!r} has no tag: pin a version")
    elif tag == "latest":
        report.fail(where, obj, f"{field}.image", f"{image!r} uses :latest: pin a version")
    resources = container.get("resources") or {}
    for section in ("requests", "limits"):
        for resource in ("cpu", "memory"):
            if (resources.get(section) or {}).get(resource) in (None, ""):
                report.fail(where, obj, f"{field}.resources.{section}.{resource}", "missing")
    try:
        for resource, parse in (("cpu", parse_cpu), ("memory", parse_memory)):
            request = (resources.get("requests") or {}).get(resource)
            limit = (resources.get("limits") or {}).get(resource)
            if request is not None and limit is not None and parse(request) > parse(limit):
                report.fail(where, obj, f"{field}.resources", f"{resource} request {request} exceeds limit {limit}")
    except ValueError as error:
        report.fail(where, obj, f"{field}.resources", f"unreadable quantity: {error}")
    if init and container.get("restartPolicy") != "Always":
        # An init container runs to completion before the pod starts: Kubernetes rejects probes and
        # lifecycle hooks on it (only a sidecar, restartPolicy: Always, may have them).
        for key in ("startupProbe", "livenessProbe", "readinessProbe", "lifecycle"):
            if key in container:
                report.fail(where, obj, f"{field}.{key}", "not allowed on an init container (it runs to completion; "
                            "Kubernetes rejects the pod)")
    if not init:
        for probe in ("livenessProbe", "readinessProbe"):
            if probe not in container:
                report.fail(where, obj, f"{field}.{probe}", "missing")
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            port = ((container.get(probe) or {}).get("httpGet") or {}).get("port")
            if port is not None and resolve_container_port(container, port) is None:
                report.fail(where, obj, f"{field}.{probe}.httpGet.port", f"{port!r} is not a port of the container")
    security = container.get("securityContext") or {}

    def effective(key):
        return security.get(key, pod_security.get(key))

    if effective("runAsNonRoot") is not True:
        report.fail(where, obj, f"{field}.securityContext.runAsNonRoot", "must be true")
    if effective("runAsUser") == 0:
        report.fail(where, obj, f"{field}.securityContext.runAsUser", "must not be 0")
    if security.get("readOnlyRootFilesystem") is not True:
        report.fail(where, obj, f"{field}.securityContext.readOnlyRootFilesystem", "must be true")
    if security.get("allowPrivilegeEscalation") is not False:
        report.fail(where, obj, f"{field}.securityContext.allowPrivilegeEscalation", "must be false")
    if "ALL" not in ((security.get("capabilities") or {}).get("drop") or []):
        report.fail(where, obj, f"{field}.securityContext.capabilities.drop", "must contain ALL")
    if security.get("privileged"):
        report.fail(where, obj, f"{field}.securityContext.privileged", "not allowed")
    seccomp = (effective("seccompProfile") or {}).get("type")
    if seccomp not in ("RuntimeDefault", "Localhost"):
        report.fail(where, obj, f"{field}.securityContext.seccompProfile", "must be RuntimeDefault")


# --- checks: the fleet ----------------------------------------------------------------------------

def check_fleet(report: Report, rendered: Rendered, configs: dict[str, ServiceConfig], version: str | None,
                strict: bool) -> set[str]:
    """The six services' Deployments, Services and PDBs against the contract. Returns the Secrets used."""
    where = rendered.overlay
    expectations = OVERLAYS[where]
    secrets: set[str] = set()
    for service, ports in FLEET.items():
        deployment = rendered.get("Deployment", service)
        obj = f"Deployment/{service}"
        if deployment is None:
            report.fail(where, obj, "", "missing: every executable is deployed")
            continue
        spec = deployment["spec"]
        pod_spec = spec["template"]["spec"]
        labels = spec["template"]["metadata"].get("labels") or {}
        config = configs[service]

        replicas = spec.get("replicas", 1)
        if replicas < expectations["min_replicas"] or (
                expectations["max_replicas"] is not None and replicas > expectations["max_replicas"]):
            wanted = (f"exactly {expectations['min_replicas']}" if expectations["max_replicas"] is not None
                      else f"at least {expectations['min_replicas']}")
            report.fail(where, obj, "spec.replicas", f"is {replicas}, {where} wants {wanted}")

        containers = pod_spec.get("containers") or []
        container = next((c for c in containers if c.get("name") == service), None)
        if container is None or len(containers) != 1:
            report.fail(where, obj, "spec.template.spec.containers", f"expected one container named {service}")
            continue
        field = f"containers[{service}]"

        repository, tag, _ = image_tag(container.get("image", ""))
        if not repository.endswith(f"fleetdeck/{service}"):
            report.fail(where, obj, f"{field}.image", f"expected the fleetdeck/{service} image, got {repository}")
        if version and tag != version:
            report.fail(where, obj, f"{field}.image", f"tag {tag!r} differs from the project version {version} "
                        "(CMakeLists.txt)")
        args = container.get("args") or []
        if args and f"/etc/fleetdeck/{service}.toml" not in args:
            report.fail(where, obj, f"{field}.args", f"expected --config /etc/fleetdeck/{service}.toml")

        # Ports: exactly the contract's, by name.
        declared = {p.get("name"): p.get("containerPort") for p in container.get("ports") or []}
        if declared != ports:
            report.fail(where, obj, f"{field}.ports", f"expected {ports}, got {declared}")
        admin_port = ports["admin"]

        # Probes on the admin port, on the paths ServiceHost serves.
        for probe, paths in (("livenessProbe", {LIVENESS_PATH}), ("readinessProbe", {READINESS_PATH}),
                             ("startupProbe", {LIVENESS_PATH, READINESS_PATH})):
            http_get = (container.get(probe) or {}).get("httpGet")
            if http_get is None:
                report.fail(where, obj, f"{field}.{probe}.httpGet", "missing")
                continue
            if http_get.get("path") not in paths:
                report.fail(where, obj, f"{field}.{probe}.httpGet.path",
                            f"{http_get.get('path')!r}, expected {' or '.join(sorted(paths))}")
            port = resolve_container_port(container, http_get.get("port"))
            if port != admin_port:
                report.fail(where, obj, f"{field}.{probe}.httpGet.port",
                            f"resolves to {port}, the admin port of {service} is {admin_port}")

        annotations = spec["template"]["metadata"].get("annotations") or {}
        if annotations.get("prometheus.io/scrape") == "true":
            if annotations.get("prometheus.io/port") != str(admin_port):
                report.fail(where, obj, "spec.template.metadata.annotations[prometheus.io/port]",
                            f"expected \"{admin_port}\"")
            if annotations.get("prometheus.io/path", "/metrics") != "/metrics":
                report.fail(where, obj, "spec.template.metadata.annotations[prometheus.io/path]", "expected /metrics")

        # Environment: known keys, listening on all interfaces, consistent ports and addresses.
        env = container_env(rendered, container, report, where, obj)
        check_environment(report, where, obj, service, env, config, strict)
        for section, port in ports.items():
            address = env.get(f"FLEETDECK_{section.upper()}__ADDRESS")
            if address != "0.0.0.0":
                report.fail(where, obj, f"env FLEETDECK_{section.upper()}__ADDRESS",
                            f"is {address!r}: in a container the service must listen on 0.0.0.0")
            # The port it listens on is the containerPort the probes, Service and policies use.
            configured = env.get(f"FLEETDECK_{section.upper()}__PORT")
            if configured is not None and str(configured) != str(port):
                report.fail(where, obj, f"env FLEETDECK_{section.upper()}__PORT",
                            f"is {configured}, the container port is {port}")
        # It registers where peers reach it; a listening 0.0.0.0 is no address to dial (the gateway,
        # dialling 0.0.0.0:<port>, reached itself and every call failed).
        if env.get("FLEETDECK_SERVICE__ADVERTISE_ADDRESS") != ("field", "status.podIP"):
            report.fail(where, obj, "env FLEETDECK_SERVICE__ADVERTISE_ADDRESS",
                        "must be the pod IP (valueFrom.fieldRef.fieldPath: status.podIP): the registry entry "
                        "other processes dial")
        level = env.get("FLEETDECK_LOG__LEVEL")
        if level is not None and level not in LOG_LEVELS:
            report.fail(where, obj, "env FLEETDECK_LOG__LEVEL", f"{level!r} is not one of {sorted(LOG_LEVELS)}")

        database = env.get("FLEETDECK_DATABASE__URL")
        if service in DATABASE_SERVICES:
            if not (isinstance(database, tuple) and database[0] == "secret"):
                report.fail(where, obj, "env FLEETDECK_DATABASE__URL",
                            "must come from a Secret (secretKeyRef): the URL carries the password")
        elif database is not None:
            report.fail(where, obj, "env FLEETDECK_DATABASE__URL", f"{service} has no database")

        check_url_target(report, rendered, where, obj, env, "FLEETDECK_NATS__URL", "nats", NATS_CLIENT_PORT)
        check_span_export(report, rendered, where, obj, service, env, config)
        if service in NEEDS_PROMETHEUS:
            check_prometheus_url(report, rendered, where, obj, env)
        if service == "gateway":
            check_trusted_proxies(report, where, obj, env)
            check_gateway_sizing(report, where, obj, env, config, container)
        # Streams on every NATS server of the overlay, the same count in every service: each
        # declaration sets a stream to its own count ([nats] stream_replicas).
        stream_replicas = str(env.get("FLEETDECK_NATS__STREAM_REPLICAS", config.values.get("nats.stream_replicas", 1)))
        if stream_replicas != str(expectations["nats_replicas"]):
            report.fail(where, obj, "env FLEETDECK_NATS__STREAM_REPLICAS",
                        f"streams get {stream_replicas} replica(s); {where} runs {expectations['nats_replicas']} "
                        "NATS server(s), every service must set that count")
        if service in NEEDS_REDIS and not env.get(REDIS_URL_VARIABLE):
            report.fail(where, obj, f"env {REDIS_URL_VARIABLE}", "missing (the products cache in Redis)")
        for name in env:
            if name.startswith("FLEETDECK_FAULTS__"):
                report.fail(where, obj, f"env {name}", "fault injection is for the local fleet and tests only")
        wanted_upstreams = UPSTREAMS.get(service, set())
        for upstream in sorted(wanted_upstreams):
            check_upstream(report, rendered, where, obj, env, upstream)
        for name in env:
            key = environment_key(name)
            if key and key.startswith("upstreams.") and key.split(".", 1)[1] not in wanted_upstreams:
                report.fail(where, obj, f"env {name}", f"{service} does not call {key.split('.', 1)[1]}")
        if service in NEEDS_JWT_KEY:
            check_key_ring(report, where, obj, pod_spec, container, env)
        check_migrate_init_container(report, rendered, where, obj, service, pod_spec, container, env)

        for value in env.values():
            if isinstance(value, tuple) and value[0] == "secret":
                secrets.add(value[1])
        for volume in pod_spec.get("volumes") or []:
            if "secret" in volume:
                secrets.add(volume["secret"]["secretName"])

        # Shutdown: preStop sleep while endpoints go away, then the service drains, all within the grace.
        drain = config.drain_seconds()
        configured_drain = env.get("FLEETDECK_SHUTDOWN__DRAIN")
        if configured_drain is not None:
            parsed = parse_duration_seconds(str(configured_drain))
            if parsed is None:
                report.fail(where, obj, "env FLEETDECK_SHUTDOWN__DRAIN", f"{configured_drain!r} is not a duration")
            else:
                drain = parsed
        sleep = prestop_seconds(container)
        grace = pod_spec.get("terminationGracePeriodSeconds", 30)
        if sleep is None or sleep < 1:
            report.fail(where, obj, f"{field}.lifecycle.preStop", "expected a sleep of a few seconds, so endpoints "
                        "are removed before SIGTERM")
        elif grace < sleep + drain + 5:
            report.fail(where, obj, "spec.template.spec.terminationGracePeriodSeconds",
                        f"{grace}s does not cover preStop {sleep:g}s + shutdown.drain {drain:g}s + 5s margin")

        check_service(report, rendered, where, service, container, labels, ports)
        check_disruption_budget(report, rendered, where, obj, labels, replicas)

        resources = container.get("resources") or {}
        if expectations["exact_resources"] is not None:
            wanted = expectations["exact_resources"]
            for section in ("requests", "limits"):
                for resource, parse in (("cpu", parse_cpu), ("memory", parse_memory)):
                    have = (resources.get(section) or {}).get(resource)
                    if have is None or parse(have) != parse(wanted[section][resource]):
                        report.fail(where, obj, f"{field}.resources.{section}.{resource}",
                                    f"is {have}, {where} uses {wanted[section][resource]}")
        else:
            for resource, parse in (("cpu", parse_cpu), ("memory", parse_memory)):
                have = (resources.get("requests") or {}).get(resource)
                if have is not None and parse(have) > parse(SEED_RESOURCES["requests"][resource]):
                    report.fail(where, obj, f"{field}.resources.requests.{resource}",
                                f"{have} is more than production's {SEED_RESOURCES['requests'][resource]}")
        if expectations["topology_spread"]:
            check_topology_spread(report, where, obj, pod_spec, labels)
    return secrets


def check_url_target(report: Report, rendered: Rendered, where: str, obj: str, env: dict, name: str,
                     service: str, port: int) -> None:
    value = env.get(name)
    if not isinstance(value, str):
        report.fail(where, obj, f"env {name}", "missing")
        return
    match = re.fullmatch(r"[a-z]+://([^/:@]+):(\d+)/?", value)
    if not match:
        report.fail(where, obj, f"env {name}", f"{value!r} is not scheme://host:port")
        return
    host, number = match.group(1).split(".")[0], int(match.group(2))
    if host != service or number != port:
        report.fail(where, obj, f"env {name}", f"{value!r}, expected the {service} Service on port {port}")
    elif not any(p.get("port") == port for p in ((rendered.get("Service", service) or {}).get("spec") or {}).get(
            "ports", [])):
        report.fail(where, obj, f"env {name}", f"Service {service} with port {port} is not rendered")


def check_span_export(report: Report, rendered: Rendered, where: str, obj: str, service: str, env: dict,
                      config: ServiceConfig) -> None:
    """Every service exports its spans to the gateway's trace store (its admin port, through the gateway
    Service, OTLP/HTTP JSON), else the console's trace view shows the gateway's part of a request only.
    The gateway sets no endpoint and keeps its trace store on: it stores its own spans locally."""
    admin = FLEET[TRACE_STORE]["admin"]
    wanted = f"http://{TRACE_STORE}:{admin}"
    if service == TRACE_STORE:
        for name in (OTLP_ENDPOINT_VARIABLE, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "FLEETDECK_TELEMETRY__OTLP_ENDPOINT"):
            if env.get(name):
                report.fail(where, obj, f"env {name}", f"{env[name]!r}: the gateway stores its own spans in its trace "
                            "store; with an endpoint it exports them instead (to itself through the Service: onto "
                            "any replica, or to a collector the console does not read)")
        configured = config.values.get("telemetry.otlp_endpoint")
        if configured and "FLEETDECK_TELEMETRY__OTLP_ENDPOINT" not in env:
            report.fail(where, obj, "env FLEETDECK_TELEMETRY__OTLP_ENDPOINT", f"{config.path.relative_to(REPO)} sets "
                        f"[telemetry] otlp_endpoint {configured!r}: the gateway would export its own spans instead of "
                        "storing them; override it with an empty value")
        enabled = str(env.get("FLEETDECK_TRACES__ENABLED", config.values.get("traces.enabled", True))).lower()
        if enabled in ("false", "0"):
            report.fail(where, obj, "env FLEETDECK_TRACES__ENABLED", "the trace store is off: the services' span "
                        "exports to the admin port are refused and the console's trace view is empty")
        return
    for name, effect in OTLP_OVERRIDING_VARIABLES.items():
        value = env.get(name)
        if value in (None, ""):
            continue
        if name == "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" or str(value).lower() in ("true", "none"):
            report.fail(where, obj, f"env {name}", f"{value!r} {effect}: set only {OTLP_ENDPOINT_VARIABLE}={wanted}, "
                        "the gateway's trace store")
    value = env.get(OTLP_ENDPOINT_VARIABLE)
    if not isinstance(value, str) or not value:
        report.fail(where, obj, f"env {OTLP_ENDPOINT_VARIABLE}", f"missing: expected {wanted} (the gateway Service's "
                    f"admin port, its trace store) with {OTLP_PROTOCOL_VARIABLE}={OTLP_PROTOCOL}; without it "
                    f"{service} exports no spans and the console's trace view shows the gateway's part only")
    else:
        match = re.fullmatch(r"http://([^/:@]+):(\d+)/?", value)
        labels = match.group(1).split(".") if match else []
        if (not match or labels[0] != TRACE_STORE or int(match.group(2)) != admin
                or (len(labels) > 1 and labels[1] != rendered.namespace)):
            report.fail(where, obj, f"env {OTLP_ENDPOINT_VARIABLE}", f"{value!r}, expected {wanted}: the gateway "
                        "Service's admin port (its trace store, where the console reads traces)")
        elif not any(p.get("port") == admin for p in ((rendered.get("Service", TRACE_STORE) or {}).get("spec") or {})
                     .get("ports", [])):
            report.fail(where, obj, f"env {OTLP_ENDPOINT_VARIABLE}", f"{value!r}: Service {TRACE_STORE} with port "
                        f"{admin} is not rendered")
    if not env.get(OTLP_PROTOCOL_VARIABLE):  # another value fails check_environment
        report.fail(where, obj, f"env {OTLP_PROTOCOL_VARIABLE}", f"missing: set {OTLP_PROTOCOL}, as Compose does (the "
                    "gateway's receiver takes OTLP/HTTP JSON only)")


def check_prometheus_url(report: Report, rendered: Rendered, where: str, obj: str, env: dict) -> None:
    """Prometheus's address is set (without it the console's metrics and alerts routes answer 503) and the
    gateway's NetworkPolicy lets it reach that namespace and port."""
    name = PROMETHEUS_URL_VARIABLE
    value = env.get(name)
    if not isinstance(value, str) or not value:
        report.fail(where, obj, f"env {name}", "missing: the console's metrics and alerts routes answer 503 "
                    "without Prometheus's address ([prometheus] url is empty in gateway.toml)")
        return
    match = re.fullmatch(r"http://([^/:@]+):(\d+)/?", value)
    if not match:
        report.fail(where, obj, f"env {name}", f"{value!r} is not http://host:port (Prometheus's HTTP API)")
        return
    host, port = match.group(1), int(match.group(2))
    try:
        destination = ipaddress.ip_address(host)
    except ValueError:
        service = re.fullmatch(r"[a-z0-9-]+\.([a-z0-9-]+)\.svc(?:\.[a-z0-9.-]+)?\.?", host)
        if not service:
            report.warn(where, obj, f"env {name}", f"{value!r}: name Prometheus as <service>.<namespace>.svc:<port> "
                        "so this check can tell whether the NetworkPolicy lets the gateway reach it")
            return
        namespace = service.group(1)
        destination = Pod(f"{namespace}/prometheus", {}, {"kubernetes.io/metadata.name": namespace}, {}, False)
    gateway = rendered.pods.get("gateway")
    if gateway is not None and not Network(rendered).allows(gateway, destination, port):
        report.fail(where, obj, f"env {name}", f"{value!r}: no NetworkPolicy egress rule lets the gateway reach "
                    f"{destination} on port {port}")


def check_trusted_proxies(report: Report, where: str, obj: str, env: dict) -> None:
    """The Ingress controller's pods are trusted proxies, given as CIDRs the gateway accepts."""
    name = TRUSTED_PROXIES_VARIABLE
    value = env.get(name)
    if not isinstance(value, str) or not value.strip():
        report.fail(where, obj, f"env {name}", "missing: behind the Ingress every client would share the ingress "
                    "pods' rate limit and sign-in throttle (set the ingress controller's pod CIDR)")
        return
    for entry in value.split(","):
        try:
            ipaddress.ip_network(entry.strip(), strict=False)
        except ValueError:
            report.fail(where, obj, f"env {name}", f"{entry!r} is not an address or CIDR (the gateway refuses to start)")


# What the gateway's admin streams may hold in memory at most, as a share of its container's memory limit.
STREAM_QUEUE_MEMORY_SHARE = 0.5


def check_gateway_sizing(report: Report, where: str, obj: str, env: dict, config: ServiceConfig,
                         container: dict) -> None:
    """The gateway's thread count follows its pod, not the node, and the admin streams' queues fit in
    its memory limit."""

    def setting(key: str):
        section, _, name = key.partition(".")
        value = env.get(f"FLEETDECK_{section.upper()}__{name.upper()}", config.values.get(key))
        try:
            return int(str(value)) if value is not None else None
        except ValueError:
            report.fail(where, obj, f"env FLEETDECK_{section.upper()}__{name.upper()}", f"{value!r} is not a number")
            return None

    threads = setting("http.threads")
    if threads is not None and threads <= 0:
        report.fail(where, obj, "env FLEETDECK_HTTP__THREADS", f"[http] threads is {threads}: one thread per core "
                    "of the node, whatever the pod's CPU limit; set a number that fits the limit")
    total, queued = setting("stream.max_total"), setting("stream.max_queued_bytes")
    limit = ((container.get("resources") or {}).get("limits") or {}).get("memory")
    if total is None or queued is None or limit is None:
        return
    worst = total * queued
    if worst > STREAM_QUEUE_MEMORY_SHARE * parse_memory(limit):
        report.fail(where, obj, "env FLEETDECK_STREAM__MAX_QUEUED_BYTES",
                    f"[stream] max_total {total} x max_queued_bytes {queued} = {worst / 2**20:g} MiB of queued events "
                    f"at most, more than {STREAM_QUEUE_MEMORY_SHARE:.0%} of the memory limit {limit}: stalled "
                    "stream clients could get the pod OOM-killed")


def check_upstream(report: Report, rendered: Rendered, where: str, obj: str, env: dict, upstream: str) -> None:
    name = f"FLEETDECK_UPSTREAMS__{upstream.upper()}"
    value = env.get(name)
    port = FLEET[upstream]["grpc"]
    if value is None:
        report.fail(where, obj, f"env {name}", "missing")
        return
    host, _, number = str(value).rpartition(":")
    if host.split(".")[0] != upstream or number != str(port):
        report.fail(where, obj, f"env {name}", f"{value!r}, expected {upstream}:{port}")
        return
    service = rendered.get("Service", upstream)
    if service is None or not any(p.get("port") == port for p in service["spec"].get("ports", [])):
        report.fail(where, obj, f"env {name}", f"Service {upstream} with port {port} is not rendered")


def check_key_ring(report: Report, where: str, obj: str, pod_spec: dict, container: dict, env: dict) -> None:
    """The gateway's token key ring: a 0600 file of its own (it refuses group-readable ones, which Secret
    volume files are), copied from a Secret by an init container, never rotated by a replica alone."""
    name = "FLEETDECK_AUTH__KEY_FILE"
    path = env.get(name)
    if not isinstance(path, str):
        report.fail(where, obj, f"env {name}", "missing: the gateway would create its own ring in its working "
                    "directory (read-only root filesystem, and each replica a different key)")
        return
    rotate = env.get("FLEETDECK_AUTH__ROTATE_AFTER")
    if rotate not in ("0", "0s"):
        report.fail(where, obj, "env FLEETDECK_AUTH__ROTATE_AFTER", f"is {rotate!r}: replicas sharing one ring must "
                    "not rotate it on their own (set 0s; rotate by replacing the Secret)")
    volumes = {v["name"]: v for v in pod_spec.get("volumes") or []}

    def volume_holding(mounts: list) -> str | None:
        for mount in mounts or []:
            if path.startswith(mount["mountPath"].rstrip("/") + "/"):
                return mount["name"]
        return None

    holder = volume_holding(container.get("volumeMounts"))
    if holder is None or "emptyDir" not in volumes.get(holder, {}):
        report.fail(where, obj, f"env {name}", f"{path} must be in an emptyDir volume the container mounts "
                    "(a Secret volume's files are group-readable, which the gateway refuses)")
        return
    for init in pod_spec.get("initContainers") or []:
        mounts = {m["name"] for m in init.get("volumeMounts") or []}
        command = " ".join(str(part) for part in (init.get("command") or []) + (init.get("args") or []))
        from_secret = any("secret" in volumes.get(m, {}) for m in mounts)
        if holder in mounts and from_secret and path in command and "0600" in command:
            return
    report.fail(where, obj, f"env {name}", f"no initContainer copies the key ring from a Secret to {path} with "
                "mode 0600")


def check_migrate_init_container(report: Report, rendered: Rendered, where: str, obj: str, service: str,
                                 pod_spec: dict, container: dict, env: dict) -> None:
    """A service with a database applies its migrations in an init container: the service's own image
    with --migrate-only, its configuration and database URL. An init container has no probes, so a long
    migration runs to its end; in the service container the startupProbe would kill it, and the restart
    would begin it again from scratch (each migration is one transaction), for ever. The gateway has no
    database and refuses the flag (its pod would never start)."""
    inits = pod_spec.get("initContainers") or []
    if service not in DATABASE_SERVICES:
        for init in inits:
            if MIGRATE_ONLY_FLAG in (init.get("command") or []) + (init.get("args") or []):
                report.fail(where, obj, f"initContainers[{init.get('name')}]", f"{service} has no database: it "
                            f"refuses {MIGRATE_ONLY_FLAG} and the pod would never start")
        return
    init = next((c for c in inits if c.get("name") == MIGRATE_INIT_CONTAINER), None)
    if init is None:
        report.fail(where, obj, "spec.template.spec.initContainers", f"no `{MIGRATE_INIT_CONTAINER}` init container "
                    f"running {MIGRATE_ONLY_FLAG}: the migrations would run under the startupProbe, which kills a "
                    "long one, and the restarted container would begin it again")
        return
    field = f"initContainers[{MIGRATE_INIT_CONTAINER}]"
    if init.get("image") != container.get("image"):
        report.fail(where, obj, f"{field}.image", f"{init.get('image')!r}: must be the service container's image "
                    f"{container.get('image')!r} (the migrations are compiled into its binary)")
    if init.get("command") != container.get("command"):
        report.fail(where, obj, f"{field}.command", "must run the same entrypoint as the service container")
    arguments = [str(a) for a in init.get("args") or []]
    service_arguments = [str(a) for a in container.get("args") or []]
    if arguments.count(MIGRATE_ONLY_FLAG) != 1:
        report.fail(where, obj, f"{field}.args", f"must pass {MIGRATE_ONLY_FLAG} once: without it the init "
                    "container serves for ever and the pod never starts")
    elif [a for a in arguments if a != MIGRATE_ONLY_FLAG] != service_arguments:
        report.fail(where, obj, f"{field}.args", f"{arguments}: expected the service container's "
                    f"{service_arguments} plus {MIGRATE_ONLY_FLAG} (the same config file)")
    # The service container's environment (pool settings, the database URL from its Secret), less
    # what only a serving process needs (its pod's address).
    wanted = {k: v for k, v in env.items() if not (isinstance(v, tuple) and v[0] == "field")}
    have = container_env(rendered, init, report, where, obj)
    for name in sorted(set(wanted) | set(have)):
        if name not in have:
            report.fail(where, obj, f"{field} env {name}", "missing: the init container must migrate the "
                        "database the service container uses, with its settings")
        elif name not in wanted:
            report.fail(where, obj, f"{field} env {name}", "not set in the service container: both must run "
                        "with one configuration")
        elif have[name] != wanted[name]:
            report.fail(where, obj, f"{field} env {name}", f"{have[name]!r} differs from the service container's "
                        f"{wanted.get(name)!r}")
    if (init.get("securityContext") or {}) != (container.get("securityContext") or {}):
        report.fail(where, obj, f"{field}.securityContext", "must be the service container's")


def check_service(report: Report, rendered: Rendered, where: str, service: str, container: dict, labels: dict,
                  ports: dict[str, int]) -> None:
    obj = f"Service/{service}"
    found = rendered.get("Service", service)
    if found is None:
        report.fail(where, obj, "", "missing")
        return
    spec = found.get("spec") or {}
    if not spec.get("selector") or not selector_matches({"matchLabels": spec["selector"]}, labels):
        report.fail(where, obj, "spec.selector", f"does not select the pods of Deployment/{service}")
    exposed = {}
    for port in spec.get("ports") or []:
        target = resolve_container_port(container, port.get("targetPort", port.get("port")))
        if target is None:
            report.fail(where, obj, f"spec.ports[{port.get('name')}].targetPort",
                        f"{port.get('targetPort')!r} is not a port of the container")
            continue
        if target != port.get("port"):
            report.fail(where, obj, f"spec.ports[{port.get('name')}]",
                        f"port {port.get('port')} forwards to {target}: keep the service's own port numbers")
        exposed[port.get("name")] = target
    if exposed != ports:
        report.fail(where, obj, "spec.ports", f"expected {ports}, got {exposed}")


def check_disruption_budget(report: Report, rendered: Rendered, where: str, obj: str, labels: dict,
                            replicas: int) -> None:
    budgets = [b for b in rendered.all("PodDisruptionBudget")
               if selector_matches((b.get("spec") or {}).get("selector") or {"matchLabels": {"-": "-"}}, labels)]
    if len(budgets) != 1:
        report.fail(where, obj, "", f"expected one PodDisruptionBudget selecting its pods, found {len(budgets)}")
        return
    spec = budgets[0]["spec"]
    if "minAvailable" in spec and isinstance(spec["minAvailable"], int) and spec["minAvailable"] >= replicas:
        report.fail(where, ref(budgets[0]), "spec.minAvailable",
                    f"{spec['minAvailable']} with {replicas} replica(s) blocks every node drain")
    if "maxUnavailable" in spec and spec["maxUnavailable"] in (0, "0%"):
        report.fail(where, ref(budgets[0]), "spec.maxUnavailable", "0 blocks every node drain")


def check_topology_spread(report: Report, where: str, obj: str, pod_spec: dict, labels: dict) -> None:
    constraints = pod_spec.get("topologySpreadConstraints") or []
    keys = {c.get("topologyKey") for c in constraints if selector_matches(c.get("labelSelector"), labels)}
    if "kubernetes.io/hostname" not in keys:
        report.fail(where, obj, "spec.template.spec.topologySpreadConstraints",
                    "expected a spread over kubernetes.io/hostname selecting its own pods")


# --- checks: NATS ---------------------------------------------------------------------------------

def check_nats(report: Report, rendered: Rendered) -> None:
    where = rendered.overlay
    obj = "StatefulSet/nats"
    nats = rendered.get("StatefulSet", "nats")
    if nats is None:
        report.fail(where, obj, "", "missing: NATS JetStream runs as a StatefulSet")
        return
    spec = nats["spec"]
    replicas = spec.get("replicas", 1)
    if replicas != OVERLAYS[where]["nats_replicas"]:
        report.fail(where, obj, "spec.replicas", f"is {replicas}, {where} runs {OVERLAYS[where]['nats_replicas']}")
    labels = spec["template"]["metadata"].get("labels") or {}
    container = spec["template"]["spec"]["containers"][0]
    ports = {p.get("name"): p.get("containerPort") for p in container.get("ports") or []}
    for name, number in (("client", NATS_CLIENT_PORT), ("cluster", NATS_CLUSTER_PORT),
                         ("monitor", NATS_MONITOR_PORT)):
        if ports.get(name) != number:
            report.fail(where, obj, f"containers[{container['name']}].ports", f"expected {name} on {number}")
    headless = rendered.get("Service", spec.get("serviceName", ""))
    if headless is not None and not headless["spec"].get("publishNotReadyAddresses"):
        report.fail(where, ref(headless), "spec.publishNotReadyAddresses",
                    "must be true so the servers find each other before they are ready")
    client = rendered.get("Service", "nats")
    if client is None or not selector_matches({"matchLabels": client["spec"].get("selector") or {"-": "-"}}, labels):
        report.fail(where, "Service/nats", "", "missing or not selecting the NATS pods")
    check_disruption_budget(report, rendered, where, obj, labels, replicas)
    if OVERLAYS[where]["topology_spread"]:
        check_topology_spread(report, where, obj, spec["template"]["spec"], labels)

    # The configuration: JetStream on, and with several servers one route per server.
    config_map_name = next((v["configMap"]["name"] for v in spec["template"]["spec"].get("volumes") or []
                            if "configMap" in v), None)
    config_map = rendered.get("ConfigMap", config_map_name or "")
    if config_map is None:
        report.fail(where, obj, "volumes", "no rendered ConfigMap with the NATS configuration")
        return
    command = (container.get("command") or []) + (container.get("args") or [])
    config_file = next((command[i + 1] for i, a in enumerate(command[:-1]) if a in ("--config", "-c")), None)
    text = None
    for mount in container.get("volumeMounts") or []:
        for key, value in (config_map.get("data") or {}).items():
            if config_file == f"{mount['mountPath'].rstrip('/')}/{key}":
                text = value
    if text is None:
        report.fail(where, obj, f"containers[{container['name']}].command",
                    f"--config {config_file} is not a file of ConfigMap {config_map_name}")
        return
    body = re.sub(r"#[^\n]*", "", text)
    if not re.search(r"\bjetstream\s*[{:]", body):
        report.fail(where, ref(config_map), "data", "JetStream is not enabled (no jetstream block)")
    # "nats-0.nats-headless" and "nats-0.nats-headless.<namespace>.svc.cluster.local" name the same server.
    routes = {(re.sub(r"\.[a-z0-9-]+\.svc(\.[a-z0-9.-]+)?$", "", host), port)
              for host, port in re.findall(r"nats(?:-route)?://([a-z0-9.-]+):(\d+)", body)}
    headless_name = spec.get("serviceName")
    expected = {(f"nats-{i}.{headless_name}", str(NATS_CLUSTER_PORT)) for i in range(replicas)}
    if replicas > 1:
        if not re.search(r"\bcluster\s*[{:]", body):
            report.fail(where, ref(config_map), "data", f"{replicas} servers but no cluster block")
        elif routes != expected:
            report.fail(where, ref(config_map), "data", f"cluster routes {sorted(routes)} are not the "
                        f"{replicas} servers {sorted(expected)}")
        if "$POD_NAME" not in body or not any(e.get("name") == "POD_NAME" for e in container.get("env") or []):
            report.fail(where, ref(config_map), "data", "server_name must be unique per server ($POD_NAME)")
    elif routes:
        report.fail(where, ref(config_map), "data", "a single server with cluster routes to servers that do not exist")


# --- checks: Ingress, monitoring, secrets ---------------------------------------------------------

def check_ingress(report: Report, rendered: Rendered) -> None:
    where = rendered.overlay
    ingresses = rendered.all("Ingress")
    if not ingresses:
        report.fail(where, "Ingress", "", "missing: the gateway is reached through an Ingress")
    for ingress in ingresses:
        backends = []
        spec = ingress.get("spec") or {}
        if spec.get("defaultBackend"):
            backends.append(spec["defaultBackend"])
        for rule in spec.get("rules") or []:
            for path in (rule.get("http") or {}).get("paths") or []:
                backends.append(path.get("backend") or {})
        for backend in backends:
            service = backend.get("service") or {}
            if service.get("name") != "gateway":
                report.fail(where, ref(ingress), "backend", f"routes to {service.get('name')!r}: only the gateway "
                            "is reachable from outside")
                continue
            port = service.get("port") or {}
            gateway_ports = {p.get("name"): p.get("port") for p in
                             ((rendered.get("Service", "gateway") or {}).get("spec") or {}).get("ports", [])}
            number = port.get("number", gateway_ports.get(port.get("name")))
            if number != FLEET["gateway"]["http"]:
                report.fail(where, ref(ingress), "backend.service.port",
                            f"resolves to {number}, the gateway's HTTP port is {FLEET['gateway']['http']}")


def operator_selector_labels(labels: dict | None) -> dict:
    """The labels a Prometheus Operator's serviceMonitorSelector / ruleSelector matches: all but the
    app.kubernetes.io/* ones the fleet labels everything with (kube-prometheus-stack: `release`)."""
    return {k: v for k, v in (labels or {}).items() if not k.startswith("app.kubernetes.io/")}


def service_monitor_selector_labels() -> dict:
    """base/servicemonitor.yaml's selector labels: the PrometheusRule generator copies them."""
    try:
        document = yaml.safe_load(SERVICE_MONITOR_FILE.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    return operator_selector_labels((document.get("metadata") or {}).get("labels"))


def check_monitoring(report: Report, rendered: Rendered) -> None:
    where = rendered.overlay
    # kube-prometheus-stack's Prometheus selects only ServiceMonitors and PrometheusRules labelled
    # `release: <its release>`: without a selector label neither is loaded, and nothing says so.
    operator_objects = rendered.all("ServiceMonitor") + rendered.all("PrometheusRule")
    selectors = {ref(o): operator_selector_labels((o.get("metadata") or {}).get("labels")) for o in operator_objects}
    for name, labels in selectors.items():
        if not labels:
            report.fail(where, name, "metadata.labels", "no label for the Prometheus Operator's selector (e.g. "
                        "`release: <kube-prometheus-stack release>`): its Prometheus would not load it")
    if len({tuple(sorted(labels.items())) for labels in selectors.values()}) > 1:
        report.fail(where, "ServiceMonitor/PrometheusRule", "metadata.labels", f"selector labels differ: {selectors} "
                    "(one Prometheus selects both)")
    monitors = rendered.all("ServiceMonitor")
    annotated = all(((rendered.get("Deployment", s) or {}).get("spec", {}).get("template", {}).get("metadata", {})
                     .get("annotations") or {}).get("prometheus.io/scrape") == "true" for s in FLEET)
    if not monitors and not annotated:
        report.fail(where, "ServiceMonitor", "", "missing, and not every fleet pod has prometheus.io/scrape")
    for service in FLEET:
        found = rendered.get("Service", service)
        if found is None:
            continue
        covering = [m for m in monitors
                    if selector_matches(m["spec"].get("selector"), (found["metadata"].get("labels") or {}))]
        if monitors and not covering:
            report.fail(where, f"Service/{service}", "metadata.labels", "no ServiceMonitor selects it")
        for monitor in covering:
            for endpoint in monitor["spec"].get("endpoints") or []:
                names = {p.get("name") for p in found["spec"].get("ports", [])}
                if endpoint.get("port") not in names:
                    report.fail(where, ref(monitor), "spec.endpoints.port",
                                f"{endpoint.get('port')!r} is not a port of Service/{service}")
                if endpoint.get("path", "/metrics") != "/metrics":
                    report.fail(where, ref(monitor), "spec.endpoints.path", "the services serve /metrics")
                port = next((p for p in found["spec"].get("ports", []) if p.get("name") == endpoint.get("port")), {})
                if port and port.get("port") != FLEET[service]["admin"]:
                    report.fail(where, ref(monitor), "spec.endpoints.port",
                                f"scrapes port {port.get('port')} of {service}, /metrics is on "
                                f"{FLEET[service]['admin']}")


def rule_files() -> list[Path]:
    return sorted(Path(p) for p in glob.glob(str(RULES_DIR / "*.yml")) + glob.glob(str(RULES_DIR / "*.yaml")))


def rule_groups(report: Report) -> list:
    groups = []
    for path in rule_files():
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as error:
            report.fail("rules", str(path.relative_to(REPO)), "", f"does not parse: {error}")
            continue
        if not isinstance(data, dict) or not isinstance(data.get("groups"), list):
            report.fail("rules", str(path.relative_to(REPO)), "groups", "missing: not a Prometheus rule file")
            continue
        if not path.name.endswith(".rules.yml"):
            report.warn("rules", str(path.relative_to(REPO)), "",
                        "the laptop Prometheus loads only *.rules.yml (resources/prometheus/prometheus.yml.template)")
        groups.extend(data["groups"])
    return groups


def check_prometheus_rule(report: Report, rendered: Rendered) -> None:
    where = rendered.overlay
    rules = rendered.all("PrometheusRule")
    if len(rules) != 1:
        report.fail(where, "PrometheusRule", "", f"expected one PrometheusRule, found {len(rules)}")
        return
    rule = rules[0]
    have = (rule.get("spec") or {}).get("groups")
    want = rule_groups(report)
    names = [g.get("name") for g in want]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        report.fail("rules", "resources/prometheus/rules", "groups", f"group names used twice: {duplicates} "
                    "(one PrometheusRule holds them all)")
    if have != want:
        have_by_name = {g.get("name"): g for g in have or []}
        want_by_name = {g.get("name"): g for g in want}
        details = []
        missing = [n for n in want_by_name if n not in have_by_name]
        extra = [n for n in have_by_name if n not in want_by_name]
        changed = [n for n in want_by_name if n in have_by_name and have_by_name[n] != want_by_name[n]]
        if missing:
            details.append(f"missing groups {missing}")
        if extra:
            details.append(f"groups not in the rule files {extra}")
        if changed:
            details.append(f"groups that differ {changed}")
        if not details:
            details.append("groups are in a different order")
        files = ", ".join(str(p.relative_to(REPO)) for p in rule_files()) or "no rule files"
        report.fail(where, ref(rule), "spec.groups", f"differs from {files}: {'; '.join(details)}. Regenerate: "
                    "python3 packaging/checks/check_manifests.py --write-prometheus-rule")


def check_secrets_documented(report: Report, rendered: Rendered, fleet_secrets: set[str]) -> None:
    """Every Secret a rendered object references has its `kubectl create secret` line in the README."""
    where = rendered.overlay
    names = set(fleet_secrets)
    for kind in WORKLOAD_KINDS:
        for workload in rendered.all(kind):
            pod_spec = workload["spec"]["template"]["spec"]
            for container in pod_spec.get("containers", []) + (pod_spec.get("initContainers") or []):
                for variable in container.get("env") or []:
                    secret = ((variable.get("valueFrom") or {}).get("secretKeyRef") or {}).get("name")
                    if secret:
                        names.add(secret)
                        if "value" in variable:
                            report.fail(where, ref(workload), f"env {variable['name']}", "value and secretKeyRef")
            for volume in pod_spec.get("volumes") or []:
                if "secret" in volume:
                    names.add(volume["secret"]["secretName"])
    for ingress in rendered.all("Ingress"):
        for tls in (ingress.get("spec") or {}).get("tls") or []:
            if tls.get("secretName"):
                names.add(tls["secretName"])
    readme = K8S / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.is_file() else ""
    commands = [line for line in text.splitlines() if "kubectl" in line and "create secret" in line]
    for name in sorted(names):
        if not any(re.search(rf"create secret \S+ {re.escape(name)}\b", line) for line in commands):
            report.fail(where, f"Secret/{name}", "", "referenced, but packaging/k8s/README.md has no "
                        f"`kubectl create secret ... {name}` line")


def readme_placeholder_table() -> str:
    """The "Placeholders to edit" section of packaging/k8s/README.md (empty when there is none)."""
    readme = K8S / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.is_file() else ""
    start = text.find(README_PLACEHOLDER_HEADING)
    if start < 0:
        return ""
    end = text.find("\n## ", start + len(README_PLACEHOLDER_HEADING))
    return text[start:end if end >= 0 else len(text)]


def check_placeholders_documented(report: Report) -> None:
    """Every value a cluster must edit is marked `# PLACEHOLDER` where it is set and listed in the
    README's table: an unmarked one is a default nobody knows to change."""
    where = "k8s"
    table = readme_placeholder_table()
    if not table:
        report.fail(where, "README.md", "", f"no \"{README_PLACEHOLDER_HEADING[3:]}\" section")
        return
    named = set(re.findall(r"`([^`]+)`", table))
    for variable in sorted(PLACEHOLDER_VARIABLES):
        if variable not in named:
            report.fail(where, "README.md", README_PLACEHOLDER_HEADING[3:], f"does not list `{variable}`")
    for key in sorted(service_monitor_selector_labels()):
        if not any(n == key or n.startswith(key + ":") for n in named):
            report.fail(where, "README.md", README_PLACEHOLDER_HEADING[3:], f"does not list the Prometheus "
                        f"Operator's selector label `{key}` (base/servicemonitor.yaml)")
    for path in sorted(K8S.rglob("*.yaml")):
        relative = path.relative_to(K8S).as_posix()
        exempt = any(relative.startswith(prefix + "/") for prefix in PLACEHOLDER_EXEMPT)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            literal = re.match(r"^\s*-\s*(FLEETDECK_[A-Z0-9_]+)=", line)
            marked = bool(PLACEHOLDER_MARKER.search(line)) and not line.lstrip().startswith("#")
            obj = f"{relative}:{number}"
            if literal and literal.group(1) in PLACEHOLDER_VARIABLES and not exempt and not marked:
                report.fail(where, obj, literal.group(1), "a value each cluster has its own of: mark the line "
                            "`# PLACEHOLDER` (and list it in README.md's placeholder table)")
            if not marked:
                continue
            if literal and literal.group(1) not in named:
                report.fail(where, obj, literal.group(1), "marked PLACEHOLDER but not listed in README.md's "
                            "placeholder table")
            elif not literal and relative not in named:
                report.fail(where, obj, "", f"marked PLACEHOLDER but README.md's placeholder table does not "
                            f"name `{relative}`")


# --- checks: network policies ---------------------------------------------------------------------

class Network:
    """Evaluates the rendered NetworkPolicies the way Kubernetes does (allow-lists, OR'ed together)."""

    def __init__(self, rendered: Rendered) -> None:
        self.rendered = rendered
        self.policies = rendered.all("NetworkPolicy")

    @staticmethod
    def policy_types(policy: dict) -> set[str]:
        spec = policy.get("spec") or {}
        if spec.get("policyTypes"):
            return set(spec["policyTypes"])
        return {"Ingress"} | ({"Egress"} if "egress" in spec else set())

    def selecting(self, pod: Pod, direction: str) -> list[dict]:
        if not pod.local:
            return []
        return [p for p in self.policies
                if direction in self.policy_types(p) and selector_matches(p["spec"].get("podSelector") or {},
                                                                          pod.labels)]

    @staticmethod
    def peer_matches(peer: dict, other) -> bool:
        if "ipBlock" in peer:
            if not isinstance(other, ipaddress.IPv4Address):
                return False
            block = peer["ipBlock"]
            if other not in ipaddress.ip_network(block["cidr"], strict=False):
                return False
            return not any(other in ipaddress.ip_network(e, strict=False) for e in block.get("except") or [])
        if isinstance(other, ipaddress.IPv4Address):
            return False
        if "namespaceSelector" in peer:
            if not selector_matches(peer["namespaceSelector"], other.namespace_labels):
                return False
            return selector_matches(peer.get("podSelector"), other.labels)
        if "podSelector" in peer:
            return other.local and selector_matches(peer["podSelector"], other.labels)
        return False

    @staticmethod
    def port_matches(ports: list | None, port: int, protocol: str, destination) -> bool:
        if not ports:
            return True
        for entry in ports:
            if entry.get("protocol", "TCP") != protocol:
                continue
            wanted = entry.get("port")
            if wanted is None:
                return True
            if isinstance(wanted, str):
                if isinstance(destination, Pod) and destination.ports.get(wanted, (None,))[0] == port:
                    return True
                continue
            if wanted <= port <= entry.get("endPort", wanted):
                return True
        return False

    def egress_allows(self, source, destination, port: int, protocol: str = "TCP") -> bool:
        if isinstance(source, Pod):
            policies = self.selecting(source, "Egress")
            if policies and not any(
                    (not rule.get("to") or any(self.peer_matches(peer, destination) for peer in rule["to"]))
                    and self.port_matches(rule.get("ports"), port, protocol, destination)
                    for policy in policies for rule in policy["spec"].get("egress") or []):
                return False
        return True

    def ingress_allows(self, source, destination, port: int, protocol: str = "TCP") -> bool:
        if isinstance(destination, Pod):
            policies = self.selecting(destination, "Ingress")
            if policies and not any(
                    (not rule.get("from") or any(self.peer_matches(peer, source) for peer in rule["from"]))
                    and self.port_matches(rule.get("ports"), port, protocol, destination)
                    for policy in policies for rule in policy["spec"].get("ingress") or []):
                return False
        return True

    def allows(self, source, destination, port: int, protocol: str = "TCP") -> bool:
        return (self.egress_allows(source, destination, port, protocol)
                and self.ingress_allows(source, destination, port, protocol))

    def blocking(self, source, destination, port: int, protocol: str = "TCP") -> str:
        """Which side's policies refuse a connection (the source's egress, the destination's ingress, or both)."""
        sides = []
        if not self.egress_allows(source, destination, port, protocol):
            sides.append(f"no egress rule of the {source} pods allows it")
        if not self.ingress_allows(source, destination, port, protocol):
            sides.append(f"no ingress rule of the {destination} pods admits it")
        return " and ".join(sides)

    def external_namespaces(self) -> set[str]:
        names = set()
        for policy in self.policies:
            spec = policy["spec"]
            for rule in (spec.get("ingress") or []) + (spec.get("egress") or []):
                for peer in (rule.get("from") or []) + (rule.get("to") or []):
                    selector = peer.get("namespaceSelector") or {}
                    name = (selector.get("matchLabels") or {}).get("kubernetes.io/metadata.name")
                    if name:
                        names.add(name)
        return names - {self.rendered.namespace}

    def endpoints(self, pod: Pod, port: int) -> list:
        """Destinations outside the fleet that a pod's egress rules name for a port: IPs and pods."""
        found = []
        for policy in self.selecting(pod, "Egress"):
            for rule in policy["spec"].get("egress") or []:
                if not self.port_matches(rule.get("ports"), port, "TCP", None):
                    continue
                for peer in rule.get("to") or []:
                    if "ipBlock" in peer:
                        found.append(ipaddress.ip_network(peer["ipBlock"]["cidr"], strict=False)[0])
                    elif "podSelector" in peer and "namespaceSelector" not in peer:
                        found.extend(p for p in self.rendered.pods.values()
                                     if selector_matches(peer["podSelector"], p.labels)
                                     and any(number == port for number, _ in p.ports.values()))
        return found


def check_network_policies(report: Report, rendered: Rendered) -> None:
    where = rendered.overlay
    network = Network(rendered)
    pods = rendered.pods
    for policy in network.policies:
        spec = policy.get("spec") or {}
        for direction in ("ingress", "egress"):
            for index, rule in enumerate(spec.get(direction) or []):
                if not rule.get("ports"):
                    report.fail(where, ref(policy), f"spec.{direction}[{index}].ports",
                                "missing: a rule without ports opens every port")
                if not rule.get("from" if direction == "ingress" else "to"):
                    report.fail(where, ref(policy), f"spec.{direction}[{index}]",
                                "no peers: the rule allows any source or destination")
    deny = [p for p in network.policies
            if not (p["spec"].get("podSelector") or {}) and network.policy_types(p) >= {"Ingress", "Egress"}
            and not p["spec"].get("ingress") and not p["spec"].get("egress")]
    if not deny:
        report.fail(where, "NetworkPolicy", "", "no default-deny policy (podSelector {}, Ingress and Egress, no rules)")

    def ext_pod(namespace: str, labels: dict | None = None) -> Pod:
        return Pod(f"{namespace}/pod", labels or {}, {"kubernetes.io/metadata.name": namespace}, {}, False)

    fleet = {name: pods[name] for name in FLEET if name in pods}
    dns = ext_pod("kube-system", {"k8s-app": "kube-dns"})
    internet = ipaddress.ip_address("203.0.113.9")
    for name, pod in pods.items():
        if not network.allows(pod, dns, 53, "UDP"):
            report.fail(where, f"pod of {name}", "egress", "cannot resolve names (UDP 53 to kube-dns)")
        if network.allows(pod, internet, 443):
            report.fail(where, f"pod of {name}", "egress", "may reach arbitrary internet addresses")

    # From outside the namespace: only the gateway's HTTP port, plus /metrics ports for Prometheus from
    # its namespace.
    metrics_ports = {name: {FLEET[name]["admin"]} for name in FLEET}
    metrics_ports["nats"] = {NATS_MONITOR_PORT}
    prometheus = ext_pod(PROMETHEUS_NAMESPACE, {"app.kubernetes.io/name": "prometheus"})
    outsiders = [internet, ipaddress.ip_address("10.1.2.3")] + [ext_pod(n) for n in sorted(
        network.external_namespaces() | {"somewhere-else", PROMETHEUS_NAMESPACE})]
    gateway_reachable = False
    for name, pod in pods.items():
        candidate_ports = {number for number, _ in pod.ports.values()} | {12345}
        for outsider in outsiders:
            for port in sorted(candidate_ports):
                if not network.allows(outsider, pod, port):
                    continue
                if name == "gateway" and port == FLEET["gateway"]["http"]:
                    gateway_reachable = True
                    continue
                if port in metrics_ports.get(name, set()):
                    if isinstance(outsider, Pod) and outsider.namespace_labels.get(
                            "kubernetes.io/metadata.name") == PROMETHEUS_NAMESPACE:
                        continue
                    report.fail(where, f"pod of {name}", f"ingress port {port}",
                                f"the admin port is reachable from outside the namespace ({outsider}); only "
                                f"Prometheus's namespace ({PROMETHEUS_NAMESPACE}) may scrape it")
                    continue
                report.fail(where, f"pod of {name}", f"ingress port {port}",
                            f"reachable from outside the namespace ({outsider}); only the gateway is")
        for port in sorted(metrics_ports.get(name, set()) & {number for number, _ in pod.ports.values()}):
            if not network.allows(prometheus, pod, port):
                report.fail(where, f"pod of {name}", f"ingress port {port}",
                            f"Prometheus ({PROMETHEUS_NAMESPACE}) cannot scrape it "
                            f"({network.blocking(prometheus, pod, port)})")
    if "gateway" in pods and not gateway_reachable:
        report.fail(where, "NetworkPolicy/gateway", "ingress", f"the gateway's port {FLEET['gateway']['http']} is "
                    "not reachable from any Ingress controller namespace")

    # Inside: the gateway reaches every service, orders reaches products and payments, every process
    # reaches NATS and the gateway's trace store; databases and Redis only for the services that own or
    # use them; nothing else.
    trace_port = FLEET[TRACE_STORE]["admin"]
    for source_name, source in fleet.items():
        for target_name, target in pods.items():
            if target_name == source_name:
                continue
            for port in sorted({number for number, _ in target.ports.values()}):
                allowed = network.allows(source, target, port)
                required = False
                purpose = ""
                if target_name in FLEET:
                    required = (source_name in GRPC_CALLERS.get(target_name, ())
                                and port == FLEET[target_name].get("grpc"))
                    # The gateway reads every service's /readyz (fleet view, ejecting unhealthy
                    # instances): without it every instance counts as down.
                    required = required or (source_name == "gateway" and port == FLEET[target_name]["admin"])
                    # Every service exports its spans to the gateway's admin port (OTEL_EXPORTER_OTLP_ENDPOINT).
                    if target_name == TRACE_STORE and port == trace_port:
                        required = True
                        purpose = (f": its spans go to the gateway's trace store ({OTLP_ENDPOINT_VARIABLE}), "
                                   f"{network.blocking(source, target, port)}")
                    permitted = required
                elif target_name == "nats":
                    required = permitted = port == NATS_CLIENT_PORT
                elif port == POSTGRES_PORT:
                    permitted = source_name in DATABASE_SERVICES  # which database: checked below
                elif port == REDIS_PORT:
                    permitted = source_name in NEEDS_REDIS
                else:
                    permitted = False
                if required and not allowed:
                    report.fail(where, f"pod of {source_name}", "egress",
                                f"cannot reach {target_name} on {port}{purpose}")
                elif allowed and not permitted:
                    report.fail(where, f"pod of {source_name}", "egress",
                                f"may reach {target_name} on port {port}, which it does not need")
    # The gateway replicas ask each other for their part of a trace or of the trace list (GET /traces on
    # the admin port, at the pod IP each registers): blocked, every lookup leaves the peers' spans out.
    if TRACE_STORE in fleet and not network.allows(fleet[TRACE_STORE], fleet[TRACE_STORE], trace_port):
        report.fail(where, f"pod of {TRACE_STORE}", "peers", f"replicas cannot reach each other on the admin port "
                    f"{trace_port} ({network.blocking(fleet[TRACE_STORE], fleet[TRACE_STORE], trace_port)}): a trace "
                    "lookup or the trace list would leave out every peer replica's spans")
    if "nats" in pods:
        for target_name, target in fleet.items():
            for port in sorted({number for number, _ in target.ports.values()}):
                if network.allows(pods["nats"], target, port):
                    report.fail(where, "pod of nats", "egress", f"may reach {target_name} on {port}")
        if OVERLAYS[where]["nats_replicas"] > 1 and not network.allows(pods["nats"], pods["nats"], NATS_CLUSTER_PORT):
            report.fail(where, "pod of nats", "cluster", f"servers cannot reach each other on {NATS_CLUSTER_PORT}")

    # Databases: each service reaches its own, and no other service's.
    databases = {}
    for name in DATABASE_SERVICES:
        if name not in fleet:
            continue
        endpoints = [e for e in network.endpoints(fleet[name], POSTGRES_PORT)
                     if not (isinstance(e, Pod) and (e.name in FLEET or e.name == "nats"))]
        if not endpoints:
            report.fail(where, f"pod of {name}", "egress", f"no policy lets it reach its database (port {POSTGRES_PORT})")
        for endpoint in endpoints:
            if not network.allows(fleet[name], endpoint, POSTGRES_PORT):
                report.fail(where, f"pod of {name}", "egress", f"cannot reach its database {endpoint}")
        databases[name] = endpoints
    shared_allowed = OVERLAYS[where]["shared_database_server"]
    for name, endpoints in databases.items():
        for other, other_endpoints in databases.items():
            if other == name:
                continue
            for endpoint in other_endpoints:
                if shared_allowed and endpoint in endpoints:
                    continue  # dev's one server: the databases are separated by role there
                if network.allows(fleet[name], endpoint, POSTGRES_PORT):
                    report.fail(where, f"pod of {name}", "egress", f"may reach the database of {other} ({endpoint})")
    all_database_endpoints = {e for endpoints in databases.values() for e in endpoints}
    for name in ("gateway",):
        if name in fleet:
            for endpoint in all_database_endpoints:
                if network.allows(fleet[name], endpoint, POSTGRES_PORT):
                    report.fail(where, f"pod of {name}", "egress", f"may reach a database ({endpoint})")
    for name in NEEDS_REDIS:
        if name in fleet and not network.endpoints(fleet[name], REDIS_PORT):
            report.fail(where, f"pod of {name}", "egress", f"no policy lets it reach Redis (port {REDIS_PORT})")


# --- checks: Compose and Containerfiles -----------------------------------------------------------

def check_compose(report: Report, configs: dict[str, ServiceConfig], version: str | None, strict: bool) -> None:
    where = "compose"
    path = PACKAGING / "compose" / "compose.yaml"
    if not path.is_file():
        report.fail(where, str(path.relative_to(REPO)), "", "missing")
        return
    compose = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    services = compose.get("services") or {}
    for name, service in services.items():
        obj = f"service/{name}"
        image = service.get("image")
        if not image:
            report.fail(where, obj, "image", "missing: name the image with a pinned tag")
            continue
        _, tag, digest = image_tag(image)
        if digest is None and (tag is None or tag == "latest" or "$" in tag):
            report.fail(where, obj, "image", f"{image!r}: pin a version, never :latest or no tag")
        build = service.get("build")
        if build:
            context = (path.parent / build.get("context", ".")).resolve()
            dockerfile = context / build.get("dockerfile", "Dockerfile")
            if not dockerfile.is_file():
                report.fail(where, obj, "build.dockerfile", f"{dockerfile} does not exist")
    for name in ("postgres", "redis", "nats", "prometheus"):
        if name not in services:
            report.fail(where, f"service/{name}", "", "missing")
    for service, ports in FLEET.items():
        obj = f"service/{service}"
        definition = services.get(service)
        if definition is None:
            report.fail(where, obj, "", "missing: every executable runs")
            continue
        repository, tag, _ = image_tag(definition.get("image", ""))
        if repository != f"fleetdeck/{service}" or (version and tag != version):
            report.fail(where, obj, "image", f"expected fleetdeck/{service}:{version}")
        environment = definition.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(item.split("=", 1) for item in environment)
        env = {k: ("" if v is None else str(v)) for k, v in environment.items()}
        check_environment(report, where, obj, service, env, configs[service], strict)
        for section, port in ports.items():
            if env.get(f"FLEETDECK_{section.upper()}__ADDRESS") != "0.0.0.0":
                report.fail(where, obj, f"environment.FLEETDECK_{section.upper()}__ADDRESS", "must be 0.0.0.0")
            configured = env.get(f"FLEETDECK_{section.upper()}__PORT")
            if configured is not None and configured != str(port):
                report.fail(where, obj, f"environment.FLEETDECK_{section.upper()}__PORT", f"expected {port}")
        for upstream in sorted(UPSTREAMS.get(service, set())):
            value = env.get(f"FLEETDECK_UPSTREAMS__{upstream.upper()}")
            if value != f"{upstream}:{FLEET[upstream]['grpc']}":
                report.fail(where, obj, f"environment.FLEETDECK_UPSTREAMS__{upstream.upper()}",
                            f"is {value!r}, expected {upstream}:{FLEET[upstream]['grpc']}")
        if env.get("FLEETDECK_NATS__URL") != f"nats://nats:{NATS_CLIENT_PORT}":
            report.fail(where, obj, "environment.FLEETDECK_NATS__URL", f"expected nats://nats:{NATS_CLIENT_PORT}")
        prometheus_url = f"http://prometheus:{PROMETHEUS_PORT}"
        if service in NEEDS_PROMETHEUS and env.get(PROMETHEUS_URL_VARIABLE) != prometheus_url:
            report.fail(where, obj, f"environment.{PROMETHEUS_URL_VARIABLE}",
                        f"is {env.get(PROMETHEUS_URL_VARIABLE)!r}, expected {prometheus_url} (the prometheus "
                        "service; empty, the console's metrics and alerts routes answer 503)")
        if service in NEEDS_REDIS and env.get(REDIS_URL_VARIABLE) != f"redis://redis:{REDIS_PORT}/0":
            report.fail(where, obj, f"environment.{REDIS_URL_VARIABLE}", f"expected redis://redis:{REDIS_PORT}/0")
        # Every service's spans go to the (single) gateway's trace store, else the console's trace
        # view shows the gateway's part of a request only; the gateway keeps its own without a hop.
        otlp = f"http://gateway:{FLEET['gateway']['admin']}"
        if service != "gateway" and (env.get("OTEL_EXPORTER_OTLP_ENDPOINT") != otlp or
                                     env.get("OTEL_EXPORTER_OTLP_PROTOCOL") != "http/json"):
            report.fail(where, obj, "environment.OTEL_EXPORTER_OTLP_ENDPOINT",
                        f"is {env.get('OTEL_EXPORTER_OTLP_ENDPOINT')!r} (protocol "
                        f"{env.get('OTEL_EXPORTER_OTLP_PROTOCOL')!r}), expected {otlp} with http/json: the gateway's "
                        "trace store")
        if service == "gateway" and "OTEL_EXPORTER_OTLP_ENDPOINT" in env:
            report.fail(where, obj, "environment.OTEL_EXPORTER_OTLP_ENDPOINT",
                        "the gateway stores its own spans; exporting them would send them to itself")
        for name in env:
            if name.startswith("FLEETDECK_FAULTS__"):
                report.fail(where, obj, f"environment.{name}", "fault injection is for the local fleet and tests only")
        url = env.get("FLEETDECK_DATABASE__URL")
        if service in DATABASE_SERVICES:
            match = re.fullmatch(r"postgres(?:ql)?://([^:@/]+)(?::([^@]*))?@postgres:5432/([a-z_]+)", url or "")
            if not match:
                report.fail(where, obj, "environment.FLEETDECK_DATABASE__URL",
                            f"expected postgresql://USER:${{...}}@postgres:5432/{service}")
            else:
                if match.group(3) != service:
                    report.fail(where, obj, "environment.FLEETDECK_DATABASE__URL",
                                f"database {match.group(3)!r}, each service has its own: {service}")
                if match.group(2) and not match.group(2).startswith("${"):
                    report.fail(where, obj, "environment.FLEETDECK_DATABASE__URL",
                                "a literal password: take it from the environment (${POSTGRES_PASSWORD})")
        elif url:
            report.fail(where, obj, "environment.FLEETDECK_DATABASE__URL", f"{service} has no database")
        # "8080:8080" or "127.0.0.1:8080:8080": host port, container port last.
        published = [str(p).split(":")[-2:] for p in definition.get("ports") or []]
        if service == "gateway":
            if [str(ports["http"])] * 2 not in published:
                report.fail(where, obj, "ports", f"the gateway is published on {ports['http']}")
        elif published:
            report.fail(where, obj, "ports", "only the gateway is published")
    prometheus = services.get("prometheus") or {}
    volumes = " ".join(str(v) for v in prometheus.get("volumes") or [])
    if "resources/prometheus/rules" not in volumes:
        report.fail(where, "service/prometheus", "volumes", "does not mount resources/prometheus/rules")
    # The gateway's FLEETDECK_PROMETHEUS__URL (checked above) names Prometheus's default port.
    for argument in prometheus.get("command") or []:
        listen = re.fullmatch(r"--web\.listen-address=(.*)", str(argument))
        if listen and not listen.group(1).endswith(f":{PROMETHEUS_PORT}"):
            report.fail(where, "service/prometheus", "command", f"{argument}: the gateway queries port {PROMETHEUS_PORT}")


def check_containerfiles(report: Report, version: str | None) -> None:
    where = "containers"
    for service, ports in FLEET.items():
        path = PACKAGING / "containers" / f"{service}.Containerfile"
        obj = str(path.relative_to(REPO))
        if not path.is_file():
            report.fail(where, obj, "", "missing")
            continue
        text = path.read_text(encoding="utf-8")
        stages = re.findall(r"^FROM\s+(\S+)", text, re.MULTILINE)
        if len(stages) < 2:
            report.fail(where, obj, "FROM", "expected a build stage and a run stage")
        for image in stages:
            _, tag, digest = image_tag(image)
            if digest is None and (tag is None or tag == "latest"):
                report.fail(where, obj, "FROM", f"{image}: pin a tag")
        if stages and not stages[-1].endswith("debian:bookworm-slim"):
            report.fail(where, obj, "FROM", f"run stage is {stages[-1]}, expected debian:bookworm-slim")
        if f"--target fleetdeck-{service}" not in text:
            report.fail(where, obj, "RUN", f"does not build the target fleetdeck-{service}")
        users = re.findall(r"^USER\s+(\S+)", text, re.MULTILINE)
        if not users or users[-1].split(":")[0] in ("0", "root"):
            report.fail(where, obj, "USER", "the run stage must end as a non-root (numeric) user")
        exposed = {int(p.split("/")[0]) for line in re.findall(r"^EXPOSE\s+(.+)$", text, re.MULTILINE)
                   for p in line.split()}
        if exposed != set(ports.values()):
            report.fail(where, obj, "EXPOSE", f"{sorted(exposed)}, expected {sorted(ports.values())}")
        for sources in re.findall(r"^COPY\s+(?!--from)(.+)$", text, re.MULTILINE):
            for source in sources.split()[:-1]:
                if source.startswith("--"):
                    continue
                # compose/.env (the deployment's secrets, ignored by git) sits in the build context.
                if source.rstrip("/") in ("packaging", "packaging/compose", ".") or source.startswith("packaging/compose/"):
                    report.fail(where, obj, "COPY", f"{source} copies packaging/compose (its .env holds secrets) into the image")
        if f"/etc/fleetdeck/{service}.toml" not in text:
            report.fail(where, obj, "CMD", f"does not start with --config /etc/fleetdeck/{service}.toml")
        # The database URLs the docs show verify the server against the image's CA bundle
        # (sslrootcert=/etc/ssl/certs/ca-certificates.crt).
        run_stage = text[text.rfind("\nFROM "):] if "\nFROM " in text else text
        if "ca-certificates" not in run_stage:
            report.fail(where, obj, "RUN", "the run stage does not install ca-certificates (the CA bundle "
                        "sslrootcert=/etc/ssl/certs/ca-certificates.crt names)")


# Where the deployment docs show libpq URLs.
DATABASE_URL_DOCS = [REPO / "docs" / "operations.md", K8S / "README.md"]


def check_database_url_examples(report: Report) -> None:
    """A documented URL with sslmode=verify-full/verify-ca names its CA: the images' libpq 15 otherwise
    reads ~/.postgresql/root.crt, and the services' home is /nonexistent (sslrootcert=system: libpq 16)."""
    for path in DATABASE_URL_DOCS:
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"postgres(?:ql)?://[^\s'\"`]*sslmode=verify-(?:full|ca)[^\s'\"`]*", text):
            url = match.group(0)
            if "sslrootcert=" not in url or "sslrootcert=system" in url:
                line = text.count("\n", 0, match.start()) + 1
                report.fail("docs", f"{path.relative_to(REPO)}:{line}", "", f"{url}: name the CA file in sslrootcert= "
                            "(libpq 15 looks for ~/.postgresql/root.crt, and the services have no home; "
                            "sslrootcert=system needs libpq 16)")


# --- the PrometheusRule generator -----------------------------------------------------------------

class IndentedDumper(yaml.SafeDumper):
    """Indents block sequences under their key (yamllint's style) and keeps multi-line strings readable."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def _represent_string(dumper, value):
    style = None
    if "\n" in value:
        style = "|"
    elif len(value) > 80 and value == value.strip() and "  " not in value:
        style = ">"  # long prose (alert descriptions), folded like the rule files write it
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


IndentedDumper.add_representer(str, _represent_string)


def prometheus_rule_labels() -> dict:
    return {"app.kubernetes.io/name": "fleetdeck-alerts", **service_monitor_selector_labels()}


def write_prometheus_rule() -> int:
    report = Report()
    groups = rule_groups(report)
    if report.failures:
        return report.finish("prometheus rule")
    files = [str(p.relative_to(REPO)) for p in rule_files()]
    rule = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "fleetdeck-alerts", "labels": prometheus_rule_labels()},
        "spec": {"groups": groups},
    }
    header = ("# Generated from resources/prometheus/rules/*.yml by\n"
              "#   python3 packaging/checks/check_manifests.py --write-prometheus-rule\n"
              "# Do not edit: change the rule files (they are unit-tested with promtool) and regenerate.\n"
              "# packaging.manifest_schema fails while this file and the rule files differ.\n"
              "# The labels besides app.kubernetes.io/name are servicemonitor.yaml's: the Prometheus Operator's\n"
              "# selector label (a PLACEHOLDER, README.md). Edit it there and regenerate.\n"
              f"# Sources: {', '.join(files) if files else 'none yet'}\n")
    body = yaml.dump(rule, Dumper=IndentedDumper, sort_keys=False, default_flow_style=False, width=100,
                     allow_unicode=True)
    # Mark the copied selector labels as servicemonitor.yaml marks them (yaml.dump writes no comments).
    metadata, _, rest = body.partition("\nspec:")
    for key in service_monitor_selector_labels():
        metadata = re.sub(rf"(?m)^(    {re.escape(key)}: .*)$", r"\1  # PLACEHOLDER", metadata, count=1)
    body = metadata + "\nspec:" + rest
    PROMETHEUS_RULE_FILE.write_text(header + body, encoding="utf-8")
    print(f"wrote {PROMETHEUS_RULE_FILE.relative_to(REPO)}: {len(groups)} group(s) from {len(files)} file(s)")
    return 0


def check_prometheus_rule_file() -> int:
    """The base PrometheusRule's groups equal the rule files, read straight from the file (no kubectl)."""
    report = Report()
    try:
        documents = [d for d in yaml.safe_load_all(PROMETHEUS_RULE_FILE.read_text(encoding="utf-8")) if d]
    except (OSError, yaml.YAMLError) as error:
        report.fail("base", str(PROMETHEUS_RULE_FILE.relative_to(REPO)), "", f"cannot read: {error}")
        return report.finish("PrometheusRule = rule files")
    check_prometheus_rule(report, Rendered("base", documents))
    for document in documents:
        labels = (document.get("metadata") or {}).get("labels") or {}
        if document.get("kind") == "PrometheusRule" and labels != prometheus_rule_labels():
            report.fail("base", str(PROMETHEUS_RULE_FILE.relative_to(REPO)), "metadata.labels",
                        f"{labels}, expected {prometheus_rule_labels()} (servicemonitor.yaml's selector labels). "
                        "Regenerate: python3 packaging/checks/check_manifests.py --write-prometheus-rule")
    kustomization = yaml.safe_load((K8S / "base" / "kustomization.yaml").read_text(encoding="utf-8")) or {}
    if PROMETHEUS_RULE_FILE.name not in (kustomization.get("resources") or []):
        report.fail("base", "kustomization.yaml", "resources", f"does not list {PROMETHEUS_RULE_FILE.name}")
    files = ", ".join(str(p.relative_to(REPO)) for p in rule_files())
    return report.finish(f"PrometheusRule = rule files ({files})")


# --- yamllint -------------------------------------------------------------------------------------

def run_yamllint(explicit: str | None) -> int:
    yamllint = explicit if explicit and Path(explicit).is_file() else shutil.which("yamllint")
    if not yamllint:
        print("SKIP: yamllint not found (Debian package yamllint)")
        return SKIPPED
    paths = [PACKAGING, REPO / "resources" / "prometheus"]
    present = [str(p.relative_to(REPO)) for p in paths if p.exists()]
    for path in paths:
        if not path.exists():
            print(f"note: {path.relative_to(REPO)} does not exist yet, not linted")
    command = [yamllint, "--strict", "-c", str(PACKAGING / ".yamllint"), *present]
    print("$", " ".join(command))
    result = subprocess.run(command, cwd=REPO, check=False)
    if result.returncode == 0:
        print(f"yamllint: OK ({', '.join(present)})")
    return 0 if result.returncode == 0 else 1


# --- main -----------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kubectl", help="kubectl with built-in kustomize (default: from PATH)")
    parser.add_argument("--yamllint", help="yamllint (default: from PATH)")
    parser.add_argument("--overlay", action="append", choices=sorted(OVERLAYS), help="check only this overlay")
    parser.add_argument("--render-only", action="store_true", help="only render the overlays")
    parser.add_argument("--lint", action="store_true", help="run yamllint over packaging/ and resources/prometheus")
    parser.add_argument("--write-prometheus-rule", action="store_true",
                        help="regenerate packaging/k8s/base/prometheusrule.yaml from the rule files")
    parser.add_argument("--prometheus-rule", action="store_true",
                        help="only compare base/prometheusrule.yaml with resources/prometheus/rules (no kubectl)")
    parser.add_argument("--strict", action="store_true",
                        help="contract keys missing from an existing config file fail instead of warning")
    args = parser.parse_args()

    if args.lint:
        return run_yamllint(args.yamllint)
    if args.write_prometheus_rule:
        return write_prometheus_rule()
    if args.prometheus_rule:
        return check_prometheus_rule_file()

    kubectl = find_kubectl(args.kubectl)
    if not kubectl:
        print("SKIP: kubectl not found; it renders the kustomize overlays (no cluster needed)")
        return SKIPPED
    overlays = args.overlay or sorted(OVERLAYS)
    report = Report()
    renders = {}
    for overlay in overlays:
        documents, error = render(kubectl, overlay)
        if documents is None:
            report.fail(overlay, f"overlays/{overlay}", "", error)
            continue
        if not documents:
            report.fail(overlay, f"overlays/{overlay}", "", "renders no objects")
        renders[overlay] = Rendered(overlay, documents)
        if args.render_only:
            kinds: dict[str, int] = {}
            for doc in documents:
                kinds[doc.get("kind", "?")] = kinds.get(doc.get("kind", "?"), 0) + 1
            print(f"{overlay}: {len(documents)} objects: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))
    if args.render_only:
        return report.finish("kustomize render")

    version = project_version()
    if version is None:
        report.fail("config", "CMakeLists.txt", "project", "no VERSION to compare image tags with")
    configs = {service: ServiceConfig(service) for service in FLEET}
    missing = [s for s, c in configs.items() if not c.exists]
    if missing:
        print(f"note: no config file yet for {', '.join(missing)}: their environment keys are not compared")
    check_config_defaults(report, configs)
    for overlay, rendered in renders.items():
        check_objects(report, rendered)
        check_workloads(report, rendered)
        secrets = check_fleet(report, rendered, configs, version, args.strict)
        check_nats(report, rendered)
        check_ingress(report, rendered)
        check_monitoring(report, rendered)
        check_prometheus_rule(report, rendered)
        check_secrets_documented(report, rendered, secrets)
        check_network_policies(report, rendered)
    check_placeholders_documented(report)
    check_database_url_examples(report)
    check_compose(report, configs, version, args.strict)
    check_containerfiles(report, version)
    return report.finish("manifest checks (" + ", ".join(overlays) + ", compose, containers)")


if __name__ == "__main__":
    sys.exit(main())
