#!/usr/bin/env python3
"""A consumer of the cnab-conformance document cases, written with the
Python standard library only.

It shows that cases/ is usable from another language: it walks
cases/documents/, reads every *.case.json, runs a validator command on the
case's document with JSON output, and compares the distinct clause IDs the
validator reports with the case's expected set.

Usage:
    python3 cases/examples/consume_document_cases.py [--validator CMD] [CASES_DIR]

CMD defaults to `cnab-validate` on PATH. Any validator that prints the
cnab-validate JSON format (format_version 1) can be plugged in.
Exit status: 0 when every case agrees, 1 when some disagree, 2 on usage errors.
"""

import argparse
import json
import os
import shlex
import subprocess
import sys


def find_cases(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(".case.json"):
                yield os.path.join(dirpath, name)


def build_command(validator, case, case_dir):
    cmd = shlex.split(validator) + ["check", "--format", "json", "--level", "may"]
    if case.get("kind"):
        cmd += ["--kind", case["kind"]]
    if case.get("spec_version"):
        cmd += ["--spec-version", case["spec_version"]]
    options = case.get("options") or {}
    if options.get("canonical"):
        cmd += ["--canonical", options["canonical"]]
    if options.get("release"):
        cmd += ["--release"]
    if options.get("bundle"):
        cmd += ["--bundle", os.path.join(case_dir, options["bundle"])]
    cmd.append(os.path.join(case_dir, case["document"]))
    return cmd


def reported_clauses(output):
    report = json.loads(output)
    if report.get("format_version") != 1:
        raise ValueError("unsupported format_version %r" % report.get("format_version"))
    clauses = set()
    for f in report["files"]:
        for finding in f["findings"]:
            clauses.add(finding["clause"])
    return clauses


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--validator", default="cnab-validate")
    parser.add_argument("cases_dir", nargs="?",
                        default=os.path.join(os.path.dirname(__file__), "..", "documents"))
    args = parser.parse_args()
    if not os.path.isdir(args.cases_dir):
        print("no such directory: %s" % args.cases_dir, file=sys.stderr)
        return 2

    total = agree = 0
    for path in find_cases(args.cases_dir):
        total += 1
        with open(path, encoding="utf-8") as fh:
            case = json.load(fh)
        case_dir = os.path.dirname(path)
        cmd = build_command(args.validator, case, case_dir)
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode not in (0, 1):
            print("ERROR %s: validator exited %d: %s" % (case["id"], proc.returncode, proc.stderr.strip()))
            continue
        try:
            got = reported_clauses(proc.stdout)
        except (ValueError, KeyError) as err:
            print("ERROR %s: unreadable validator output: %s" % (case["id"], err))
            continue
        want = set(case["expect"]["clauses"])
        if got == want:
            agree += 1
        else:
            print("DIFF  %s: expected %s, got %s" % (case["id"], sorted(want), sorted(got)))
    print("%d/%d document cases agree" % (agree, total))
    if total == 0:
        print("no cases found under %s" % args.cases_dir, file=sys.stderr)
        return 2
    return 0 if agree == total else 1


if __name__ == "__main__":
    sys.exit(main())
