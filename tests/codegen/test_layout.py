"""The generated code's layout is ruff's: many field shapes laid out, then checked by ruff format."""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rawkube.codegen._layout import docstring, field_lines, literal, too_long

ROOT = Path(__file__).resolve().parents[2]


def ruff() -> list[str]:
    probe = subprocess.run([sys.executable, "-m", "ruff", "--version"], capture_output=True)
    if probe.returncode == 0:
        return [sys.executable, "-m", "ruff"]
    found = shutil.which("ruff")
    if found is None:
        pytest.skip("ruff is not installed")
    return [found]


def name(rng: random.Random, low: int, high: int, *, title: bool) -> str:
    text = "".join(rng.choice("abcdefghij") for _ in range(rng.randint(low, high)))
    return text.capitalize() if title else text


def a_field(rng: random.Random) -> list[str]:
    attr = name(rng, 1, 90, title=False)
    cls = name(rng, 3, 95, title=True)
    annotation = rng.choice(
        [
            f"Annotated[{cls} | None, Lazy]",
            f"Annotated[list[{cls}] | None, Lazy]",
            f"{cls} | None",
            f"list[{cls}] | None",
            "str | None",
            "dict[str, Any] | None",
            "Any",
        ]
    )
    args = [literal(name(rng, 1, 80, title=False))]
    if rng.random() < 0.3:
        args.append(literal(name(rng, 1, 60, title=False)))
    value = rng.choice(
        ["None", literal(name(rng, 1, 70, title=False)), f"api_field({', '.join(args)})"]
    )
    return field_lines(attr, annotation, value)


def a_docstring(rng: random.Random) -> list[str]:
    words = [
        rng.choice(['"quoted"', "word", "back\\slash", "x" * 40, "'", "end."])
        for _ in range(rng.randint(1, 40))
    ]
    text = " ".join(words)
    if rng.random() < 0.3:
        text += '"'
    if rng.random() < 0.3:
        text = f"{text}\n\n  indented line\n{text}"
    return docstring(text, "    ")


def test_fields_and_docstrings_are_laid_out_as_ruff_formats_them(tmp_path):
    rng = random.Random(22)
    lines = ["class A:"]
    for _ in range(600):
        lines += a_field(rng)
        if rng.random() < 0.3:
            lines += a_docstring(rng)
    text = "\n".join(lines) + "\n"
    path = tmp_path / "laid_out.py"
    path.write_text(text)
    config = ["--config", str(ROOT / "pyproject.toml")]
    done = subprocess.run(
        [*ruff(), "format", "--diff", *config, str(path)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout[:6000]


def test_literals_read_back_as_the_value():
    for value in [
        "plain",
        'say "hi"',
        "it's",
        "both ' and \"",
        "back\\slash",
        "tab\there",
        3,
        1.5,
        True,
    ]:
        assert eval(literal(value)) == value


def test_a_line_is_too_long_unless_it_is_one_word_or_ends_in_a_url():
    assert not too_long("x" * 100)
    assert too_long("a " + "x" * 100)
    assert not too_long("    " + "x" * 120)
    assert not too_long("    see https://example.com/" + "x" * 100)
    assert too_long("    see https://example.com/" + "x" * 100 + " and more")
