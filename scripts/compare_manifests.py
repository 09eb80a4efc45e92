"""Compares two directories of rendered manifests object by object.

Each directory holds `<case>/<values-file>.yaml` files written by `helm template` (see
scripts/compare-manifests.sh). Objects are matched by apiVersion group, kind, namespace
and name; for each pair the differing fields are listed by path, with the old and the new
value. Prints one section per case and a summary; exits 0 (the differences are a report,
not a failure) unless a directory is missing.

Usage: compare_manifests.py OLD_DIR NEW_DIR
"""

import json
import sys
from pathlib import Path

import yaml


def objects(path):
    """The objects of one rendered file, keyed by (kind, namespace, name)."""
    found = {}
    for doc in yaml.safe_load_all(path.read_text()):
        if not isinstance(doc, dict) or "kind" not in doc:
            continue
        meta = doc.get("metadata") or {}
        key = (str(doc["kind"]), str(meta.get("namespace", "")), str(meta.get("name", "")))
        found[key] = doc
    return found


def differences(old, new, path=""):
    """Paths where two YAML values differ, with both values (None where absent)."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=str):
            sub = f"{path}.{key}" if path else str(key)
            if key not in old:
                yield sub, None, new[key]
            elif key not in new:
                yield sub, old[key], None
            else:
                yield from differences(old[key], new[key], sub)
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for index, (a, b) in enumerate(zip(old, new)):
            yield from differences(a, b, f"{path}[{index}]")
    elif old != new:
        yield path, old, new


def short(value):
    """One line: JSON, cut at 160 characters."""
    text = "(absent)" if value is None else json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 160 else text[:157] + "..."


def main():
    old_root, new_root = Path(sys.argv[1]), Path(sys.argv[2])
    totals = dict(renders=0, objects=0, same=0, changed=0, added=0, removed=0)
    for case in sorted({p.name for p in old_root.iterdir()} | {p.name for p in new_root.iterdir()}):
        # A change seen under several values files is printed once, naming them all.
        report = {}
        files = sorted({p.name for p in (old_root / case).glob("*.yaml")} | {p.name for p in (new_root / case).glob("*.yaml")})
        for name in files:
            old_file, new_file = old_root / case / name, new_root / case / name
            if not old_file.exists() or not new_file.exists():
                report.setdefault(f"rendered only {'after' if new_file.exists() else 'before'}", []).append(name)
                continue
            totals["renders"] += 1
            old_objects, new_objects = objects(old_file), objects(new_file)
            for key in sorted(set(old_objects) | set(new_objects)):
                totals["objects"] += 1
                label = f"{key[0]}/{key[2]}"
                if key not in new_objects:
                    totals["removed"] += 1
                    report.setdefault(f"removed {label}", []).append(name)
                elif key not in old_objects:
                    totals["added"] += 1
                    report.setdefault(f"added {label}", []).append(name)
                else:
                    changes = list(differences(old_objects[key], new_objects[key]))
                    if not changes:
                        totals["same"] += 1
                        continue
                    totals["changed"] += 1
                    text = f"changed {label}" + "".join(
                        f"\n      {field}: {short(before)} -> {short(after)}" for field, before, after in changes
                    )
                    report.setdefault(text, []).append(name)
        if report:
            print(f"== {case}")
            for text, names in report.items():
                where = "all values files" if len(names) == len(files) and len(files) > 1 else ", ".join(names)
                print(f"  [{where}] {text}")
    print("summary: " + ", ".join(f"{k} {v}" for k, v in totals.items()))


if __name__ == "__main__":
    main()
