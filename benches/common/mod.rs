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

/// Peak resident memory of this process so far, in MB (VmHWM).
pub fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
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
