"""The topic set and its judgments as the scripts beside this one read them: the 30 topics of
../shared/eval/topics-large.tsv, the shared graded judgments, and those plus ours
(benches/relevance/judged.tsv, the documents the shared pools never judged, same scale)."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, '..', '..', '..', 'shared')
EVAL = os.path.join(SHARED, 'eval')
sys.path.insert(0, EVAL)
import score_topics  # noqa: E402,F401  (the scripts score through it)


def topics():
    """`[id, query, need]` for each topic, in the file's order."""
    with open(os.path.join(EVAL, 'topics-large.tsv'), encoding='utf-8') as f:
        return [line.split('\t') for line in f.read().splitlines()[1:]]


def shared_qrels():
    """Topic id → {document id: grade}, the shared judgments."""
    return score_topics.read_qrels(os.path.join(EVAL, 'topics-large.qrels.tsv'))


def combined_qrels():
    """The shared judgments with ours added."""
    qrels = shared_qrels()
    with open(os.path.join(HERE, 'judged.tsv'), encoding='utf-8') as ours:
        for line in ours.read().splitlines()[1:]:
            qid, doc, grade = line.split('\t')[:3]
            qrels.setdefault(qid, {})[doc] = int(grade)
    return qrels
