#!/usr/bin/env python3
"""Every metric and label an alert rule names must be one the fleet's code exports.

promtool checks a rule's syntax and its unit tests check its logic, but both accept a metric or a
label that no process exports: the rule then never fires (a typo, a label renamed in the code, a
test that feeds an invented series). This reads resources/prometheus/rules/*.yml and the C++ under
backend/ and services/, and fails naming each metric or label found in a rule but not in the code:
a metric must appear as a string literal in the code (its registration); a label as a string
literal too (the label list of a registration), unless Prometheus itself attaches it.

Usage: check_rule_names.py REPO_ROOT
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

# Attached by Prometheus, not by the exporter.
PROMETHEUS_LABELS = {"job", "instance", "le", "__name__"}
PROMETHEUS_METRICS = {"up"}
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")
PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
                "offset", "bool", "inf", "nan"}


def code_literals(root: Path) -> set[str]:
    literals: set[str] = set()
    for folder in ("backend", "services"):
        for path in (root / folder).rglob("*"):
            if path.suffix in {".cpp", ".h"}:
                literals.update(re.findall(r'"([a-z_][a-z0-9_]*)"', path.read_text(encoding="utf-8")))
    return literals


def names_in(expr: str) -> tuple[set[str], set[str]]:
    """(metric names, label names) an expression mentions."""
    labels: set[str] = set()
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # string contents are values, not names
    for matchers in re.findall(r"\{([^}]*)\}", text):
        labels.update(re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)", matchers))
    text = re.sub(r"\{[^}]*\}", " ", text)
    for grouping in re.findall(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)", text):
        labels.update(name.strip() for name in grouping.split(",") if name.strip())
    text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)  # ranges and subqueries
    metrics = set()
    for match in re.finditer(r"(?<![a-zA-Z0-9_.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?", text):
        name, call = match.group(1), match.group(2)
        if call or name.lower() in PROMQL_WORDS or re.fullmatch(r"\d+[smhdwy]", name):
            continue
        metrics.add(name)
    return metrics, labels


def main() -> int:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2]
    literals = code_literals(root)
    problems = []
    for rules_file in sorted((root / "resources" / "prometheus" / "rules").glob("*.yml")):
        for group in (yaml.safe_load(rules_file.read_text(encoding="utf-8")) or {}).get("groups", []):
            for rule in group.get("rules", []):
                name = rule.get("alert") or rule.get("record")
                metrics, labels = names_in(str(rule.get("expr", "")))
                for text in (rule.get("annotations") or {}).values():
                    labels.update(re.findall(r"\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)", str(text)))
                labels -= set(rule.get("labels") or {})  # the rule's own labels, e.g. severity
                for metric in sorted(metrics):
                    base = next((metric[: -len(s)] for s in HISTOGRAM_SUFFIXES if metric.endswith(s)), metric)
                    if metric not in PROMETHEUS_METRICS and metric not in literals and base not in literals:
                        problems.append(f"{rules_file.name}: {name}: metric {metric} is not exported by the code")
                for label in sorted(labels - PROMETHEUS_LABELS):
                    if label not in literals:
                        problems.append(f"{rules_file.name}: {name}: label {label} is not exported by the code")
    for problem in problems:
        print(f"FAIL {problem}")
    if not problems:
        print("every metric and label the rules name is exported by the code")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
