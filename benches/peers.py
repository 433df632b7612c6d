#!/usr/bin/env python3
"""Peers on the same phrase queries as policy-search: SQLite FTS5 with the trigram tokenizer,
and `rg -F -l` brute force over the text, with recall and precision against the ground truth of
../shared/eval/phrases-large.tsv; then policy-search's own figures (cargo bench --bench queries).

    python3 benches/peers.py        (installs ripgrep from Debian's packages when missing)

Both peers get the text normalised as ../shared/eval/README.md defines it (NFKC, lowercase,
whitespace touching CJK removed), so they can reach recall 1.0; neither knows the rule that an
ASCII letter or digit must not continue the phrase (`25年` in `2025年`), which costs precision.
"""
import gzip
import json
import os
import pathlib
import re
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import time
import unicodedata

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CJK = r"\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3130-\u318f\u31a0-\u31ff\u3200-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"


def normalize(text):
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(rf"\s+(?=[{CJK}])|(?<=[{CJK}])\s+", "", text)
    return re.sub(r"\s+", " ", text)


def percentiles(millis):
    millis = sorted(millis)
    at = lambda q: millis[round((len(millis) - 1) * q)]
    return at(0.5), at(0.99), millis[-1]


def score(results, cases):
    expected = sum(len(ids) for _, ids in cases)
    returned = sum(len(r) for r in results)
    correct = sum(len(r & ids) for r, (_, ids) in zip(results, cases))
    return correct / expected, correct / max(returned, 1)


def main():
    if shutil.which("rg") is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "ripgrep"], check=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    documents = []
    with gzip.open(SHARED / "corpus/large/policies.jsonl.gz", "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            documents.append((record["id"], normalize(record["title"]), normalize(record["body"])))
    cases = []
    for line in (SHARED / "eval/phrases-large.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        phrase, _, ids = line.split("\t")
        cases.append((phrase, set(ids.split("|"))))
    print(f"{len(documents)} documents, {len(cases)} phrases")

    with tempfile.TemporaryDirectory() as scratch:
        database = sqlite3.connect(os.path.join(scratch, "fts.db"))
        database.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, body, tokenize='trigram')")
        started = time.perf_counter()
        database.executemany("INSERT INTO docs VALUES (?, ?, ?)", documents)
        database.commit()
        print(f"sqlite fts5 trigram: indexed in {time.perf_counter() - started:.1f} s, "
              f"{os.path.getsize(os.path.join(scratch, 'fts.db')) / 1e6:.0f} MB")
        results, millis = [], []
        for phrase, _ in cases:
            started = time.perf_counter()
            if len(phrase) >= 3:
                quoted = '"' + phrase.replace('"', '""') + '"'
                rows = database.execute("SELECT id FROM docs WHERE docs MATCH ?", (quoted,)).fetchall()
            else:  # trigram cannot index shorter strings: SQLite scans
                like = f"%{phrase}%"
                rows = database.execute("SELECT id FROM docs WHERE title LIKE ? OR body LIKE ?", (like, like)).fetchall()
            millis.append((time.perf_counter() - started) * 1e3)
            results.append({row[0] for row in rows})
        recall, precision = score(results, cases)
        p50, p99, worst = percentiles(millis)
        print(f"sqlite fts5 trigram: recall {recall:.3f} precision {precision:.3f}  p50 {p50:.3f} ms  p99 {p99:.3f} ms  max {worst:.3f} ms")

        text_dir = pathlib.Path(scratch, "text")
        text_dir.mkdir()
        names = {}
        for number, (doc_id, title, body) in enumerate(documents):
            (text_dir / f"{number}.txt").write_text(title + "\n" + body, encoding="utf-8")
            names[f"{number}.txt"] = doc_id
        results, millis = [], []
        for phrase, _ in cases:
            started = time.perf_counter()
            found = subprocess.run(["rg", "-F", "-l", "--", phrase, str(text_dir)], capture_output=True, text=True).stdout
            millis.append((time.perf_counter() - started) * 1e3)
            results.append({names[pathlib.Path(path).name] for path in found.split("\n") if path})
        recall, precision = score(results, cases)
        p50, p99, worst = percentiles(millis)
        print(f"rg -F -l:            recall {recall:.3f} precision {precision:.3f}  p50 {p50:.3f} ms  p99 {p99:.3f} ms  max {worst:.3f} ms")

    print("policy-search (recall and precision 1.000: cargo test --test large):")
    bench = subprocess.run(["cargo", "bench", "--quiet", "--bench", "queries"], cwd=ROOT, capture_output=True, text=True)
    for line in bench.stdout.splitlines():
        if line.startswith("-- cold"):
            break
        if "phrase" in line:
            print("  " + line)


if __name__ == "__main__":
    main()
