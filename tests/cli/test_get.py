"""``rawkube get``: the server's Table as kubectl prints it, and the objects as JSON, YAML, names."""

from __future__ import annotations

import json
import threading
import time

import pytest

import rawkube
from tests.cli.conftest import KUBECTL
from tests.crds import widget_crd

needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed here")


@needs_kubectl
@pytest.mark.parametrize(
    "argv",
    [
        "get pods",
        "get po -A",
        "get pods -o wide",
        "get deploy",
        "get deployments.apps web",
        "get deployment.v1.apps",
        "get svc,cm",
        "get deploy/web svc/web",
        "get ns",
        "get pods -l app=web -A",
        "get pods -o name -A",
        "get secrets",
        "get pods -n kube-system",
        "get pods --field-selector metadata.name=db-0 -A",
        "get pods -A -o json",
        "get deploy web -o yaml",
        "get svc/web -o json",
        "get cm -o yaml",
        "get jobs -o json",
        "get jobs -o name",
        "api-resources",
        "api-resources -o name",
        "api-resources --namespaced=false",
    ],
)
def test_prints_what_kubectl_prints_on_the_same_cluster(served, capsys, argv):
    status, out, err = served.run(capsys, *argv.split())
    kubectl = served.kubectl(*argv.split())
    assert (status, out, err) == (kubectl.returncode, kubectl.stdout, kubectl.stderr)


# Pods whose labels, numbers, phases and names tell kubectl's orders apart: ``a.b=1`` before
# ``a=2`` among labels, 9 before 10 before 100 but web-10 before web-9, the ones without a field.
MORE = """
apiVersion: v1
kind: Pod
metadata: {name: web-10, labels: {tier: back, app: api, app.kubernetes.io/name: api}}
spec: {containers: [{name: app, image: nginx:2}], priority: 10, hostNetwork: true}
status: {phase: Pending}
---
apiVersion: v1
kind: Pod
metadata: {name: web-9, labels: {b: "2", a: "1"}}
spec: {containers: [{name: app, image: nginx:1}], priority: 9, hostNetwork: false}
status: {phase: Succeeded}
---
apiVersion: v1
kind: Pod
metadata: {name: nolabels}
spec: {containers: [{name: app, image: busybox}], priority: 100}
status: {phase: Failed}
"""


@needs_kubectl
@pytest.mark.parametrize(
    "argv",
    [
        "get pods --show-labels",
        "get pods -A --show-labels -o wide",
        "get pods -A -L app,tier -L missing --show-labels",
        "get pods -L app.kubernetes.io/name -L tier",
        "get deploy,pods -A --show-labels",
        "get deploy web --show-labels -L app",
        "get pods --sort-by=.metadata.name",
        "get pods -A --sort-by={.status.phase}",
        "get pods --sort-by=.spec.priority",
        "get pods --sort-by=.metadata.creationTimestamp",
        "get pods --sort-by=.metadata.labels.app -L app",
        "get pods -A --sort-by={.metadata.labels.tier} -o name",
        "get pods -A --sort-by={.spec.containers[0].image} --show-labels",
        "get pods -A --sort-by=metadata.namespace -o name",
        "get pods --sort-by=.spec.priority -o yaml",
        "get pods -A --sort-by=.nope -o name",
        "get pods --sort-by=.metadata.name -l app=none",
    ],
)
def test_labels_and_sorting_as_kubectl_prints_them(served, capsys, argv):
    served.cluster.load_yaml(MORE)
    status, out, err = served.run(capsys, *argv.split())
    kubectl = served.kubectl(*argv.split())
    assert (status, out, err) == (kubectl.returncode, kubectl.stdout, kubectl.stderr)


def test_labels_are_columns_and_sorted_pairs(served, capsys):
    served.cluster.load_yaml(MORE)
    status, out, _ = served.run(
        capsys, "get", "pods", "--show-labels", "-L", "app.kubernetes.io/name"
    )
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert status == 0
    assert lines["NAME"].split()[-2:] == ["NAME", "LABELS"]
    assert lines["web-10"].endswith("   api    app.kubernetes.io/name=api,app=api,tier=back")
    assert lines["nolabels"].endswith("<none>")


def test_sort_by_orders_numbers_by_value_and_strings_by_characters(served, capsys):
    served.cluster.load_yaml(MORE)
    _, out, _ = served.run(capsys, "get", "pods", "--sort-by", ".spec.priority", "-o", "name")
    # web-0 has no priority: first, as kubectl puts what lacks the field
    assert out.split() == ["pod/web-0", "pod/web-9", "pod/web-10", "pod/nolabels"]
    # booleans, false first (kubectl gives up on them): the two without it first, last first
    _, out, _ = served.run(capsys, "get", "pods", "--sort-by", ".spec.hostNetwork", "-o", "name")
    assert out.split() == ["pod/web-0", "pod/nolabels", "pod/web-9", "pod/web-10"]
    _, out, _ = served.run(capsys, "get", "pods", "--sort-by", "{.metadata.name}")
    assert [line.split()[0] for line in out.splitlines()] == [
        "NAME",
        "nolabels",
        "web-0",
        "web-10",
        "web-9",
    ]


def test_sort_by_sorts_the_objects_named_too(served, capsys):
    served.cluster.load_yaml(MORE)
    _, out, _ = served.run(capsys, "get", "pods", "web-9", "nolabels", "--sort-by=.metadata.name")
    assert [line.split()[0] for line in out.splitlines()] == ["NAME", "nolabels", "web-9"]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("{.metadata.name", "error: --sort-by '{.metadata.name': unbalanced braces\n"),
        (".spec.containers[*]", "error: --sort-by '.spec.containers[*]': the jsonpath"),
        (".metadata", "error: the field {.metadata} holds a map or a list: it does not sort\n"),
    ],
)
def test_a_sort_path_that_cannot_sort_is_one_error_line(served, capsys, path, message):
    status, out, err = served.run(capsys, "get", "pods", "--sort-by", path)
    assert (status, out) == (1, "")
    assert err.startswith(message)
    assert err.count("\n") == 1


def test_watch_rows_carry_the_label_columns(served, capsys, monkeypatch):
    import builtins

    real_print = print

    def spying_print(*args, **kwargs):
        real_print(*args, **kwargs)
        if " ".join(str(a) for a in args).startswith("web-1 "):
            raise KeyboardInterrupt

    def change() -> None:
        time.sleep(0.5)
        served.cluster.create(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "web-1", "namespace": "default", "labels": {"app": "x"}},
            }
        )

    monkeypatch.setattr(builtins, "print", spying_print)
    worker = threading.Thread(target=change)
    worker.start()
    try:
        status, out, _ = served.run(capsys, "get", "pods", "-w", "-L", "app", "--show-labels")
    finally:
        worker.join()
    lines = out.splitlines()
    assert status == 130
    assert lines[0].split()[-2:] == ["APP", "LABELS"]
    assert lines[2].split()[-2:] == ["x", "app=x"]


def test_nothing_found_is_said_on_stderr(served, capsys):
    assert served.run(capsys, "get", "jobs") == (
        0,
        "",
        "No resources found in default namespace.\n",
    )
    assert served.run(capsys, "get", "jobs", "-A") == (0, "", "No resources found\n")


def test_a_list_as_json_or_yaml_is_a_List_of_typed_items(served, capsys):
    status, out, _ = served.run(capsys, "get", "pods", "-A", "-o", "json")
    document = json.loads(out)
    assert (status, document["apiVersion"], document["kind"]) == (0, "v1", "List")
    assert [(i["kind"], i["metadata"]["name"]) for i in document["items"]] == [
        ("Pod", "web-0"),
        ("Pod", "db-0"),
    ]
    status, out, _ = served.run(capsys, "get", "pods", "-A", "-o", "yaml")
    assert out.startswith("apiVersion: v1\nitems:\n")
    pods = rawkube.load_all_yaml(out)  # a List is read as its items
    assert [p.metadata.name for p in pods] == ["web-0", "db-0"]


def test_one_object_as_yaml_is_the_object(served, capsys):
    status, out, _ = served.run(capsys, "get", "cm/settings", "-o", "yaml")
    [config_map] = rawkube.load_all_yaml(out)
    assert (status, config_map.data) == (0, {"mode": "fast", "port": "8080"})
    assert 'port: "8080"' in out


def test_a_name_not_found_is_one_line_and_the_others_still_print(served, capsys):
    status, out, err = served.run(capsys, "get", "pods", "nope", "web-0")
    assert status == 1
    assert err == 'error: pods "nope" not found\n'
    assert out.splitlines()[1].startswith("web-0 ")


def test_an_unknown_type_suggests_close_ones(served, capsys):
    status, out, err = served.run(capsys, "get", "pod5")
    assert (status, out) == (1, "")
    assert err.startswith('error: the server doesn\'t have a resource type "pod5"')
    assert err.count("\n") == 1


def test_options_go_before_or_after_the_command(served, capsys):
    after = served.run(capsys, "get", "pods", "-n", "kube-system")
    before = served.run(capsys, "-n", "kube-system", "get", "pods")
    assert after == before
    assert "db-0" in after[1]


def test_a_crd_resolves_through_discovery(served, capsys):
    crd = widget_crd("example.com")
    served.cluster.create(crd)
    served.cluster.create(
        {
            "apiVersion": "example.com/v1",
            "kind": "Widget",
            "metadata": {"name": "w1", "namespace": "default"},
        }
    )
    status, out, _ = served.run(capsys, "get", "wd", "-o", "name")
    assert (status, out) == (0, "widget.example.com/w1\n")


def test_watch_prints_rows_as_changes_come(served, capsys, monkeypatch):
    """-w: the table, then a row per change; Ctrl-C ends it with 130 and no traceback."""
    real_print = print

    def change_then_interrupt() -> None:
        time.sleep(0.5)
        served.cluster.create(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "web-1", "namespace": "default"},
            }
        )

    import builtins

    def spying_print(*args, **kwargs):
        real_print(*args, **kwargs)
        text = " ".join(str(a) for a in args)
        if text.startswith("web-1 "):
            raise KeyboardInterrupt  # as Ctrl-C would, in the main thread

    monkeypatch.setattr(builtins, "print", spying_print)
    worker = threading.Thread(target=change_then_interrupt)
    worker.start()
    try:
        status, out, err = served.run(capsys, "get", "pods", "-w")
    finally:
        worker.join()
    assert status == 130
    lines = out.splitlines()
    assert lines[0].startswith("NAME ")
    assert lines[1].startswith("web-0 ")
    assert lines[2].startswith("web-1 ")
    assert lines[2].index("0s") == lines[0].index("AGE")  # aligned under the header
    assert err == ""


@needs_kubectl
@pytest.mark.parametrize(
    "argv",
    [
        "get cm applied -o yaml",
        "get cm -o json",
        "get cm applied -o yaml --show-managed-fields",
        "get cm -o json --show-managed-fields",
    ],
)
def test_managed_fields_are_left_out_unless_asked_for_as_kubectl_does(served, capsys, argv):
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: applied}\ndata: {a: b}\n"
    applied = served.rawkube("apply", "-f", "-", input=manifest)
    assert applied.returncode == 0, applied.stderr
    status, out, err = served.run(capsys, *argv.split())
    kubectl = served.kubectl(*argv.split())
    assert (status, out, err) == (kubectl.returncode, kubectl.stdout, kubectl.stderr)
    assert ("managedFields" in out) == ("--show-managed-fields" in argv)
