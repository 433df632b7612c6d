#!/usr/bin/env python3
"""The best nDCG@10 / P@10 / strict P@5 any ordering can reach on the topic set while keeping
the engine's two rules: versions collapsed into one hit (an older version hidden behind its
newer one cannot be listed), and documents with every term before documents lacking one.

Usage: python3 benches/relevance/constrained_ideal.py BINARY INDEX
(BINARY: a built `policy-search`; INDEX: an index of ../shared/corpus/large). For each topic it
lists every hit (`--limit 1000`, so documents lacking a term follow when fewer than 1000 have
them all), sorts the full matches by grade, puts the partial ones after them only when fewer
than 10 documents have every term, and scores that list with ../shared/eval/score_topics.py,
against the shared judgments and against the shared plus ours (judged.tsv).
"""
import json
import subprocess
import sys

from judgments import combined_qrels, score_topics, shared_qrels, topics as read_topics


def main():
    binary, index = sys.argv[1], sys.argv[2]
    topics = read_topics()
    hits = {}
    for qid, query, _need in topics:
        out = subprocess.run([binary, 'search', '--index', index, '--json', '--limit', '1000',
                              '--', *query.split()], capture_output=True, text=True, check=True)
        listed = json.loads(out.stdout)['hits']
        full = [h['id'] for h in listed if not h.get('missing')]
        partial = [h['id'] for h in listed if h.get('missing')]
        hits[qid] = (full, partial)
    for name, qrels in [('shared judgments', shared_qrels()), ('shared + ours', combined_qrels())]:
        totals = [0.0, 0.0, 0.0]
        for qid, judged in qrels.items():
            full, partial = hits.get(qid, ([], []))
            by_grade = lambda doc: -judged.get(doc, 0)  # noqa: E731
            ranked = sorted(full, key=by_grade)
            if len(full) < 10:
                ranked += sorted(partial, key=by_grade)
            for i, value in enumerate(score_topics.score_query(ranked[:10], judged)[:3]):
                totals[i] += value
        n = len(qrels)
        print(f'{name}: nDCG@10 {totals[0] / n:.3f}  P@10 {totals[1] / n:.3f}  '
              f'strict P@5 {totals[2] / n:.3f}  (best with collapsing and coverage first)')


if __name__ == '__main__':
    main()
