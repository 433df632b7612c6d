//! Ranking quality on the large corpus, as `../shared/eval/README.md` defines it: the topic set
//! (nDCG@10, P@10, strict P@5 per query and mean, the `ideal` line, unjudged documents in the
//! top 10s), the phrase sets' recall and precision, the known-item P@1 and MRR@10, and how
//! often the related documents of a document about a topic are on that topic.
//!
//! `cargo bench --bench relevance`. Set `POLICY_SEARCH_BENCH_INDEX=DIR` to keep or reuse the
//! index. The run is written to `target/relevance/run.tsv`, so
//! `python3 ../shared/eval/score_topics.py target/relevance/run.tsv` scores the same ranking.
//! Documents our judges graded blind beyond the shared pool (`benches/relevance/judged.tsv`,
//! same columns and scale as the shared qrels) give a second score beside the first.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use policy_search::index::{update_index, IndexOptions};
use policy_search::{Engine, SearchRequest};

const K: usize = 10;
/// The related documents the page lists.
const RELATED: usize = 8;

/// Tab-separated rows of a file with a header line.
fn rows(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.split('\t').map(String::from).collect())
        .collect()
}

type Qrels = BTreeMap<String, BTreeMap<String, u32>>;

fn qrels(paths: &[PathBuf]) -> Qrels {
    let mut qrels = Qrels::new();
    for path in paths.iter().filter(|path| path.is_file()) {
        for row in rows(path) {
            let grade = row[2].trim().parse().unwrap_or_else(|_| {
                panic!("{}: grade `{}` is not a number", path.display(), row[2])
            });
            qrels
                .entry(row[0].clone())
                .or_default()
                .insert(row[1].clone(), grade);
        }
    }
    qrels
}

fn dcg(grades: &[u32]) -> f64 {
    grades
        .iter()
        .take(K)
        .enumerate()
        .map(|(i, &g)| (2f64.powi(g as i32) - 1.0) / ((i + 2) as f64).log2())
        .sum()
}

/// nDCG@10, P@10, strict P@5 and the unjudged documents of the top 10, exactly as
/// `score_topics.py` computes them.
fn score(ranked: &[String], judged: &BTreeMap<String, u32>) -> (f64, f64, f64, usize) {
    let grades: Vec<u32> = ranked
        .iter()
        .take(K)
        .map(|id| judged.get(id).copied().unwrap_or(0))
        .collect();
    let mut ideal: Vec<u32> = judged.values().copied().collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let ideal = dcg(&ideal);
    let ndcg = if ideal > 0.0 {
        dcg(&grades) / ideal
    } else {
        0.0
    };
    let p10 = grades.iter().filter(|&&g| g >= 1).count() as f64 / K as f64;
    let p5 = grades.iter().take(5).filter(|&&g| g == 2).count() as f64 / 5.0;
    let unjudged = ranked
        .iter()
        .take(K)
        .filter(|id| !judged.contains_key(*id))
        .count();
    (ndcg, p10, p5, unjudged)
}

fn report(name: &str, runs: &BTreeMap<String, Vec<String>>, qrels: &Qrels, per_query: bool) {
    println!("\n{name}");
    if per_query {
        println!("query\tnDCG@10\tP@10\tP@5(2)\tunjudged@10");
    }
    let mut totals = [0.0; 3];
    let mut unjudged_total = 0;
    for (id, judged) in qrels {
        let ranked = runs.get(id).map(Vec::as_slice).unwrap_or_default();
        let (ndcg, p10, p5, unjudged) = score(ranked, judged);
        totals[0] += ndcg;
        totals[1] += p10;
        totals[2] += p5;
        unjudged_total += unjudged;
        if per_query {
            println!("{id}\t{ndcg:.3}\t{p10:.2}\t{p5:.2}\t{unjudged}");
        }
    }
    let n = qrels.len() as f64;
    println!(
        "mean\t{:.3}\t{:.3}\t{:.3}\t{unjudged_total}\t({} queries)",
        totals[0] / n,
        totals[1] / n,
        totals[2] / n,
        qrels.len()
    );
    let best: Vec<_> = qrels
        .values()
        .map(|judged| {
            let mut ideal: Vec<&String> = judged.keys().collect();
            ideal.sort_by_key(|id| std::cmp::Reverse(judged[*id]));
            let ideal: Vec<String> = ideal.into_iter().cloned().collect();
            score(&ideal, judged)
        })
        .collect();
    println!(
        "ideal\t1.000\t{:.3}\t{:.3}\t-\t(best possible with these judgments)",
        best.iter().map(|b| b.1).sum::<f64>() / n,
        best.iter().map(|b| b.2).sum::<f64>() / n
    );
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let eval = root.join("../shared/eval");
    let kept = std::env::var_os("POLICY_SEARCH_BENCH_INDEX").map(PathBuf::from);
    let temporary = tempfile::tempdir().expect("temp dir");
    let dir = kept.unwrap_or_else(|| temporary.path().to_path_buf());
    let corpus = [root.join("../shared/corpus/large/policies.jsonl.gz")];
    update_index(&corpus, &dir, &IndexOptions::default(), |_| {}).expect("index builds");
    let engine = Engine::open(&dir).expect("index opens");

    // The topic set, the query as typed.
    let mut runs = BTreeMap::new();
    let mut lines = String::from("query_id\trank\tdoc_id\n");
    for row in rows(&eval.join("topics-large.tsv")) {
        let mut request = SearchRequest::new(row[1].clone());
        request.limit = K;
        let response = engine.search(&request).expect("search runs");
        let ids: Vec<String> = response.hits.into_iter().map(|hit| hit.id).collect();
        for (rank, id) in ids.iter().enumerate() {
            lines.push_str(&format!("{}\t{}\t{id}\n", row[0], rank + 1));
        }
        runs.insert(row[0].clone(), ids);
    }
    let out = root.join("target/relevance");
    std::fs::create_dir_all(&out).expect("target/relevance");
    std::fs::write(out.join("run.tsv"), lines).expect("run.tsv written");
    let shared = qrels(&[eval.join("topics-large.qrels.tsv")]);
    report(
        "topic set, shared judgments (topics-large.qrels.tsv)",
        &runs,
        &shared,
        true,
    );
    // The same queries with every version of a regulation its own hit (collapse=false): what
    // collapsing versions into one hit does to the figures.
    let mut apart = BTreeMap::new();
    for row in rows(&eval.join("topics-large.tsv")) {
        let mut request = SearchRequest::new(row[1].clone());
        request.limit = K;
        request.collapse = false;
        let response = engine.search(&request).expect("search runs");
        apart.insert(
            row[0].clone(),
            response
                .hits
                .into_iter()
                .map(|hit| hit.id)
                .collect::<Vec<_>>(),
        );
    }
    report(
        "topic set, shared judgments, versions listed apart (collapse=false)",
        &apart,
        &shared,
        false,
    );
    let ours = root.join("benches/relevance/judged.tsv");
    if ours.is_file() {
        let both = qrels(&[eval.join("topics-large.qrels.tsv"), ours]);
        report(
            "topic set, shared + our blind judgments (benches/relevance/judged.tsv)",
            &runs,
            &both,
            false,
        );
    }
    let unjudged: BTreeSet<(String, String)> = runs
        .iter()
        .flat_map(|(q, ids)| ids.iter().map(move |id| (q.clone(), id.clone())))
        .filter(|(q, id)| !shared.get(q).is_some_and(|j| j.contains_key(id)))
        .collect();
    if std::env::var_os("POLICY_SEARCH_LIST_UNJUDGED").is_some() {
        for (q, id) in &unjudged {
            println!("unjudged\t{q}\t{id}");
        }
    }

    // The phrase set: every id, exactly.
    println!();
    for set in ["phrases-large.tsv"] {
        let (mut found, mut expected, mut returned) = (0usize, 0usize, 0usize);
        for row in rows(&eval.join(set)) {
            let truth: BTreeSet<&str> = row[2].split('|').filter(|s| !s.is_empty()).collect();
            let got: BTreeSet<String> = engine
                .matching_ids(&format!("\"{}\"", row[0]))
                .expect("phrase runs")
                .into_iter()
                .collect();
            found += got.iter().filter(|id| truth.contains(id.as_str())).count();
            expected += truth.len();
            returned += got.len();
        }
        println!(
            "{set}: recall {:.3}, precision {:.3}",
            found as f64 / expected.max(1) as f64,
            found as f64 / returned.max(1) as f64
        );
    }

    // Known items: the typed title's document first.
    let (mut first, mut reciprocal, mut count) = (0usize, 0.0, 0usize);
    for row in rows(&eval.join("known-items-large.tsv")) {
        let wanted: BTreeSet<&str> = row[2].split('|').collect();
        let response = engine
            .search(&SearchRequest::new(row[0].clone()))
            .expect("search runs");
        let rank = response
            .hits
            .iter()
            .take(K)
            .position(|hit| wanted.contains(hit.id.as_str()));
        count += 1;
        if rank == Some(0) {
            first += 1;
        }
        if let Some(rank) = rank {
            reciprocal += 1.0 / (rank + 1) as f64;
        }
    }
    println!(
        "known-items-large.tsv: P@1 {:.3}, MRR@10 {:.3} ({count} titles)",
        first as f64 / count as f64,
        reciprocal / count as f64
    );

    // Related documents: for every document judged about a topic (grade 2), how many of its
    // related list the same topic's judgments call relevant (unjudged ones count as not), and
    // how many share its category or region.
    let (mut relevant, mut same_category, mut same_region, mut with_region, mut listed) =
        (0usize, 0usize, 0usize, 0usize, 0usize);
    let mut sources = 0usize;
    let metadata = |id: &str| engine.document(id).expect("judged document").metadata;
    for judged in shared.values() {
        for (id, _) in judged.iter().filter(|(_, &grade)| grade == 2) {
            let Ok(source) = engine.document(id).map(|d| d.metadata) else {
                continue;
            };
            sources += 1;
            for similar in engine.similar(id, RELATED).expect("similar runs") {
                let other = metadata(&similar.id);
                listed += 1;
                relevant += usize::from(judged.get(&similar.id).is_some_and(|&g| g >= 1));
                same_category += usize::from(other.category == source.category);
                if source.region.is_some() {
                    with_region += 1;
                    same_region += usize::from(other.region == source.region);
                }
            }
        }
    }
    println!(
        "related documents ({sources} documents judged about a topic, {RELATED} each): \
         on the same topic {:.3}, same category {:.3}, same region {:.3}",
        relevant as f64 / (sources * RELATED).max(1) as f64,
        same_category as f64 / listed.max(1) as f64,
        same_region as f64 / with_region.max(1) as f64
    );
}
