//! Read replicas behind HAProxy: two `serve`s answer from folders that `publish` keeps at the
//! last commit; a client loop through HAProxy sees no failed request while the index is
//! rebuilt and published, and both replicas show the new document soon after.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use policy_search::index::{publish, update_index, IndexOptions};

use crate::common::*;

/// HAProxy in the foreground, stopped when dropped.
struct Proxy(Child);

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_haproxy(dir: &std::path::Path, port: u16, replicas: &[SocketAddr]) -> Proxy {
    let servers: String = replicas
        .iter()
        .enumerate()
        .map(|(i, addr)| format!("  server r{i} {addr}\n"))
        .collect();
    let config = format!(
        "defaults\n  mode http\n  timeout connect 2s\n  timeout client 10s\n  timeout server 10s\n  \
         retries 2\n  option redispatch\nfrontend api\n  bind 127.0.0.1:{port}\n  \
         default_backend replicas\nbackend replicas\n  balance roundrobin\n{servers}"
    );
    let path = dir.join("haproxy.cfg");
    std::fs::write(&path, config).unwrap();
    let child = Command::new("haproxy")
        .args(["-db", "-f"])
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("haproxy runs: bash .ci/run installs it (Debian's haproxy)");
    let proxy = Proxy(child);
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let started = Instant::now();
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "haproxy did not listen"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    proxy
}

#[test]
#[ignore = "needs haproxy: bash .ci/run installs it"]
fn replicas_behind_haproxy_answer_every_request_and_show_a_publish_within_two_seconds() {
    let work = tempfile::tempdir().unwrap();
    let corpus = work.path().join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    for name in [
        "行政法规/太湖流域管理条例(2011-09-07).md",
        "环太湖科技创新圈.txt",
    ] {
        let target = corpus.join(name);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(sample_file(name), target).unwrap();
    }
    let source = work.path().join("index");
    let replicas = [work.path().join("r1"), work.path().join("r2")];
    let options = IndexOptions::default();
    update_index(std::slice::from_ref(&corpus), &source, &options, |_| {}).unwrap();
    publish(&source, &replicas).unwrap();
    let servers: Vec<SocketAddr> = replicas
        .iter()
        .map(|dir| serve_in_background(dir, Default::default()))
        .collect();
    let port = free_port();
    let _proxy = start_haproxy(work.path(), port, &servers);
    let front: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();

    // A bounded client loop through HAProxy, for the whole test.
    let stop = Arc::new(AtomicBool::new(false));
    let (sent, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let (stop, sent, failed) = (stop.clone(), sent.clone(), failed.clone());
            std::thread::spawn(move || {
                let path = format!("/api/search?q={}", encode("太湖"));
                while !stop.load(Ordering::Relaxed) {
                    let (status, body) = http_get(front, &path);
                    sent.fetch_add(1, Ordering::Relaxed);
                    if status != 200 || !body.contains("\"hits\"") {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));

    // A new document: indexed, published, then looked for on each replica directly.
    let added =
        "地方性法规/上海/上海市促进长三角生态绿色一体化发展示范区高质量发展条例(2024-09-27).md";
    let target = corpus.join(added);
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::copy(sample_file(added), &target).unwrap();
    update_index(std::slice::from_ref(&corpus), &source, &options, |_| {}).unwrap();
    let published = Instant::now();
    publish(&source, &replicas).unwrap();
    let document = format!("/api/documents/{}", encode(added));
    let mut seen = vec![None; servers.len()];
    while seen.iter().any(Option::is_none) && published.elapsed() < Duration::from_secs(10) {
        for (i, server) in servers.iter().enumerate() {
            if seen[i].is_none() && http_get(*server, &document).0 == 200 {
                seen[i] = Some(published.elapsed());
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.join().unwrap();
    }
    let (sent, failed) = (sent.load(Ordering::Relaxed), failed.load(Ordering::Relaxed));
    eprintln!("replicas: {sent} requests through haproxy, {failed} failed; new document seen after {seen:?}");
    assert!(sent > 50, "{sent} requests");
    assert_eq!(failed, 0);
    for (i, after) in seen.iter().enumerate() {
        let after = after.unwrap_or_else(|| panic!("replica {i} never showed the new document"));
        assert!(after < Duration::from_secs(2), "replica {i}: {after:?}");
    }
}
