#!/usr/bin/env bash
# HTTP throughput of `policy-search serve` on an index of ../shared/corpus/large, with wrk at
# 1, 16 and 64 connections, for a word query and a phrase query; then the in-process figures
# for the same two queries (cargo bench --bench queries prints them too).
#
#   bash benches/http.sh            (installs wrk from Debian's packages when missing)
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
fi
cargo build --release --quiet
index=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$index"' EXIT
./target/release/policy-search index --corpus ../shared/corpus/large --index "$index" 2>&1 | tail -1
port=7791
start=$(date +%s%N)
RUST_LOG=warn ./target/release/policy-search serve --index "$index" --addr 127.0.0.1:$port 2>/dev/null &
server=$!
for _ in $(seq 3000); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.01; done
echo "serve ready (first /healthz answered) in $(( ($(date +%s%N) - start) / 1000000 )) ms on an existing index of the large corpus"
word="/api/search?q=%E7%8E%AF%E5%A2%83%E4%BF%9D%E6%8A%A4"                    # 环境保护
phrase="/api/search?q=%22%E8%AE%BE%E5%B7%A5%E7%A8%8B%E8%AE%BE%E8%AE%A1%E6%96%B9%E6%A1%88%22"  # "设工程设计方案"
for name in word phrase; do
  path=${!name}
  for connections in 1 16 64; do
    threads=$(( connections < 2 ? 1 : 2 ))
    result=$(wrk -t$threads -c$connections -d10s --latency "http://127.0.0.1:$port$path")
    rps=$(echo "$result" | awk '/Requests\/sec/ {print $2}')
    p99=$(echo "$result" | awk '$1 == "99%" {print $2}')
    errors=$(echo "$result" | grep -c "Non-2xx\|Socket errors" || true)
    echo "http $name query, $connections connections: $rps requests/s, p99 $p99, error lines: $errors"
  done
done

# Saturation: 40 clients send expensive searches (every hit of 的 with every matching 条)
# while one client sends the word query; the heavy ones beyond the server's slots get 503 with
# Retry-After, the cheap one keeps its latency. The server's peak resident memory is reported.
heavy="/api/search?q=%E7%9A%84&limit=1000&articles=true"                      # 的
wrk -t2 -c40 -d20s "http://127.0.0.1:$port$heavy" > /tmp/policy-search-heavy.txt &
flood=$!
sleep 2
result=$(wrk -t1 -c1 -d15s --latency "http://127.0.0.1:$port$word")
wait $flood
cheap_p99=$(echo "$result" | awk '$1 == "99%" {print $2}')
cheap_rps=$(echo "$result" | awk '/Requests\/sec/ {print $2}')
heavy_total=$(awk '/requests in/ {print $1}' /tmp/policy-search-heavy.txt)
heavy_refused=$(awk '/Non-2xx/ {print $NF}' /tmp/policy-search-heavy.txt)
rss=$(awk '/VmHWM/ {printf "%.0f MB", $2 / 1024}' /proc/$server/status)
echo "under 40 clients of limit=1000&articles=true: word query p99 $cheap_p99 ($cheap_rps requests/s); heavy requests $heavy_total, refused with 503 ${heavy_refused:-0}; server peak RSS $rss"
