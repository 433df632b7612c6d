//! Helpers shared by the benchmarks.

#![allow(dead_code)]

/// Words a researcher types: policy terms of every frequency.
pub const WORDS: &[&str] = &[
    "太湖",
    "营商环境",
    "科技创新",
    "长三角",
    "人民政府",
    "数据",
    "环境保护",
    "税",
    "知识产权",
    "公共服务",
];

/// Peak resident memory of this process so far, in MB (VmHWM: heap and mapped index files).
pub fn peak_rss_mb() -> f64 {
    status_mb("VmHWM:")
}

/// Resident anonymous memory (heap, stacks) of this process now, in MB (RssAnon: without the
/// index files the kernel maps in and can drop at will).
pub fn anonymous_rss_mb() -> f64 {
    status_mb("RssAnon:")
}

/// The highest [`anonymous_rss_mb`] while `work` runs, sampled every 50 ms, with its result.
pub fn peak_anonymous_rss_mb<T>(work: impl FnOnce() -> T) -> (T, f64) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let sampler = scope.spawn(|| {
            let mut peak: f64 = 0.0;
            while !done.load(Ordering::Relaxed) {
                peak = peak.max(anonymous_rss_mb());
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            peak.max(anonymous_rss_mb())
        });
        let result = work();
        done.store(true, Ordering::Relaxed);
        (result, sampler.join().unwrap_or(0.0))
    })
}

fn status_mb(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|value| {
            value
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// p50, p99 and max of some latencies.
pub fn percentiles(mut millis: Vec<f64>) -> (f64, f64, f64) {
    millis.sort_by(f64::total_cmp);
    let at = |q: f64| millis[((millis.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.99), millis[millis.len() - 1])
}

/// jieba-rs alone (cut, HMM on) segmenting `texts` on every core, its dictionary loaded
/// beforehand: the limit indexing is measured against. Returns seconds and words.
pub fn jieba_alone<T: AsRef<str> + Sync>(texts: &[T]) -> (f64, usize) {
    use rayon::prelude::*;
    let jieba = policy_search::analysis::jieba();
    let started = std::time::Instant::now();
    let words = texts
        .par_iter()
        .map(|text| jieba.cut(text.as_ref(), true).len())
        .sum();
    (started.elapsed().as_secs_f64(), words)
}
