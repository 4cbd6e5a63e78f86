"""`safeshift simulate`: compare team policies on one seeded scenario, print and save the figures.

safeshift simulate [--scenario calm-day] [--seed 1] [--hours H] [--policies a,b,c]
                   [--set FIELD=VALUE ...] [--copy-share 0.4] [--confirm-rate 0.9]
                   [--json PATH] [--plot PATH.svg]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from wellbeing.simulation import behaviour, metrics, plot, policies, runner, scenarios

# The rows of the terminal table: the fields first, then what explains them.
ROWS = (
    ("items_decided", "{:,}"),
    ("sla_breach_rate", "{:.2%}"),
    ("mean_dose", "{:.1f}"),
    ("peak_dose", "{:.1f}"),
    ("peak_to_mean", "{:.3f}"),
    ("gini", "{:.4f}"),
    ("minutes_over_budget", "{:,}"),
    ("breaks_taken", "{:,}"),
    ("items_arrived", "{:,}"),
    ("min_dose", "{:.1f}"),
    ("cooldowns", "{:,}"),
    ("low_mood_reviewers", "{}"),
    ("peak_to_mean_no_low_mood", "{:.3f}"),
    ("gini_no_low_mood", "{:.4f}"),
    ("severe_p95_minutes", "{:.1f}"),
)
# Seen before (issue 17), first when a run matched anything: what the bank spared people.
MATCH_ROWS = (
    ("needed_eyes", "{:,}"),
    ("team_dose", "{:.1f}"),
    ("peak_dose", "{:.1f}"),
    ("sla_breach_rate", "{:.2%}"),
    ("decided_by_match", "{:,}"),
    ("confirmed_without_reveal", "{:,}"),
    ("copies", "{:,}"),
    ("copies_matched", "{:,}"),
    ("false_matches", "{:,}"),
    ("items_decided", "{:,}"),
    ("items_arrived", "{:,}"),
    ("mean_dose", "{:.1f}"),
    ("peak_to_mean", "{:.3f}"),
    ("gini", "{:.4f}"),
    ("minutes_over_budget", "{:,}"),
    ("breaks_taken", "{:,}"),
    ("severe_p95_minutes", "{:.1f}"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scenario", default=scenarios.DEFAULT, choices=sorted(scenarios.SCENARIOS)
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hours", type=float, default=None, help="stretch the scenario (<= 24)")
    parser.add_argument(
        "--policies",
        default=None,
        help=f"comma-separated, of: {', '.join(policies.POLICIES)} (default: the scenario's;"
        f" {','.join(policies.DEFAULT_ORDER)} for most)",
    )
    parser.add_argument(
        "--copy-share",
        type=float,
        default=None,
        help="share of items that are altered copies of earlier pictures"
        f" (viral-reupload: {scenarios.COPY_SHARE})",
    )
    parser.add_argument(
        "--confirm-rate",
        type=float,
        default=behaviour.CONFIRM_RATE,
        help="how often a reviewer shown a prior decision confirms it without a review",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="change a field of the safeshift policy, e.g. fair_share_margin=0.02 (repeatable)",
    )
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    parser.add_argument("--plot", type=Path, default=None, help="write the SVG chart here")


def _overrides(pairs: list[str]) -> dict[str, str]:
    try:
        return dict(pair.split("=", 1) for pair in pairs)  # type: ignore[misc]
    except ValueError:
        raise SystemExit(f"--set takes FIELD=VALUE, got {pairs}") from None


def table(results: dict[str, dict[str, Any]], rows: tuple[tuple[str, str], ...] = ROWS) -> str:
    names = list(results)
    width = max(14, *(len(n) + 2 for n in names))
    lines = [f"{'':<26}" + "".join(f"{n:>{width}}" for n in names)]
    for field, fmt in rows:
        cells = "".join(f"{fmt.format(results[n][field]):>{width}}" for n in names)
        lines.append(f"{field:<26}{cells}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> None:
    scenario = scenarios.get(args.scenario)
    if args.hours is not None:
        if not 0 < args.hours <= 24:
            raise SystemExit("--hours must be in (0, 24]: doses are reported per day")
        scenario = scenario.scaled(args.hours)
    if args.copy_share is not None:
        if not 0 <= args.copy_share < 1:
            raise SystemExit("--copy-share is a share of the items: give a number in [0, 1)")
        scenario = replace(scenario, copy_share=args.copy_share)
    if not 0 <= args.confirm_rate <= 1:
        raise SystemExit("--confirm-rate is a probability: give a number in [0, 1]")
    names = args.policies.split(",") if args.policies else list(scenario.policies)
    if args.plot is not None and args.plot.suffix.lower() != ".svg":
        raise SystemExit("--plot writes SVG: give a path ending in .svg")
    try:
        chosen = policies.choose(names, _overrides(args.set))
    except ValueError as e:  # pydantic's ValidationError is a ValueError
        raise SystemExit(str(e)) from None
    began = time.perf_counter()
    runs = asyncio.run(
        runner.compare(scenario, seed=args.seed, chosen=chosen, confirm_rate=args.confirm_rate)
    )
    seconds = time.perf_counter() - began
    results = {r.policy: metrics.summarise(r) for r in runs}
    checks = metrics.targets(results)
    print(f"{scenario.name} ({scenario.description}), {scenario.hours:g} h, seed {args.seed}")
    matching = scenario.copy_share > 0 or any(policies.match_policy(n) != "off" for n in chosen)
    print(table(results, MATCH_ROWS if matching else ROWS))
    for text, met in checks:
        print(f"target {text}: {'met' if met else 'NOT MET'}")
    print(f"{seconds:.0f} s")
    if args.json is not None:
        report = {
            "scenario": scenario.name,
            "description": scenario.description,
            "hours": scenario.hours,
            "seed": args.seed,
            "copy_share": scenario.copy_share,
            "confirm_rate": args.confirm_rate,
            "match_policy": {n: policies.match_policy(n) for n in chosen},
            "policies": {n: p.model_dump() for n, p in chosen.items()},
            "results": results,
            "targets": [{"target": text, "met": met} for text, met in checks],
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    if args.plot is not None:
        title = f"Cumulative dose per reviewer: {scenario.name}, seed {args.seed}"
        plot.write(args.plot, runs, results, title)
