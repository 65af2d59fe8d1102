"""``load_config()``: find the kubeconfig files (or the pod's settings) and resolve one Config."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rawkube.config._config import Config
from rawkube.config.incluster import DEFAULT_SA_DIR, incluster_config, incluster_unavailable_reason
from rawkube.core._clock import SYSTEM_CLOCK, Clock
from rawkube.core._exceptions import ConfigError

__all__ = ["KubeconfigSearch", "find_kubeconfigs", "load_config"]


@dataclass(frozen=True)
class KubeconfigSearch:
    """The kubeconfig files found (in merge order), and what was tried, for the error message."""

    files: tuple[Path, ...]
    tried: tuple[str, ...]


def find_kubeconfigs(
    kubeconfig: str | os.PathLike[str] | None, environ: Mapping[str, str]
) -> KubeconfigSearch:
    """Which kubeconfig files to merge, by kubectl's rules (see :func:`load_config`).

    Raises:
        ConfigError: an explicit ``kubeconfig`` path does not exist or is not a file.
    """
    if kubeconfig is not None:
        path = Path(os.path.expanduser(os.fspath(kubeconfig)))
        if not path.exists():
            raise ConfigError(f"kubeconfig {path}: does not exist")
        if not path.is_file():
            raise ConfigError(f"kubeconfig {path}: is not a file")
        return KubeconfigSearch((path,), (f"{path}: given",))
    listed = _kubeconfig_env_paths(environ.get("KUBECONFIG", ""))
    if listed:
        found = tuple(path for path in listed if path.exists())
        if found:
            return KubeconfigSearch(found, ())
        shown = os.pathsep.join(str(path) for path in listed)
        return KubeconfigSearch((), (f"KUBECONFIG={shown}: none of these files exist",))
    home = _home(environ)
    if home is None:
        return KubeconfigSearch((), ("KUBECONFIG unset", "home directory unknown"))
    default = home / ".kube" / "config"
    if default.exists():
        return KubeconfigSearch((default,), ())
    return KubeconfigSearch((), ("KUBECONFIG unset", f"{default}: does not exist"))


def _kubeconfig_env_paths(value: str) -> list[Path]:
    """The KUBECONFIG list without empty entries or repeats (kubectl drops both)."""
    paths: list[Path] = []
    for entry in value.split(os.pathsep):
        if entry and Path(entry) not in paths:
            paths.append(Path(entry))
    return paths


def _home(environ: Mapping[str, str]) -> Path | None:
    if environ.get("HOME"):
        return Path(environ["HOME"])
    try:
        return Path.home()
    except RuntimeError:
        return None


def load_config(
    kubeconfig: str | os.PathLike[str] | None = None,
    *,
    context: str | None = None,
    namespace: str | None = None,
    clock: Clock = SYSTEM_CLOCK,
    environ: Mapping[str, str] | None = None,
    service_account_dir: str | os.PathLike[str] = DEFAULT_SA_DIR,
) -> Config:
    """Resolve the Config kubectl would use.

    Sources, in order; the first that yields a file is used:

    1. ``kubeconfig``, when given: that file alone. It must exist.
    2. ``KUBECONFIG``: a list split on ``os.pathsep``; empty entries and repeats are dropped and
       missing files skipped; the rest are merged (the first file to define an entry or
       ``current-context`` wins). When it lists any file, ``~/.kube/config`` is not read, as with
       kubectl.
    3. ``~/.kube/config`` (the home directory from ``HOME``).
    4. In-cluster settings (:func:`~rawkube.config.incluster.incluster_config`), only when no
       kubeconfig file exists and ``KUBERNETES_SERVICE_HOST``/``_PORT`` are set.

    A file that exists but is malformed is an error, never a reason to try the next source.
    Files are read only if they are regular files (never a FIFO or device), and only up to a
    limit: 16 MiB for a kubeconfig, 1 MiB for a certificate, key or token file.
    ``context`` picks a context instead of ``current-context``; ``namespace`` overrides the
    context's namespace (itself ``default`` when unset). ``clock``, ``environ`` (default
    ``os.environ``) and ``service_account_dir`` exist for tests.

    Raises:
        ConfigError: the explicit file does not exist; a file is unreadable, not a regular
            file, too large or malformed (the message names the file and key, never a value);
            the context is unknown (the message lists the
            available ones); nothing is found (the message names each source tried and why); or
            ``context`` is given but only in-cluster settings exist.
    """
    env = os.environ if environ is None else environ
    search = find_kubeconfigs(kubeconfig, env)
    if search.files:
        # Reading and resolving kubeconfig files loads on the first call, not with rawkube.
        from rawkube.config.build import config_from_kubeconfig
        from rawkube.config.kubeconfig import merge_kubeconfigs, read_kubeconfig

        merged = merge_kubeconfigs([read_kubeconfig(path) for path in search.files])
        return config_from_kubeconfig(
            merged, context=context, namespace=namespace or None, clock=clock
        )
    reason = incluster_unavailable_reason(env)
    if reason is not None:
        raise ConfigError(
            "no configuration found: " + "; ".join((*search.tried, f"in-cluster: {reason}"))
        )
    if context:
        from rawkube.config._fields import quoted

        raise ConfigError(
            f"context {quoted(context)} requested, but there is no kubeconfig file "
            f"({'; '.join(search.tried)}); only in-cluster settings were found"
        )
    try:
        config = incluster_config(service_account_dir, env, clock=clock)
    except ConfigError as exc:
        raise ConfigError(
            "no configuration found: " + "; ".join((*search.tried, str(exc)))
        ) from None
    return config.replace(namespace=namespace) if namespace else config
