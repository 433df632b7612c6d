#!/usr/bin/env python3
"""An experiment, not the engine: would 条-level proximity, or the terms' place in a document,
move the topic set? Reranks each topic's top 30 (full matches only; partial ones keep their
place below) by adding W × f to each hit's score, where f measures how many of the document's
条 hold every query term (as typed, substring match), or whether the terms occur in its
opening, and scores the reranked top 10 against the shared judgments plus ours (judged.tsv),
with ../shared/eval/score_topics.py.

    f = share:   条 with every term / 条 with any term
    f = sat:     c / (c + K), c = 条 with every term
    f = norm:    c / (c + K × 条 in the document / 60)
    f = opening: share of the query's terms found in the document's opening: its first
                 chapter (up to the line 第二章) when it has one, else its first tenth.

Texts without 条 are cut into paragraphs. Single-term topics are left as they are by the 条
measures; the opening applies to them too.

The last line fits three such bonuses together (the opening, the first tenth, the share of the
query's terms in the title), leave-one-topic-out: for each topic, the weights (0 to 1.5 each)
best on the other 29 are used to rerank it, so the figure is what the fit would give a topic it
never saw.

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
SECOND_CHAPTER = re.compile(r'\n\s*第二章')
SETTINGS = [('share', w, 0) for w in (1, 2, 4, 8)] + \
    [('sat', w, k) for k in (1, 3, 10) for w in (2, 4, 8)] + \
    [('norm', w, k) for k in (1, 3) for w in (2, 4, 8)] + \
    [('opening', w, 0) for w in (0.25, 0.5, 0.75, 1, 2)]


def pieces(body):
    articles = ARTICLE.split(body)
    return articles if len(articles) >= 3 else [p for p in body.split('\n') if p.strip()]


def opening(body):
    chapter = SECOND_CHAPTER.search(body)
    return body[:chapter.start()] if chapter else body[:max(1, len(body) // 10)]


def shares(terms, title, body):
    """The opening, first-tenth and title shares of `terms`, for the fitted line."""
    tenth = body[:max(1, len(body) // 10)]
    return [sum(term in part for term in terms) / len(terms)
            for part in (opening(body), tenth, title)]


def closeness(mode, k, terms, body):
    if mode == 'opening':
        start = opening(body)
        return sum(term in start for term in terms) / len(terms)
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
    bodies, titles = {}, {}
    with gzip.open(os.path.join(SHARED, 'corpus', 'large', 'policies.jsonl.gz'), 'rt',
                   encoding='utf-8') as corpus:
        for line in corpus:
            doc = json.loads(line)
            if doc['id'] in wanted:
                bodies[doc['id']] = doc.get('text') or doc.get('body') or ''
                titles[doc['id']] = doc.get('title') or ''
    for mode, weight, k in [('none', 0, 0)] + SETTINGS:
        totals = [0.0, 0.0, 0.0]
        for qid, query, _need in topics:
            terms = query.split()
            reranked = []
            for doc, score, missing in runs[qid]:
                bonus = 0.0
                if weight and (len(terms) > 1 or mode == 'opening') and not missing:
                    bonus = weight * closeness(mode, k, terms, bodies.get(doc, ''))
                reranked.append((score + bonus, doc))
            reranked.sort(key=lambda pair: -pair[0])
            scores = score_topics.score_query([doc for _, doc in reranked[:10]], qrels[qid])
            for i in range(3):
                totals[i] += scores[i]
        n = len(topics)
        print(f'{mode:<7} W={weight:<4} K={k:<2}  nDCG@10 {totals[0] / n:.3f}  '
              f'P@10 {totals[1] / n:.3f}  strict P@5 {totals[2] / n:.3f}')
    fitted(topics, qrels, runs, bodies, titles)


def fitted(topics, qrels, runs, bodies, titles):
    """Three bonuses fitted leave-one-topic-out (see the module's doc)."""
    grid = (0, 0.25, 0.5, 0.75, 1.0, 1.5)
    weightings = [(a, b, c) for a in grid for b in grid for c in grid]
    features = {qid: [(doc, score, missing,
                       shares(query.split(), titles.get(doc, ''), bodies.get(doc, '')))
                      for doc, score, missing in runs[qid]]
                for qid, query, _need in topics}

    def scored(qid, weights):
        reranked = sorted(features[qid], key=lambda row: -(row[1] + (0 if row[2] else sum(
            w * f for w, f in zip(weights, row[3])))))
        return score_topics.score_query([row[0] for row in reranked[:10]], qrels[qid])

    table = {w: {qid: scored(qid, w) for qid, _, _ in topics} for w in weightings}
    totals = [0.0, 0.0, 0.0]
    for held, _, _ in topics:
        best = max(weightings, key=lambda w: sum(
            table[w][qid][0] for qid, _, _ in topics if qid != held))
        for i in range(3):
            totals[i] += table[best][held][i]
    n = len(topics)
    print(f'fitted, leave-one-topic-out  nDCG@10 {totals[0] / n:.3f}  '
          f'P@10 {totals[1] / n:.3f}  strict P@5 {totals[2] / n:.3f}')


if __name__ == '__main__':
    main()
