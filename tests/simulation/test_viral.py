"""The viral-reupload day (issue 17): copies of earlier pictures, hashed by the real PDQ, found by
the real match.lua, decided or confirmed; the bank spares people eyes and dose."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api import cli
from blur import hashing
from scheduler import matching
from wellbeing.simulation import metrics, pictures, policies, runner, scenarios

VIRAL = scenarios.get("viral-reupload")
SHORT = VIRAL.scaled(0.5)  # half an hour: ~200 items, ~75 of them copies


def test_copies_are_of_earlier_pictures_and_carry_their_labels() -> None:
    day = scenarios.arrivals(SHORT, 5)
    copies = [a for a in day if a.copy_of is not None]
    assert 0.3 < len(copies) / len(day) < 0.5  # 40%, give or take the draw
    for a in copies:
        root = day[a.root]  # type: ignore[index]
        assert a.copy_of < a.index and a.media == "image" and root.root == root.index
        assert (a.labels, a.priority, a.language) == (root.labels, root.priority, root.language)
    assert all(a.copy_of is None for a in scenarios.arrivals(scenarios.get("calm-day"), 5))


def test_a_copy_hashes_near_its_original_and_originals_far_apart() -> None:
    originals = [pictures.hashed(3, n, n) for n in range(12)]
    assert min(h.quality for h in originals) >= hashing.MIN_QUALITY
    apart = [
        hashing.distance(a.hash, b.hash) for i, a in enumerate(originals) for b in originals[:i]
    ]
    assert min(apart) > hashing.MATCH_DISTANCE
    near = [
        hashing.distance(pictures.hashed(3, 100 + n, n).hash, originals[n].hash) for n in range(12)
    ]
    assert sorted(near)[len(near) // 2] <= hashing.MATCH_DISTANCE  # most copies are found


@pytest.mark.slow
async def test_matching_spares_eyes_and_dose_and_auto_applies_only_close_copies(
    redis_url: str,
) -> None:
    chosen = policies.choose(["safeshift", "safeshift-match", "safeshift-auto"])
    runs = {
        r.policy: r for r in await runner.compare(SHORT, seed=4, chosen=chosen, redis_url=redis_url)
    }
    res = {name: metrics.summarise(run) for name, run in runs.items()}
    base, assist, auto = res["safeshift"], res["safeshift-match"], res["safeshift-auto"]

    assert base["items_arrived"] == assist["items_arrived"] == auto["items_arrived"]
    # Without matching every item is judged by a person; nothing is looked up.
    assert base["needed_eyes"] == base["items_arrived"] and base["copies_matched"] == 0
    for figures in (assist, auto):
        assert figures["needed_eyes"] < base["needed_eyes"]
        assert figures["team_dose"] < base["team_dose"]
        assert figures["copies_matched"] > 0.5 * figures["copies"]
        assert figures["false_matches"] == 0
    # Assist: people confirm (the bank never decides); auto: the bank decides some itself.
    assert assist["decided_by_match"] == 0 and assist["confirmed_without_reveal"] > 0
    assert auto["decided_by_match"] > 0

    applied = [i for i in runs["safeshift-auto"].items if i.decided_how == "match"]
    assert len(applied) == auto["decided_by_match"]
    for item in applied:  # only exact-enough copies, of the same picture
        assert item.copy and item.match_same_root
        assert item.match_distance is not None
        assert item.match_distance <= matching.SETTINGS.auto_distance
    # Copies found further away were left to a person (shown the prior decision).
    farther = [
        i
        for i in runs["safeshift-auto"].items
        if (i.match_distance or 0) > matching.SETTINGS.auto_distance
    ]
    assert farther and all(i.decided_how != "match" for i in farther)


@pytest.mark.slow
def test_the_command_runs_the_scenario_policies_with_a_copy_share(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "viral.json"
    cli.main(
        [
            "simulate",
            "--scenario",
            "viral-reupload",
            "--hours",
            "0.15",
            "--copy-share",
            "0.5",
            "--confirm-rate",
            "1",
            "--json",
            str(out),
        ]
    )
    report = json.loads(out.read_text())
    assert list(report["results"]) == ["safeshift", "safeshift-match", "safeshift-auto"]
    assert report["match_policy"] == {
        "safeshift": "off",
        "safeshift-match": "assist",
        "safeshift-auto": "auto",
    }
    assert report["copy_share"] == 0.5 and report["confirm_rate"] == 1
    assert "needed_eyes" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main(["simulate", "--scenario", "viral-reupload", "--copy-share", "1.5"])
