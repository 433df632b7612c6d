#!/usr/bin/env python3
"""Blind judging cards for documents a run puts in a top 10 that no judgment covers.

Usage: python3 benches/relevance/cards.py target/relevance/run.tsv > /tmp/cards.txt

One card per (query, document) not judged in ../shared/eval/topics-large.qrels.tsv nor in
benches/relevance/judged.tsv: the need, the title, category, date, region, the first 200
characters and the 3 passages of ~150 characters densest in the query's terms. Cards are
shuffled and show no rank or system, as the eval README's judging protocol asks. Grades go
into benches/relevance/judged.tsv (query_id, doc_id, grade) on the README's scale.
"""
import gzip, json, os, random, sys

from judgments import combined_qrels, topics as read_topics

here = os.path.dirname(os.path.abspath(__file__))
shared = os.path.join(here, '../../../shared')
judged = {(q, d) for q, grades in combined_qrels().items() for d in grades}
topics = {q: (query, need) for q, query, need in read_topics()}
wanted = set()
for line in open(sys.argv[1], encoding='utf-8').read().splitlines()[1:]:
    q, _, d = line.split('\t')
    if (q, d) not in judged:
        wanted.add((q, d))
docs = {}
ids = {d for _, d in wanted}
with gzip.open(os.path.join(shared, 'corpus/large/policies.jsonl.gz'), 'rt', encoding='utf-8') as f:
    for line in f:
        doc = json.loads(line)
        if doc['id'] in ids:
            docs[doc['id']] = doc


def passages(body, terms, width=150, count=3):
    scored = []
    for start in range(0, max(1, len(body) - width), 50):
        window = body[start:start + width]
        score = sum(window.count(t) * 2 for t in terms) + sum(window.count(c) * 0.1 for t in terms for c in t)
        scored.append((score, start))
    scored.sort(reverse=True)
    chosen = []
    for score, start in scored:
        if score > 0 and all(abs(start - other) >= width for other in chosen):
            chosen.append(start)
        if len(chosen) == count:
            break
    return [body[s:s + width].replace('\n', ' ') for s in sorted(chosen)]


cards = sorted(wanted)
random.Random(7).shuffle(cards)
for q, d in cards:
    doc = docs[d]
    query, need = topics[q]
    print(f'=== {q}\t{d}\nquery: {query}\nneed: {need}')
    print(f"title: {doc['title']}\ncategory: {doc.get('category')}  date: {doc.get('date')}  region: {doc.get('region')}")
    print('start: ' + doc['body'][:200].replace('\n', ' '))
    for p in passages(doc['body'], query.split()):
        print('  … ' + p)
    print()
