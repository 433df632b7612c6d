#!/usr/bin/env python3
"""An experiment, not the engine: would pseudo-relevance feedback (RM3-like query expansion from
the first documents found) move the topic set? The issue asks for corpus-driven expansion to be
measured and kept only if the benchmark says so.

For each topic, the engine's hits (up to 1000, versions collapsed, as shipped) are rescored by
adding LAMBDA x E(d), where E(d) is the BM25 (k1 1.2, b 0.75, over jieba words, the words the
index holds) of the expansion words in document d, weighted by each word's share of the
feedback model. The feedback model is P(w|R), the mean of P(w|d) over the first K full matches
(uniformly, or each weighted by exp(score - best score)), its words chosen by their
contribution to the divergence from the corpus, P(w|R) log(P(w|R) / P(w|C)), the M heaviest
kept; words that are a query term, part of one or contain one are left out (they are scored
already). Full matches stay before partial ones (coverage first, as the engine ranks), so the
rescoring is exactly what adding the words as ranking-only clauses would do.

Each setting's top 10 is scored with ../shared/eval/score_topics.py against the shared
judgments plus ours (judged.tsv); documents neither judges are counted as 0, and as an upper
bound, as 2 (`unjudged as 2`), since expansion brings documents no pool has seen.

The second expansion the issue names, co-occurrence within 条, is measured the same way: its
model is P(w|A), the mean of P(w|a) over every 条 of the corpus holding all the query terms (a
text without 条 counts as one), so a document speaks for the topic in proportion to the 条 it
gives it, not once like a feedback document; the words chosen, the scoring and the settings (M
words, lambda) are those above.

Usage: python3 benches/relevance/feedback.py BINARY INDEX
(BINARY: a built `policy-search`; INDEX: an index of ../shared/corpus/large). The words come
from `BINARY export` (the index's own jieba words). Prints one line per setting.
"""
import collections
import json
import math
import re
import subprocess
import sys
import tempfile

from judgments import combined_qrels, score_topics, topics as read_topics

K1, B = 1.2, 0.75
FEEDBACK = (5, 10, 20)
WORDS = (10, 20, 40)
LAMBDAS = (0.1, 0.2, 0.3, 0.5, 0.8)
ARTICLE = re.compile(r'^第[一二三四五六七八九十百千零〇]+条$')


def corpus_words(binary, index):
    """Per document: its word counts (words of two characters or more), its length, and its
    body's words cut into 条 (at each word 第…条; a text without 条 is one piece)."""
    with tempfile.NamedTemporaryFile(suffix='.ndjson') as out:
        subprocess.run([binary, 'export', '--index', index, '--format', 'quickwit',
                        '--output', out.name], check=True, capture_output=True)
        counts, lengths, articles = {}, {}, {}
        with open(out.name, encoding='utf-8') as lines:
            for line in lines:
                doc = json.loads(line)
                body = (doc.get('body_words') or '').split()
                words = (doc.get('title_words') or '').split() + body
                counts[doc['id']] = collections.Counter(w for w in words if len(w) >= 2)
                lengths[doc['id']] = len(words)
                pieces, piece = [], []
                for word in body:
                    if ARTICLE.match(word) and piece:
                        pieces.append(piece)
                        piece = []
                    piece.append(word)
                if piece:
                    pieces.append(piece)
                articles[doc['id']] = pieces
    return counts, lengths, articles


def main():
    binary, index = sys.argv[1], sys.argv[2]
    topics = read_topics()
    qrels = combined_qrels()
    counts, lengths, articles = corpus_words(binary, index)
    df, cf = collections.Counter(), collections.Counter()
    for words in counts.values():
        df.update(words.keys())
        cf.update(words)
    total = sum(lengths.values())
    n_docs = len(counts)
    average = total / n_docs

    def bm25(word, doc):
        tf = counts[doc].get(word, 0)
        if not tf:
            return 0.0
        idf = math.log(1 + (n_docs - df[word] + 0.5) / (df[word] + 0.5))
        return idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * lengths[doc] / average))

    runs = {}
    for qid, query, _need in topics:
        out = subprocess.run([binary, 'search', '--index', index, '--json', '--limit', '1000',
                              '--', *query.split()], capture_output=True, text=True, check=True)
        runs[qid] = [(h['id'], h['score'], bool(h.get('missing')))
                     for h in json.loads(out.stdout)['hits']]

    def expansion(qid, query, k, m, weighting):
        terms = query.split()
        full = [hit for hit in runs[qid] if not hit[2] and hit[0] in counts][:k]
        if not full:
            return {}
        best = full[0][1]
        model = collections.Counter()
        for doc, score, _ in full:
            weight = 1.0 if weighting == 'uniform' else math.exp(score - best)
            for word, tf in counts[doc].items():
                if not any(word in t or t in word for t in terms):
                    model[word] += weight * tf / lengths[doc]
        return scored(qid, model, m)

    def scored(qid, model, m):
        """Each listed hit's BM25 of the M words that set `model` apart from the corpus."""
        norm = sum(model.values())
        if not norm:
            return {}
        chosen = sorted(((p / norm * math.log(p / norm / (cf[w] / total)), w)
                         for w, p in model.items() if df[w] >= 2), reverse=True)[:m]
        chosen = [(weight, word) for weight, word in chosen if weight > 0]
        mass = sum(weight for weight, _ in chosen) or 1.0
        return {hit[0]: sum(weight / mass * bm25(word, hit[0]) for weight, word in chosen)
                for hit in runs[qid] if hit[0] in counts}

    def article_model(query):
        """P(w|A) over every 条 holding all the query terms (as typed, in its joined words)."""
        terms = query.split()
        model = collections.Counter()
        for pieces in articles.values():
            for piece in pieces:
                if all(term in ''.join(piece) for term in terms):
                    for word in piece:
                        if len(word) >= 2 and not any(word in t or t in word for t in terms):
                            model[word] += 1 / len(piece)
        return model

    def score(ranked_of, unjudged_as):
        sums = [0.0, 0.0, 0.0]
        for qid, _query, _need in topics:
            ranked = ranked_of(qid)[:10]
            judged = dict(qrels.get(qid, {}))
            if unjudged_as:
                for doc in ranked:
                    judged.setdefault(doc, unjudged_as)
            for i, value in enumerate(score_topics.score_query(ranked, judged)[:3]):
                sums[i] += value
        return ' '.join('%.3f' % (s / len(topics)) for s in sums)

    def rescored(boosts, lam):
        """The listed hits, each topic's `boosts` added at `lam`, full matches first."""
        def ranked_of(qid):
            extra = boosts[qid]
            hits = sorted(runs[qid], key=lambda h: (h[2], -(h[1] + lam * extra.get(h[0], 0.0))))
            return [hit[0] for hit in hits]
        return '%s; unjudged as 2: %s' % (score(ranked_of, 0), score(ranked_of, 2))

    shipped = {qid: [hit[0] for hit in hits] for qid, hits in runs.items()}
    print('as shipped: nDCG@10 P@10 strict P@5 %s; unjudged as 2: %s'
          % (score(shipped.get, 0), score(shipped.get, 2)))
    models = {qid: article_model(query) for qid, query, _need in topics}
    for m in WORDS:
        boosts = {qid: scored(qid, models[qid], m) for qid, _query, _need in topics}
        for lam in LAMBDAS + (1.2,):
            print('条 co-occurrence  M %2d  lambda %.1f: %s' % (m, lam, rescored(boosts, lam)))
    for k in FEEDBACK:
        for m in WORDS:
            for weighting in ('uniform', 'by score'):
                boosts = {qid: expansion(qid, query, k, m, weighting)
                          for qid, query, _need in topics}
                for lam in LAMBDAS:
                    print('K %2d  M %2d  %-8s  lambda %.1f: %s'
                          % (k, m, weighting, lam, rescored(boosts, lam)))

if __name__ == '__main__':
    main()
