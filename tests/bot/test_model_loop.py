"""compare and promote on real (tiny) models trained from English data that differ by intent.

Three models are trained once per session (tests/bot/config-tiny.yml, a few epochs):
the full English data, the same without ask_shelter, and the same without the help
intents (request_help, emergency). Rasa's training cache makes repeated runs quick.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kakekomi_bot.maintain import compare, evaluate, paths, promote

CONFIG = Path(__file__).with_name("config-tiny.yml")
ENGLISH = ("en",)
# Help requests from the English training data: any model that learned them catches them.
CAUGHT = """\
version: "3.1"
nlu:
- intent: request_help
  examples: |
    - i need help
    - help me please
- intent: emergency
  examples: |
    - he has a knife
    - i want to die
"""


def train_tiny(data: Path, out: Path, name: str) -> Path:
    from rasa.model_training import train_nlu

    model = train_nlu(str(CONFIG), str(data), str(out), fixed_model_name=name)
    assert model is not None
    return Path(model)


@pytest.fixture(scope="session")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The three tiny models, by name: full, no_shelter, no_help."""
    root = tmp_path_factory.mktemp("tiny")
    drop = {"full": [], "no_shelter": ["shelter.yml"], "no_help": ["help.yml"]}
    trained = {}
    for name, files in drop.items():
        data = root / name / "en"
        shutil.copytree(paths.NLU_DATA / "nlu" / "en", data)
        for file in files:
            (data / file).unlink()
        trained[name] = train_tiny(data.parent, root / "models", name)
    return trained


@pytest.fixture(scope="session")
def reports(models: dict[str, Path]) -> dict[str, dict]:
    """Each model evaluated on the English held-out and must-catch files."""
    return {name: evaluate.evaluate(model, languages=ENGLISH) for name, model in models.items()}


@pytest.fixture
def caught(tmp_path: Path) -> Path:
    """A must-catch folder of help requests that every model with help intents catches."""
    folder = tmp_path / "must_catch"
    folder.mkdir()
    (folder / "en.yml").write_text(CAUGHT, encoding="utf-8")
    return folder


def test_compare_shows_the_removed_intent_got_worse(reports: dict[str, dict]) -> None:
    comparison = compare.compare(reports["full"], reports["no_shelter"])
    worst = comparison["worse"][0]
    assert (worst["language"], worst["intent"]) == ("en", "ask_shelter")
    assert worst["before"] > 0.7
    assert worst["after"] == 0.0
    assert comparison["languages"]["en"]["macro_f1"]["delta"] < 0
    text = compare.render(comparison)
    assert f"- en ask_shelter: {worst['before']:.3f} → 0.000" in text


def test_compare_reads_report_files_too(reports: dict[str, dict], tmp_path: Path) -> None:
    for name in ("full", "no_shelter"):
        evaluate.write_report(reports[name], tmp_path / name)
    from kakekomi_bot.maintain.cli import main

    out = tmp_path / "compare.md"
    argv = ["compare", str(tmp_path / "full" / "report.json")]
    assert main([*argv, str(tmp_path / "no_shelter" / "report.json"), "--out", str(out)]) == 0
    assert "en ask_shelter" in out.read_text(encoding="utf-8").split("## Worse")[1]


def test_the_report_has_every_figure(reports: dict[str, dict], tmp_path: Path) -> None:
    report = reports["full"]
    english = report["languages"]["en"]
    assert set(english) == {
        "macro_f1",
        "intents",
        "help_recall",
        "out_of_scope_false_accept",
        "false_emergency",
        "benchmark",
    }
    assert english["intents"]["ask_shelter"]["support"] > 0
    assert english["out_of_scope_false_accept"]["support"] > 0
    assert english["benchmark"]["false_accept"]["support"] >= 150
    assert english["benchmark"]["negatives_false_emergency"]["support"] >= 60
    assert report["must_catch"]["total"] >= 15
    assert report["parse_latency_ms"]["p50"] > 0
    evaluate.write_report(report, tmp_path)
    assert (tmp_path / "confusion.png").read_bytes().startswith(b"\x89PNG")
    assert "| en |" in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_promote_refuses_a_model_without_the_help_intents(
    models: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "var"
    code = promote.check_and_promote(
        models["no_help"], data_dir, reports=tmp_path / "reports", languages=ENGLISH
    )
    assert code == 1
    assert not paths.live_model_pointer(data_dir).exists()
    errors = capsys.readouterr().err
    assert "REFUSED: misses must-catch [en]" in errors
    assert "not promoted" in errors


def test_promote_refuses_a_worse_model_unless_forced_and_signals_the_stack(
    models: dict[str, Path], caught: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "var"
    options = {"reports": tmp_path / "reports", "languages": ENGLISH, "must_catch": caught}
    assert promote.check_and_promote(models["full"], data_dir, **options) == 0
    assert paths.read_live_model(data_dir) == models["full"].resolve()

    # ask_shelter is gone: English macro-F1 falls far more than the margin.
    assert promote.check_and_promote(models["no_shelter"], data_dir, **options) == 1
    assert "REFUSED: en macro-F1 fell from" in capsys.readouterr().err
    assert paths.read_live_model(data_dir) == models["full"].resolve()

    stack = subprocess.Popen(  # a stand-in for the stack: records the SIGHUP it gets
        [sys.executable, "-c", SIGHUP_RECORDER, str(tmp_path / "hup")]
    )
    try:
        wait_for(tmp_path / "hup.ready")
        (data_dir / "stack.pid").write_text(f"{stack.pid}\n")
        forced = promote.check_and_promote(models["no_shelter"], data_dir, force=True, **options)
        assert forced == 0
        assert paths.read_live_model(data_dir) == models["no_shelter"].resolve()
        wait_for(tmp_path / "hup")
    finally:
        stack.kill()
        stack.wait()
    # The pointer was replaced atomically: no temporary file is left behind.
    assert {p.name for p in data_dir.iterdir()} == {"live-model", "stack.pid"}


def test_force_never_lets_a_must_catch_miss_through(
    models: dict[str, Path], tmp_path: Path
) -> None:
    data_dir = tmp_path / "var"
    code = promote.check_and_promote(
        models["no_help"], data_dir, force=True, reports=tmp_path / "r", languages=ENGLISH
    )
    assert code == 1
    assert paths.read_live_model(data_dir) is None


SIGHUP_RECORDER = """\
import pathlib, signal, sys, time
out = pathlib.Path(sys.argv[1])
signal.signal(signal.SIGHUP, lambda *_: out.write_text("hup"))
out.with_suffix(".ready").write_text("ready")
time.sleep(900)  # outlives the forced promote's two evaluations on a loaded machine
"""


def wait_for(path: Path, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def test_a_stale_stack_pid_is_not_signalled(tmp_path: Path) -> None:
    model = tmp_path / "model.tar.gz"
    model.write_bytes(b"")
    gone = subprocess.Popen([sys.executable, "-c", ""])
    gone.wait()
    (tmp_path / "stack.pid").write_text(f"{gone.pid}\n")
    promote.write_pointer(model, tmp_path)
    assert promote.signal_stack(tmp_path) is None
    assert paths.live_model_pointer(tmp_path).read_text() == f"{model.resolve()}\n"
    assert paths.read_live_model(tmp_path) == model.resolve()


def test_no_pointer_or_a_missing_model_means_no_live_model(tmp_path: Path) -> None:
    assert paths.read_live_model(tmp_path) is None
    promote.write_pointer(tmp_path / "deleted.tar.gz", tmp_path)
    assert paths.read_live_model(tmp_path) is None
