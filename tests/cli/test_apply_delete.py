"""``rawkube apply -f`` and ``rawkube delete``: what kubectl users type, what they read back."""

from __future__ import annotations

import io

import pytest

from tests.cli.conftest import KUBECTL

needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed here")

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 1
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: app, image: nginx}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: api-settings}
data: {level: "3"}
"""


def test_apply_a_file_applies_server_side_as_rawkube(served, capsys, tmp_path):
    path = tmp_path / "api.yaml"
    path.write_text(DEPLOYMENT)
    assert served.run(capsys, "apply", "-f", str(path)) == (
        0,
        "deployment.apps/api serverside-applied\nconfigmap/api-settings serverside-applied\n",
        "",
    )
    [config_map] = [
        c for c in served.cluster.objects("ConfigMap") if c["metadata"]["name"] == "api-settings"
    ]
    assert config_map["data"] == {"level": "3"}
    assert [m["manager"] for m in config_map["metadata"]["managedFields"]] == ["rawkube"]
    assert [m["operation"] for m in config_map["metadata"]["managedFields"]] == ["Apply"]


def test_apply_a_folder_reads_yaml_and_json_in_name_order(served, capsys, tmp_path):
    (tmp_path / "b.json").write_text(
        '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "web"}}'
    )
    (tmp_path / "a.yml").write_text(DEPLOYMENT)
    (tmp_path / "notes.txt").write_text("not a manifest")
    status, out, _ = served.run(capsys, "apply", "-f", str(tmp_path))
    assert status == 0
    assert out.splitlines() == [
        "deployment.apps/api serverside-applied",
        "configmap/api-settings serverside-applied",
        "namespace/web serverside-applied",
    ]


def test_apply_from_stdin(served, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(DEPLOYMENT))
    status, _out, _ = served.run(capsys, "apply", "-f", "-", "-n", "kube-system")
    assert status == 0
    assert {
        c["metadata"]["namespace"]
        for c in served.cluster.objects("Deployment")
        if c["metadata"]["name"] == "api"
    } == {"kube-system"}


def test_apply_conflicts_are_one_line_and_force_conflicts_takes_the_field(served, capsys, tmp_path):
    path = tmp_path / "settings.yaml"
    path.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {mode: slow}\n"
    )
    served.cluster.client().core_v1.config_maps("default").apply(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "settings"},
            "data": {"mode": "fast"},
        },
        field_manager="someone-else",
    )
    status, out, err = served.run(capsys, "apply", "-f", str(path))
    assert (status, out) == (1, "")
    assert err.startswith(f"error: {path}: configmap/settings: Apply failed with 1 conflict")
    assert err.count("\n") == 1
    status, out, err = served.run(capsys, "apply", "-f", str(path), "--force-conflicts")
    assert (status, out, err) == (0, "configmap/settings serverside-applied\n", "")


def test_apply_goes_on_after_a_failure_and_says_which_object(served, capsys, tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: nowhere}\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n"
    )
    status, out, err = served.run(capsys, "apply", "-f", str(path))
    assert (status, out) == (1, "configmap/b serverside-applied\n")
    assert err == f'error: {path}: configmap/a: namespaces "nowhere" not found\n'


def test_apply_without_a_file_and_with_a_missing_one(served, capsys, tmp_path):
    assert served.run(capsys, "apply")[0] == 1
    status, _, err = served.run(capsys, "apply", "-f", str(tmp_path / "nope.yaml"))
    assert (status, err) == (1, f'error: the path "{tmp_path / "nope.yaml"}" does not exist\n')


def test_bad_yaml_is_one_line_naming_the_file(served, capsys, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("apiVersion: v1\nkind: [\n")
    status, out, err = served.run(capsys, "apply", "-f", str(path))
    assert (status, out) == (1, "")
    assert err.startswith(f"error: {path}: ")
    assert err.count("\n") == 1


def test_delete_by_type_and_names_prints_as_kubectl(served, capsys):
    assert served.run(capsys, "delete", "deploy", "web") == (
        0,
        'deployment.apps "web" deleted\n',
        "",
    )
    assert served.run(capsys, "delete", "svc/web", "cm/settings") == (
        0,
        'service "web" deleted\nconfigmap "settings" deleted\n',
        "",
    )
    assert served.cluster.objects("Service") == []


@pytest.mark.parametrize(
    ("cascade", "kept"), [("background", False), ("foreground", False), ("orphan", True)]
)
def test_delete_cascade_decides_what_becomes_of_the_dependents(served, capsys, cascade, kept):
    [deployment] = served.cluster.objects("Deployment")
    owner = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "web",
        "uid": deployment["metadata"]["uid"],
        "controller": True,
    }
    served.cluster.create(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "web-x", "namespace": "default", "ownerReferences": [owner]},
        }
    )
    status, out, _ = served.run(capsys, "delete", "deploy", "web", f"--cascade={cascade}", "--wait")
    assert (status, out) == (0, 'deployment.apps "web" deleted\n')
    pods = [p["metadata"]["name"] for p in served.cluster.objects("Pod")]
    assert ("web-x" in pods) is kept


def test_delete_by_label_and_from_a_file(served, capsys, tmp_path):
    status, out, _ = served.run(capsys, "delete", "pods", "-l", "app=db", "-n", "kube-system")
    assert (status, out) == (0, 'pod "db-0" deleted\n')
    path = tmp_path / "cm.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n")
    assert served.run(capsys, "delete", "-f", str(path)) == (
        0,
        'configmap "settings" deleted\n',
        "",
    )


def test_delete_what_is_not_there(served, capsys):
    assert served.run(capsys, "delete", "cm", "nope") == (
        1,
        "",
        'error: configmaps "nope" not found\n',
    )
    assert served.run(capsys, "delete", "cm", "nope", "--ignore-not-found") == (0, "", "")
    status, _, err = served.run(capsys, "delete", "cm")
    assert status == 1
    assert "no name was specified" in err


def test_delete_wait_returns_once_the_object_is_gone(served, capsys):
    status, out, _ = served.run(capsys, "delete", "deploy", "web", "--cascade=foreground", "--wait")
    assert (status, out) == (0, 'deployment.apps "web" deleted\n')
    assert served.cluster.objects("Deployment") == []


def _names(served, kind):
    return sorted(o["metadata"]["name"] for o in served.cluster.objects(kind))


@needs_kubectl
@pytest.mark.parametrize(
    "argv",
    [
        "apply -f {path} --dry-run=server",
        "apply -f {path} --dry-run=none",
        "delete -f {path} --dry-run=server",
        "delete -f {path} --dry-run=client",
        "delete cm settings --dry-run=server",
        "delete deploy/web cm/settings --dry-run=client",
    ],
)
def test_dry_runs_print_what_kubectl_prints_and_change_nothing(served, capsys, tmp_path, argv):
    path = tmp_path / "api.yaml"
    path.write_text(DEPLOYMENT)
    served.cluster.load_yaml(DEPLOYMENT)  # so that deletes from the file find their objects
    words = argv.format(path=path).split()
    before = (_names(served, "Deployment"), _names(served, "ConfigMap"))
    status, out, err = served.run(capsys, *words)
    if words[-1] != "--dry-run=none":
        assert (_names(served, "Deployment"), _names(served, "ConfigMap")) == before
    # rawkube applies server-side, as field manager rawkube
    server_side = ["--server-side", "--field-manager=rawkube"] if words[0] == "apply" else []
    kubectl = served.kubectl(*words, *server_side)
    assert (status, out, err) == (kubectl.returncode, kubectl.stdout, kubectl.stderr)


def test_apply_dry_run_client_sends_nothing_but_checks_the_types(served, capsys, tmp_path):
    path = tmp_path / "api.yaml"
    path.write_text(DEPLOYMENT)
    assert served.run(capsys, "apply", "-f", str(path), "--dry-run=client") == (
        0,
        "deployment.apps/api serverside-applied (dry run)\n"
        "configmap/api-settings serverside-applied (dry run)\n",
        "",
    )
    assert "api" not in _names(served, "Deployment")
    assert "api-settings" not in _names(served, "ConfigMap")
    path.write_text("apiVersion: example.org/v1\nkind: Nothing\nmetadata: {name: x}\n")
    status, out, err = served.run(capsys, "apply", "-f", str(path), "--dry-run=client")
    assert (status, out) == (1, "")
    assert err.startswith(f"error: {path}: nothing.example.org/x: ")


def test_delete_dry_run_server_checks_the_object_is_there(served, capsys):
    status, out, err = served.run(capsys, "delete", "cm", "nope", "--dry-run=server")
    assert (status, out, err) == (1, "", 'error: configmaps "nope" not found\n')
    assert served.run(capsys, "delete", "deploy", "web", "--dry-run=server", "--wait")[:2] == (
        0,
        'deployment.apps "web" deleted (server dry run)\n',
    )
    assert "web" in _names(served, "Deployment")
