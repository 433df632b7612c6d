//! The `policy-search` command: parses arguments and calls the library.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use policy_search::indexer::{build_index, last_build, BuildReport};
use policy_search::search::{Engine, SearchRequest, SearchResponse, DEFAULT_LIMIT};
use policy_search::snippet::Snippet;
use policy_search::{Error, Result};

/// Full-text search for Chinese policy documents.
///
/// Exit status: 0 success; 1 an index or I/O failure; 2 a bad argument or query.
#[derive(Parser)]
#[command(name = "policy-search", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the index from corpus files (.txt, .md, .jsonl, .jsonl.gz), replacing its contents.
    Index {
        /// A corpus file or folder (walked recursively); repeat for several.
        #[arg(long = "corpus", value_name = "PATH", default_value = "corpus")]
        corpus: Vec<PathBuf>,
        /// The index folder.
        #[arg(long, value_name = "DIR", default_value = "index")]
        index: PathBuf,
    },
    /// Search the index; builds it from corpus/ first if there is none.
    Search {
        /// The index folder.
        #[arg(long, value_name = "DIR", default_value = "index")]
        index: PathBuf,
        /// Hits to show (1 to 1000).
        #[arg(long, default_value_t = DEFAULT_LIMIT)]
        limit: usize,
        /// Hits to skip.
        #[arg(long, default_value_t = 0)]
        offset: usize,
        /// Print the JSON body `GET /api/search` would return.
        #[arg(long)]
        json: bool,
        /// The query: words must all match; "quoted text" is an exact phrase. Put `--` before a
        /// query that starts with `-`.
        #[arg(required = true, value_name = "QUERY", num_args = 1..)]
        query: Vec<String>,
    },
    /// Serve the JSON API; builds the index from corpus/ first if there is none.
    Serve {
        /// The index folder.
        #[arg(long, value_name = "DIR", default_value = "index")]
        index: PathBuf,
        /// Address to listen on (port 0 picks a free port).
        #[arg(long, default_value = "127.0.0.1:7700")]
        addr: SocketAddr,
    },
}

/// The corpus `search` and `serve` build from when there is no index yet.
const DEFAULT_CORPUS: &str = "corpus";

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(error.exit_code() as u8)
        }
    }
}

fn run(command: Command) -> Result<()> {
    match command {
        Command::Index { corpus, index } => {
            let report = index_corpus(&corpus, &index)?;
            eprintln!("{}", summary(&report));
            Ok(())
        }
        Command::Search {
            index,
            limit,
            offset,
            json,
            query,
        } => {
            let engine = open_or_build(&index)?;
            let request = SearchRequest {
                q: query.join(" "),
                limit,
                offset,
            };
            let response = engine.search(&request)?;
            if json {
                let text =
                    serde_json::to_string(&response).map_err(|e| Error::Internal(e.to_string()))?;
                println!("{text}");
            } else {
                print_hits(&response, offset);
            }
            Ok(())
        }
        Command::Serve { index, addr } => {
            let engine = Arc::new(open_or_build(&index)?);
            let runtime =
                tokio::runtime::Runtime::new().map_err(|e| Error::Internal(e.to_string()))?;
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind(addr)
                    .await
                    .map_err(|source| Error::InvalidParameter {
                        name: "addr",
                        message: format!("cannot listen on {addr}: {source}"),
                    })?;
                let bound = listener
                    .local_addr()
                    .map_err(|e| Error::Internal(e.to_string()))?;
                eprintln!(
                    "serving {} documents on http://{bound} (Ctrl-C to stop)",
                    engine.num_docs()
                );
                policy_search::server::serve(engine, listener, async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await;
                Ok(())
            })
        }
    }
}

fn index_corpus(corpus: &[PathBuf], index: &Path) -> Result<BuildReport> {
    build_index(corpus, index, |problem| {
        let kind = if problem.skipped {
            "skipped"
        } else {
            "warning"
        };
        eprintln!("{kind}: {problem}");
    })
}

/// Open the index, building it from the bundled corpus first when it has never been built.
fn open_or_build(index: &Path) -> Result<Engine> {
    if last_build(index).is_none() {
        let corpus = PathBuf::from(DEFAULT_CORPUS);
        eprintln!(
            "no index at {}: building it from {}/ first",
            index.display(),
            corpus.display()
        );
        let report = index_corpus(&[corpus], index)?;
        eprintln!("{}", summary(&report));
    }
    Engine::open(index)
}

fn summary(report: &BuildReport) -> String {
    let mut line = format!(
        "indexed {} documents from {} files ({:.1} MB of text) in {:.1} s, {:.1} MB/s; {} skipped",
        report.documents,
        report.files,
        report.text_bytes as f64 / 1e6,
        report.elapsed.as_secs_f64(),
        report.megabytes_per_second(),
        report.skipped(),
    );
    if report.duplicates > 0 {
        line.push_str(&format!(
            ", {} replaced by a later document with the same id",
            report.duplicates
        ));
    }
    if report.ignored_files > 0 {
        line.push_str(&format!(
            ", {} files of other types ignored",
            report.ignored_files
        ));
    }
    line
}

fn print_hits(response: &SearchResponse, offset: usize) {
    let ansi = std::io::stdout().is_terminal();
    println!(
        "{} results for {} ({:.1} ms)",
        response.total, response.query, response.took_ms
    );
    for (rank, hit) in response.hits.iter().enumerate() {
        println!();
        println!("{:>3}. {}", offset + rank + 1, hit.title);
        println!("     {}  {}", hit.id, hit.date.as_deref().unwrap_or("-"));
        println!(
            "     {}",
            Snippet::from_html(&hit.snippet).to_terminal(ansi)
        );
    }
}
