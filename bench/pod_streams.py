"""Exec and port-forward throughput over WebSocket, rawkube beside kr8s and the official client.

    python bench/pod_streams.py [--runs 3] [--exec-mb 10] [--forward-mb 100] [--clients ...]

Serves rawkube's fake cluster on loopback (``rawkube.testing``, the same server for every
client) with one running pod: a command that prints ``--exec-mb`` MB, and an echo on port
8080. Each client then runs, in a fresh process of its own:

- ``exec``: the command, run to its end, its stdout read whole (the bytes are counted);
- ``forward``: ``--forward-mb`` MB sent to the pod's port and the same MB read back as they
  come, through the client's programmatic stream where it has one (rawkube's ``forward``, the
  official client's ``portforward``) or else through its local listener (kr8s, and rawkube's
  ``port_forward`` as ``rawkube-listener``).

It prints the median of ``--runs`` (wall seconds, MB/s, and the client process's CPU seconds:
what the client spent, not the server), and skips a client that is not installed. The server
is the same Python process for all, so the figures compare clients; the server's own cost is
the ceiling they share.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

NAMESPACE = "bench"
POD = "streams"
PORT = 8080
CHUNK = 64 * 1024
CLIENTS = ["rawkube", "rawkube-async", "rawkube-listener", "kubernetes", "kr8s"]


# --- the clients, each run in a process of its own -----------------------------------------


def _payload(mb: int) -> bytes:
    return bytes(range(256)) * (mb * 4096)  # mb MiB, of every byte value


def _exec_rawkube(kubeconfig: str, mb: int) -> Callable[[], int]:
    import rawkube

    pods = rawkube.Client.from_kubeconfig(kubeconfig).core_v1.pods(NAMESPACE)

    def run() -> int:
        result = pods.exec(POD, ["print", str(mb)])
        assert result.exit_code == 0, result.stderr
        return len(result.stdout)

    return run


def _exec_rawkube_async(kubeconfig: str, mb: int) -> Callable[[], int]:
    import asyncio

    import rawkube

    pods = rawkube.AsyncClient(rawkube.load_config(kubeconfig)).core_v1.pods(NAMESPACE)

    async def run() -> int:
        result = await pods.exec(POD, ["print", str(mb)])
        assert result.exit_code == 0, result.stderr
        return len(result.stdout)

    return lambda: asyncio.run(run())


def _exec_kubernetes(kubeconfig: str, mb: int) -> Callable[[], int]:
    from kubernetes import client, config
    from kubernetes.stream import stream

    config.load_kube_config(kubeconfig)
    api = client.CoreV1Api()

    def run() -> int:
        out = stream(
            api.connect_get_namespaced_pod_exec,
            POD,
            NAMESPACE,
            command=["print", str(mb)],
            stderr=True,
            stdin=False,
            stdout=True,
            tty=False,
            _preload_content=False,
            binary=True,
        )
        size = 0
        while out.is_open():
            out.update(timeout=1)
            if out.peek_stdout():
                size += len(out.read_stdout())
        out.close()
        return size

    return run


def _exec_kr8s(kubeconfig: str, mb: int) -> Callable[[], int]:
    import kr8s

    api = kr8s.api(kubeconfig=kubeconfig)
    pod = kr8s.objects.Pod.get(POD, namespace=NAMESPACE, api=api)
    return lambda: len(pod.exec(["print", str(mb)]).stdout)


def _pump_socket(sock: Any, payload: bytes) -> int:
    """Send ``payload`` on a connected socket while reading the echo; the bytes read back."""

    def send() -> None:
        view = memoryview(payload)
        for start in range(0, len(view), CHUNK):
            sock.sendall(view[start : start + CHUNK])

    sender = threading.Thread(target=send)
    sender.start()
    got = 0
    while got < len(payload):
        data = sock.recv(CHUNK)
        if not data:
            break
        got += len(data)
    sender.join()
    return got


def _forward_rawkube(kubeconfig: str, mb: int) -> Callable[[], int]:
    import rawkube

    payload = _payload(mb)
    pods = rawkube.Client.from_kubeconfig(kubeconfig).core_v1.pods(NAMESPACE)

    def run() -> int:
        with pods.forward(POD, PORT) as stream:

            def send() -> None:
                view = memoryview(payload)
                for start in range(0, len(view), CHUNK):
                    stream.send(bytes(view[start : start + CHUNK]))

            sender = threading.Thread(target=send)
            sender.start()
            got = 0
            while got < len(payload):
                data = stream.receive()
                if not data:
                    break
                got += len(data)
            sender.join()
            return got

    return run


def _forward_rawkube_async(kubeconfig: str, mb: int) -> Callable[[], int]:
    import asyncio

    import rawkube

    payload = _payload(mb)
    pods = rawkube.AsyncClient(rawkube.load_config(kubeconfig)).core_v1.pods(NAMESPACE)

    async def run() -> int:
        async with pods.forward(POD, PORT) as stream:

            async def send() -> None:
                view = memoryview(payload)
                for start in range(0, len(view), CHUNK):
                    await stream.send(bytes(view[start : start + CHUNK]))

            sender = asyncio.create_task(send())
            got = 0
            while got < len(payload):
                data = await stream.receive()
                if not data:
                    break
                got += len(data)
            await sender
            return got

    return lambda: asyncio.run(run())


def _forward_rawkube_listener(kubeconfig: str, mb: int) -> Callable[[], int]:
    import rawkube

    payload = _payload(mb)
    pods = rawkube.Client.from_kubeconfig(kubeconfig).core_v1.pods(NAMESPACE)

    def run() -> int:
        with pods.port_forward(POD, [(0, PORT)]) as forward:
            local = forward.local_port(PORT)
            with socket.create_connection(("127.0.0.1", local)) as sock:
                return _pump_socket(sock, payload)

    return run


def _forward_kubernetes(kubeconfig: str, mb: int) -> Callable[[], int]:
    from kubernetes import client, config
    from kubernetes.stream import portforward

    config.load_kube_config(kubeconfig)
    api = client.CoreV1Api()
    payload = _payload(mb)

    def run() -> int:
        forward = portforward(
            api.connect_get_namespaced_pod_portforward, POD, NAMESPACE, ports=str(PORT)
        )
        sock = forward.socket(PORT)
        sock.setblocking(True)
        try:
            return _pump_socket(sock, payload)
        finally:
            sock.close()
            forward.close()

    return run


def _forward_kr8s(kubeconfig: str, mb: int) -> Callable[[], int]:
    import kr8s

    api = kr8s.api(kubeconfig=kubeconfig)
    pod = kr8s.objects.Pod.get(POD, namespace=NAMESPACE, api=api)
    payload = _payload(mb)

    def run() -> int:
        with (
            pod.portforward(PORT, local_port="auto") as local,
            socket.create_connection(("127.0.0.1", local)) as sock,
        ):
            return _pump_socket(sock, payload)

    return run


TASKS: dict[tuple[str, str], Callable[[str, int], Callable[[], int]]] = {
    ("exec", "rawkube"): _exec_rawkube,
    ("exec", "rawkube-async"): _exec_rawkube_async,
    ("exec", "kubernetes"): _exec_kubernetes,
    ("exec", "kr8s"): _exec_kr8s,
    ("forward", "rawkube"): _forward_rawkube,
    ("forward", "rawkube-async"): _forward_rawkube_async,
    ("forward", "rawkube-listener"): _forward_rawkube_listener,
    ("forward", "kubernetes"): _forward_kubernetes,
    ("forward", "kr8s"): _forward_kr8s,
}


def worker(task: str, client: str, kubeconfig: str, mb: int) -> None:
    """Run one task once and print a JSON line: seconds, CPU seconds and bytes.

    What the client imports and builds before the first request is left out: the figures are
    the transfer's, from the call to its result.
    """
    run = TASKS[(task, client)](kubeconfig, mb)
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    size = run()
    seconds = time.perf_counter() - start
    end = resource.getrusage(resource.RUSAGE_SELF)
    used = (end.ru_utime - cpu.ru_utime) + (end.ru_stime - cpu.ru_stime)
    print(json.dumps({"seconds": seconds, "cpu": used, "bytes": size}))


# --- the server and the report ---------------------------------------------------------------


def installed(client: str) -> bool:
    module = {"kubernetes": "kubernetes", "kr8s": "kr8s"}.get(client, "rawkube")
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--exec-mb", type=int, default=10)
    parser.add_argument("--forward-mb", type=int, default=100)
    parser.add_argument("--clients", default=",".join(CLIENTS))
    parser.add_argument("--tasks", default="exec,forward")
    parser.add_argument("--timeout", type=float, default=300, help="seconds a run may take")
    parser.add_argument("--worker", nargs=4, metavar=("TASK", "CLIENT", "KUBECONFIG", "MB"))
    args = parser.parse_args()
    if args.worker:
        task, client, kubeconfig, mb = args.worker
        worker(task, client, kubeconfig, int(mb))
        return

    from rawkube.models.core_v1 import Container, Namespace, Pod, PodCondition, PodSpec, PodStatus
    from rawkube.testing import FakeCluster, echo

    pod = Pod(
        metadata={"name": POD, "namespace": NAMESPACE},
        spec=PodSpec(node_name="node-1", containers=[Container(name="app", image="busybox")]),
        # Running and ready: kr8s waits for Ready and ContainersReady before it execs.
        status=PodStatus(
            phase="Running",
            conditions=[
                PodCondition(type="Ready", status="True"),
                PodCondition(type="ContainersReady", status="True"),
            ],
        ),
    )
    cluster = FakeCluster([Namespace(metadata={"name": NAMESPACE}), pod])
    outputs: dict[int, bytes] = {}

    def prints(call: Any) -> tuple[bytes, bytes, int]:
        mb = int(call.command[1])
        if mb not in outputs:
            outputs[mb] = _payload(mb)
        return outputs[mb], b"", 0

    cluster.on_exec(prints, namespace=NAMESPACE, pod=POD)
    cluster.on_port(PORT, echo, namespace=NAMESPACE, pod=POD)

    clients = [c for c in args.clients.split(",") if c]
    with cluster.serve() as server, tempfile.TemporaryDirectory() as folder:
        kubeconfig = str(server.write_kubeconfig(Path(folder) / "kubeconfig", NAMESPACE))
        print(f"python {sys.version.split()[0]}, server {server.url}, {args.runs} runs, median")
        print("| task | client | seconds | MB/s | client CPU s |")
        print("|---|---|---|---|---|")
        for task in args.tasks.split(","):
            mb = args.exec_mb if task == "exec" else args.forward_mb
            for client in clients:
                if (task, client) not in TASKS:
                    continue
                if not installed(client):
                    print(f"| {task} {mb} MB | {client} | not installed | | |")
                    continue
                runs = []
                for _ in range(args.runs):
                    command = [sys.executable, __file__, "--worker", task, client, kubeconfig]
                    try:
                        done = subprocess.run(
                            [*command, str(mb)],
                            capture_output=True,
                            text=True,
                            timeout=args.timeout,
                            check=False,
                            env={**os.environ, "PYTHONWARNINGS": "ignore"},
                        )
                    except subprocess.TimeoutExpired:
                        runs = []
                        print(f"| {task} {mb} MB | {client} | over {args.timeout} s | | |")
                        break
                    if done.returncode != 0:
                        why = (done.stderr.strip().splitlines() or ["?"])[-1]
                        runs = []
                        print(f"| {task} {mb} MB | {client} | failed: {why[:80]} | | |")
                        break
                    runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
                if not runs:
                    continue
                expected = len(_payload(mb))
                if any(r["bytes"] != expected for r in runs):
                    print(f"| {task} {mb} MB | {client} | wrong size {runs[0]['bytes']} | | |")
                    continue
                seconds = statistics.median(r["seconds"] for r in runs)
                cpu = statistics.median(r["cpu"] for r in runs)
                rate = expected / (1 << 20) / seconds
                print(f"| {task} {mb} MB | {client} | {seconds:.2f} | {rate:.0f} | {cpu:.2f} |")


if __name__ == "__main__":
    main()
