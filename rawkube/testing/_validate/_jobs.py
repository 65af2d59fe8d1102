"""Jobs and cron jobs."""

from __future__ import annotations

from typing import Any

from rawkube.testing._validate._causes import (
    Cause,
    Obj,
    Rule,
    as_dict,
    invalid,
    required,
    unsupported,
)
from rawkube.testing._validate._common import (
    immutable,
    non_negative,
    selector_causes,
)
from rawkube.testing._validate._pods import template_causes


def job_spec_causes(spec: Any, field: str, found: list[Cause], *, generated: bool) -> None:
    """A JobSpec (``generated``: its selector is the server's own, checked when made)."""
    spec = as_dict(spec)
    for key in (
        "parallelism",
        "completions",
        "backoffLimit",
        "activeDeadlineSeconds",
        "ttlSecondsAfterFinished",
    ):
        non_negative(spec.get(key), f"{field}.{key}", found)
    mode = spec.get("completionMode")
    if mode is not None and mode not in ("Indexed", "NonIndexed"):
        found.append(unsupported(f"{field}.completionMode", mode, ("NonIndexed", "Indexed")))
    if mode == "Indexed" and spec.get("completions") is None:
        found.append(required(f"{field}.completions", "when completion mode is Indexed"))
    manual = spec.get("manualSelector") is True
    if manual:
        if spec.get("selector") is None:
            found.append(required(f"{field}.selector"))
        else:
            selector_causes(spec.get("selector"), f"{field}.selector", found)
    template_causes(
        spec.get("template"),
        spec.get("selector"),
        f"{field}.template",
        found,
        restart="job",
        check_selector=manual or generated,
    )


def _job(obj: Obj, old: Obj | None, found: list[Cause]) -> None:
    spec = as_dict(obj.get("spec"))
    # On create the selector is made after this check (it needs the uid): see _defaults.
    job_spec_causes(spec, "spec", found, generated=old is not None)
    if old is not None:
        old_spec = as_dict(old.get("spec"))
        immutable(spec.get("selector"), old_spec.get("selector"), "spec.selector", found)
        if not old_spec.get("suspend"):
            immutable(spec.get("template"), old_spec.get("template"), "spec.template", found)
        immutable(
            spec.get("completionMode"), old_spec.get("completionMode"), "spec.completionMode", found
        )


_CRON_MACROS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")


def _cron_job(obj: Obj, old: Obj | None, found: list[Cause]) -> None:
    spec = as_dict(obj.get("spec"))
    schedule = spec.get("schedule")
    if isinstance(schedule, str) and schedule:
        text = schedule
        if text.startswith(("TZ=", "CRON_TZ=")):
            found.append(
                invalid(
                    "spec.schedule",
                    schedule,
                    "cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
                )
            )
        elif not (text in _CRON_MACROS or text.startswith("@every ")):
            fields = text.split()
            if len(fields) != 5:
                found.append(
                    invalid(
                        "spec.schedule",
                        schedule,
                        f"expected exactly 5 fields, found {len(fields)}: {text}",
                    )
                )
    policy = spec.get("concurrencyPolicy")
    if policy not in ("Allow", "Forbid", "Replace"):
        found.append(
            unsupported("spec.concurrencyPolicy", policy or "", ("Allow", "Forbid", "Replace"))
        )
    for key in ("startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
        non_negative(spec.get(key), f"spec.{key}", found)
    template = as_dict(spec.get("jobTemplate"))
    job_spec_causes(template.get("spec"), "spec.jobTemplate.spec", found, generated=False)


RULES: dict[tuple[str, str], Rule] = {
    ("batch", "Job"): _job,
    ("batch", "CronJob"): _cron_job,
}
