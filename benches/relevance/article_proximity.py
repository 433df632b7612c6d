#!/usr/bin/env python3
"""An experiment, not the engine: would 条-level proximity move the topic set? Reranks each
topic's top 30 (full matches only; partial ones keep their place below) by adding
W × f to each hit's score, where f measures how many of the document's 条 hold every query term
(as typed, substring match), and scores the reranked top 10 against the shared judgments plus
ours (judged.tsv), with ../shared/eval/score_topics.py.

    f = share:  条 with every term / 条 with any term
    f = sat:    c / (c + K), c = 条 with every term
    f = norm:   c / (c + K × 条 in the document / 60)

Texts without 条 are cut into paragraphs. Single-term topics are left as they are.

Usage: python3 benches/relevance/article_proximity.py BINARY INDEX
(BINARY: a built `policy-search`; INDEX: an index of ../shared/corpus/large). Prints one line
per setting: nDCG@10, P@10, strict P@5.
"""
import gzip
import json
import os
import re
import subprocess
import sys

from judgments import SHARED, combined_qrels, score_topics, topics as read_topics

ARTICLE = re.compile(r'第[一二三四五六七八九十百千零〇]+条')
SETTINGS = [('share', w, 0) for w in (1, 2, 4, 8)] + \
    [('sat', w, k) for k in (1, 3, 10) for w in (2, 4, 8)] + \
    [('norm', w, k) for k in (1, 3) for w in (2, 4, 8)]


def pieces(body):
    articles = ARTICLE.split(body)
    return articles if len(articles) >= 3 else [p for p in body.split('\n') if p.strip()]


def closeness(mode, k, terms, body):
    units = pieces(body)
    every = sum(1 for u in units if all(t in u for t in terms))
    some = sum(1 for u in units if any(t in u for t in terms))
    if mode == 'share':
        return every / some if some else 0.0
    if mode == 'sat':
        return every / (every + k)
    return every / (every + k * max(1, len(units)) / 60)


def main():
    binary, index = sys.argv[1], sys.argv[2]
    topics = read_topics()
    qrels = combined_qrels()
    runs, wanted = {}, set()
    for qid, query, _need in topics:
        out = subprocess.run([binary, 'search', '--index', index, '--json', '--limit', '30',
                              '--', *query.split()], capture_output=True, text=True, check=True)
        hits = json.loads(out.stdout)['hits']
        runs[qid] = [(h['id'], h['score'], bool(h.get('missing'))) for h in hits]
        wanted.update(h['id'] for h in hits)
    bodies = {}
    with gzip.open(os.path.join(SHARED, 'corpus', 'large', 'policies.jsonl.gz'), 'rt',
                   encoding='utf-8') as corpus:
        for line in corpus:
            doc = json.loads(line)
            if doc['id'] in wanted:
                bodies[doc['id']] = doc.get('text') or doc.get('body') or ''
    for mode, weight, k in [('none', 0, 0)] + SETTINGS:
        totals = [0.0, 0.0, 0.0]
        for qid, query, _need in topics:
            terms = query.split()
            reranked = []
            for doc, score, missing in runs[qid]:
                bonus = 0.0
                if weight and len(terms) > 1 and not missing:
                    bonus = weight * closeness(mode, k, terms, bodies.get(doc, ''))
                reranked.append((score + bonus, doc))
            reranked.sort(key=lambda pair: -pair[0])
            scores = score_topics.score_query([doc for _, doc in reranked[:10]], qrels[qid])
            for i in range(3):
                totals[i] += scores[i]
        n = len(topics)
        print(f'{mode:<5} W={weight:<2} K={k:<2}  nDCG@10 {totals[0] / n:.3f}  '
              f'P@10 {totals[1] / n:.3f}  strict P@5 {totals[2] / n:.3f}')


if __name__ == '__main__':
    main()
