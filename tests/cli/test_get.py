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
