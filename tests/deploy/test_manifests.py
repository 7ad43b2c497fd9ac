"""The Kubernetes manifests in deploy/k8s, checked offline: no cluster and no network needed."""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
KUBERNETES_VERSION = "1.30.0"  # the oldest release the manifests target; kubernetes-validate ships its schema
NAMESPACE = "siks"
IMAGE = "ghcr.io/siks-ng/siks-ng"
SERVICES = {
    "registry": "siks_registry.main:app",
    "proposals": "siks_proposals.main:app",
    "verification": "siks_verification.main:app",
    "lks": "siks_lks.main:app",
    "integration": "siks_integration.main:app",
}
EVENT_TOPICS = {
    "siks.registry.events",
    "siks.proposals.events",
    "siks.verification.events",
    "siks.lks.events",
    "siks.integration.events",
    "dukcapil.civil-events",
}
# Kinds defined by the operators' CRDs: Kubernetes' own schema does not know them.
CRD_API_VERSIONS = {
    "Kafka": "kafka.strimzi.io/v1beta2",
    "KafkaNodePool": "kafka.strimzi.io/v1beta2",
    "KafkaTopic": "kafka.strimzi.io/v1beta2",
    "Cluster": "postgresql.cnpg.io/v1",
}
VALIDATED_API_VERSIONS = {"v1", "apps/v1", "policy/v1", "networking.k8s.io/v1"}


@cache
def kustomization() -> dict:
    return yaml.safe_load((K8S / "kustomization.yaml").read_text())


@cache
def documents(path: Path) -> tuple[dict, ...]:
    return tuple(doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None)


@cache
def objects() -> tuple[tuple[str, dict], ...]:
    """(file, object) for every object of every resource the kustomization lists."""
    return tuple((name, doc) for name in kustomization()["resources"] for doc in documents(K8S / name))


def of_kind(kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for _, doc in objects() if doc["kind"] == kind}


def test_kustomization_lists_files_that_exist_and_parse() -> None:
    k = kustomization()
    assert k["apiVersion"] == "kustomize.config.k8s.io/v1beta1"
    assert k["kind"] == "Kustomization"
    assert k["namespace"] == NAMESPACE
    assert k["resources"], "the kustomization lists no resources"
    for name in k["resources"]:
        path = K8S / name
        assert path.is_file(), f"{name} is listed in kustomization.yaml but is not a file"
        docs = documents(path)
        assert docs, f"{name} holds no object"
        for doc in docs:
            assert isinstance(doc, dict), f"{name}: a document is not a mapping"
            assert {"apiVersion", "kind", "metadata"} <= doc.keys(), f"{name}: {doc.get('kind')} lacks a header"
            assert doc["metadata"].get("name"), f"{name}: a {doc['kind']} has no name"
    on_disk = {p.relative_to(K8S).as_posix() for p in K8S.rglob("*.yaml")} - {"kustomization.yaml"}
    on_disk = {name for name in on_disk if not name.startswith("monitoring/")}  # a component of its own
    assert on_disk == set(k["resources"]), "every manifest file must be listed in kustomization.yaml"


def test_kubernetes_objects_validate_strictly() -> None:
    errors, validated = [], 0
    for name, doc in objects():
        kind, api_version = doc["kind"], doc["apiVersion"]
        if kind in CRD_API_VERSIONS:
            assert api_version == CRD_API_VERSIONS[kind], f"{name}: {kind} should be {CRD_API_VERSIONS[kind]}"
            continue
        assert api_version in VALIDATED_API_VERSIONS, f"{name}: {api_version} {kind} would go unchecked"
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            where = ".".join(str(p) for p in exc.path)
            errors.append(f"{name}: {kind}/{doc['metadata']['name']} at {where}: {exc.message}")
        validated += 1
    assert not errors, "\n".join(errors)
    assert validated >= 1 + 1 + 4 * len(SERVICES)  # Namespace, ConfigMap, four objects per service


def test_every_object_is_labelled_and_namespaced() -> None:
    for name, doc in objects():
        meta = doc["metadata"]
        assert meta.get("labels", {}).get("app.kubernetes.io/part-of") == "siks-ng", f"{name}: {meta['name']}"
        if doc["kind"] != "Namespace":
            assert meta.get("namespace") == NAMESPACE, f"{name}: {doc['kind']}/{meta['name']}"
    assert set(of_kind("Namespace")) == {NAMESPACE}


def container_of(deployment: dict) -> dict:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_deployment(service: str) -> None:
    deployment = of_kind("Deployment")[service]
    spec = deployment["spec"]
    pod = spec["template"]["spec"]
    container = container_of(deployment)
    labels = {"app.kubernetes.io/part-of": "siks-ng", "app.kubernetes.io/name": service}

    assert spec["replicas"] == 2
    assert labels.items() <= spec["selector"]["matchLabels"].items()
    assert labels.items() <= spec["template"]["metadata"]["labels"].items()
    assert container["image"].rsplit(":", 1)[0] == IMAGE
    assert container["command"] == [
        "uvicorn",
        SERVICES[service],
        "--host",
        "0.0.0.0",
        "--port",
        "8000",
        "--no-access-log",
    ]
    assert {"name": "http", "containerPort": 8000, "protocol": "TCP"} in container["ports"]

    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["startupProbe"]["httpGet"]["path"] in {"/healthz", "/readyz"}
    assert {"cpu", "memory"} <= container["resources"]["requests"].keys()
    assert {"cpu", "memory"} <= container["resources"]["limits"].keys()

    pod_security, security = pod["securityContext"], container["securityContext"]
    assert security.get("runAsNonRoot", pod_security.get("runAsNonRoot")) is True
    assert security.get("runAsUser", pod_security.get("runAsUser", 0)) != 0
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    assert "add" not in security["capabilities"]
    assert security.get("seccompProfile", pod_security.get("seccompProfile")) == {"type": "RuntimeDefault"}

    env = {e["name"]: e for e in container["env"]}
    assert env["DATABASE_URL"]["valueFrom"] == {"secretKeyRef": {"name": f"siks-{service}-app", "key": "uri"}}
    assert env["SIKS_LOG_LEVEL"]["value"] == "INFO"
    assert env["SIKS_KAFKA_PARTITIONS"]["value"] == "12"
    config = of_kind("ConfigMap")["siks-config"]["data"]
    for name in ("KAFKA_BOOTSTRAP_SERVERS", "SIKS_AUTH_JWKS_URL", "SIKS_AUTH_ISSUER"):
        ref = env[name]["valueFrom"]["configMapKeyRef"]
        assert ref["name"] == "siks-config" and ref["key"] in config, name
    for e in container["env"]:
        for source in ("configMapKeyRef", "secretKeyRef"):
            ref = e.get("valueFrom", {}).get(source)
            assert ref is None or ref.get("optional") is not True, f"{e['name']} must not be optional"


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_database_cluster_writes_the_secret_the_service_reads(service: str) -> None:
    # CloudNativePG names the owner's credentials secret "<cluster>-app" and puts "uri" in it.
    cluster = of_kind("Cluster")[f"siks-{service}"]
    assert cluster["spec"]["instances"] == 3
    assert cluster["spec"]["bootstrap"]["initdb"] == {"database": service, "owner": service}


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_service_disruption_budget_and_network_policy_select_the_pods(service: str) -> None:
    pod_labels = of_kind("Deployment")[service]["spec"]["template"]["metadata"]["labels"]
    svc = of_kind("Service")[service]["spec"]
    assert svc["selector"].items() <= pod_labels.items()
    (port,) = svc["ports"]
    assert port["port"] == 80 and port["targetPort"] in (8000, "http")

    budget = of_kind("PodDisruptionBudget")[service]["spec"]
    assert budget["selector"]["matchLabels"].items() <= pod_labels.items()
    assert budget.get("minAvailable", 0) == 1 or budget.get("maxUnavailable") == 1

    policy = of_kind("NetworkPolicy")[service]["spec"]
    assert policy["podSelector"]["matchLabels"].items() <= pod_labels.items()
    assert policy["policyTypes"] == ["Ingress"]
    peers = [peer for rule in policy["ingress"] for peer in rule["from"]]
    assert {"podSelector": {}} in peers  # the namespace itself
    assert any("namespaceSelector" in peer for peer in peers)  # the ingress controller


def test_kafka_cluster() -> None:
    (kafka,) = of_kind("Kafka").values()
    assert kafka["metadata"]["name"] == "siks-kafka"  # → the Service siks-kafka-kafka-bootstrap
    config = kafka["spec"]["kafka"]["config"]
    assert config["min.insync.replicas"] == 2
    assert config["default.replication.factor"] == 3
    assert config["auto.create.topics.enable"] is False
    assert "zookeeper" not in kafka["spec"]
    assert "topicOperator" in kafka["spec"]["entityOperator"]
    listener_ports = {listener["port"] for listener in kafka["spec"]["kafka"]["listeners"]}
    bootstrap = of_kind("ConfigMap")["siks-config"]["data"]["KAFKA_BOOTSTRAP_SERVERS"]
    assert bootstrap == f"siks-kafka-kafka-bootstrap.{NAMESPACE}.svc:9092" and 9092 in listener_ports

    pools = of_kind("KafkaNodePool").values()
    assert all(p["metadata"]["labels"]["strimzi.io/cluster"] == "siks-kafka" for p in pools)
    assert sum(p["spec"]["replicas"] for p in pools if "broker" in p["spec"]["roles"]) == 3
    assert sum(p["spec"]["replicas"] for p in pools if "controller" in p["spec"]["roles"]) >= 3


def topic_name(topic: dict) -> str:
    return topic["spec"].get("topicName", topic["metadata"]["name"])


def test_every_event_topic_has_a_dead_letter_topic() -> None:
    names = {topic_name(t) for t in of_kind("KafkaTopic").values()}
    events = {n for n in names if not n.endswith(".dlq")}
    dead_letters = {n for n in names if n.endswith(".dlq")}
    assert events == EVENT_TOPICS
    missing = sorted(f"{t}.dlq" for t in events if f"{t}.dlq" not in dead_letters)
    assert not missing, f"no dead-letter topic for: {missing}"
    orphans = sorted(d for d in dead_letters if d.removesuffix(".dlq") not in events)
    assert not orphans, f"dead-letter topics without an event topic: {orphans}"


def test_topics_match_the_services_partitioning() -> None:
    partitions = {
        int(e["value"])
        for d in of_kind("Deployment").values()
        for e in container_of(d)["env"]
        if e["name"] == "SIKS_KAFKA_PARTITIONS"
    }
    day = 24 * 3600 * 1000
    for topic in of_kind("KafkaTopic").values():
        spec = topic["spec"]
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == "siks-kafka"
        assert {spec["partitions"]} == partitions, topic_name(topic)
        assert spec["replicas"] == 3
        retention = spec["config"]["retention.ms"]
        assert retention >= (90 if topic_name(topic).endswith(".dlq") else 30) * day, topic_name(topic)


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (with its built-in kustomize) is not installed")
def test_kustomize_builds() -> None:
    built = subprocess.run(
        ["kubectl", "kustomize", str(K8S)], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    docs = [d for d in yaml.safe_load_all(built) if d]
    assert len(docs) == len(objects())
    for doc in docs:
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == NAMESPACE
    for deployment in (d for d in docs if d["kind"] == "Deployment"):
        assert container_of(deployment)["image"].startswith(f"{IMAGE}:")
