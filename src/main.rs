//! The `policy-search` command: parses arguments and calls the library.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use policy_search::export::{export, ExportFormat};
use policy_search::indexer::{last_build, update_index, BuildReport, IndexOptions, Progress};
use policy_search::search::{
    Engine, Filters, SearchRequest, SearchResponse, DEFAULT_LIMIT, DEFAULT_SIMILAR,
};
use policy_search::server::ServerOptions;
use policy_search::snippet::Snippet;
use policy_search::{Error, Result};

/// Full-text search for Chinese policy documents.
///
/// Exit status: 0 success; 1 an index or I/O failure; 2 a bad argument or query; 3 `index
/// --strict` skipped some input.
#[derive(Parser)]
#[command(name = "policy-search", version, about, long_about)]
struct Cli {
    /// An extra jieba user dictionary (`word [freq [tag]]` a line); repeat for several. Give
    /// the same ones to `index`, `search` and `serve`.
    #[arg(long = "dict", value_name = "FILE", global = true)]
    dictionaries: Vec<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build or update the index from corpus files (.txt .md .html .pdf .docx .json .jsonl
    /// .jsonl.gz): only what changed since the last run is indexed again.
    Index {
        /// A corpus file or folder (walked recursively); repeat for several.
        #[arg(long = "corpus", value_name = "PATH", default_value = "corpus")]
        corpus: Vec<PathBuf>,
        /// The index folder.
        #[arg(long, value_name = "DIR", default_value = "index")]
        index: PathBuf,
        /// Rebuild from scratch instead of updating.
        #[arg(long)]
        full: bool,
        /// Exit with status 3 when any file or line was skipped.
        #[arg(long)]
        strict: bool,
        /// Skip JSON lines longer than this many MB.
        #[arg(long, value_name = "MB", default_value_t = 64)]
        max_line_mb: u64,
        /// Refuse compressed input (.jsonl.gz, DOCX text) that expands past this many MB.
        #[arg(long, value_name = "MB", default_value_t = 16384)]
        max_expanded_mb: u64,
        /// Skip single-document files larger than this many MB.
        #[arg(long, value_name = "MB", default_value_t = 512)]
        max_file_mb: u64,
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
        /// Only this category (e.g. 行政法规).
        #[arg(long)]
        category: Option<String>,
        /// Only this region (e.g. 上海).
        #[arg(long)]
        region: Option<String>,
        /// Only this 文种 (e.g. 条例).
        #[arg(long = "type", value_name = "TYPE")]
        doc_type: Option<String>,
        /// Only this 发文机关.
        #[arg(long)]
        agency: Option<String>,
        /// Only this year (e.g. 2021).
        #[arg(long)]
        year: Option<String>,
        /// Only this date range (2021, 2020-01..2021-06, >=2019).
        #[arg(long)]
        date: Option<String>,
        /// Order: relevance, date_desc or date_asc.
        #[arg(long, default_value = "relevance")]
        sort: String,
        /// Print counts per category, region, type, agency and year.
        #[arg(long)]
        facets: bool,
        /// Show every matching 条 of each hit.
        #[arg(long)]
        articles: bool,
        /// Print the JSON body `GET /api/search` would return.
        #[arg(long)]
        json: bool,
        /// Stop matching after this many milliseconds and answer with what was found so far,
        /// marked as timed out (0: no limit).
        #[arg(long, value_name = "MS", default_value_t = DEFAULT_TIMEOUT_MS)]
        timeout_ms: u64,
        /// The query (see the README's query syntax). Put `--` before a query that starts
        /// with `-`.
        #[arg(required = true, value_name = "QUERY", num_args = 1..)]
        query: Vec<String>,
    },
    /// List the documents most like one document.
    Similar {
        /// The index folder.
        #[arg(long, value_name = "DIR", default_value = "index")]
        index: PathBuf,
        /// Documents to show (1 to 1000).
        #[arg(long, default_value_t = DEFAULT_SIMILAR)]
        limit: usize,
        /// Print JSON, as `GET /api/documents/{id}/similar` returns it.
        #[arg(long)]
        json: bool,
        /// The document's id.
        id: String,
    },
    /// Write every document, analysed, for Quickwit (NDJSON) or OpenSearch (_bulk).
    Export {
        /// The index folder.
        #[arg(long, value_name = "DIR", default_value = "index")]
        index: PathBuf,
        /// The target engine.
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// The OpenSearch index named in the action lines.
        #[arg(long, default_value = "policies")]
        index_name: String,
        /// Write here instead of standard output.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Serve the JSON API; builds the index from corpus/ first if there is none.
    Serve {
        /// The index folder.
        #[arg(long, value_name = "DIR", default_value = "index")]
        index: PathBuf,
        /// Address to listen on (port 0 picks a free port). Anything but 127.0.0.1 exposes the
        /// index to the network: see the README.
        #[arg(long, default_value = "127.0.0.1:7700")]
        addr: SocketAddr,
        /// Allow browser pages from this origin to call the API (CORS), e.g. https://example.org.
        #[arg(long, value_name = "ORIGIN")]
        cors: Option<String>,
        /// Stop matching after this many milliseconds and answer with what was found so far,
        /// marked as timed out (0: no limit).
        #[arg(long, value_name = "MS", default_value_t = DEFAULT_TIMEOUT_MS)]
        timeout_ms: u64,
    },
}

/// Default of `--timeout-ms`: [`policy_search::search::DEFAULT_TIME_BUDGET`].
const DEFAULT_TIMEOUT_MS: u64 = policy_search::search::DEFAULT_TIME_BUDGET.as_millis() as u64;

/// The time budget `--timeout-ms` asks for.
fn time_budget(timeout_ms: u64) -> Option<std::time::Duration> {
    (timeout_ms > 0).then(|| std::time::Duration::from_millis(timeout_ms))
}

/// The corpus `search` and `serve` build from when there is no index yet.
const DEFAULT_CORPUS: &str = "corpus";

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = policy_search::analysis::use_dictionaries(&cli.dictionaries)
        .and_then(|()| run(cli.command));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(error.exit_code() as u8)
        }
    }
}

fn run(command: Command) -> Result<()> {
    match command {
        Command::Index {
            corpus,
            index,
            full,
            strict,
            max_line_mb,
            max_expanded_mb,
            max_file_mb,
        } => {
            policy_search::ingest::set_limits(policy_search::ingest::Limits {
                max_line_bytes: max_line_mb << 20,
                max_expanded_bytes: max_expanded_mb << 20,
                max_file_bytes: max_file_mb << 20,
            });
            let report = index_corpus(&corpus, &index, full)?;
            eprintln!("{}", summary(&report));
            if strict && report.skipped() > 0 {
                return Err(Error::Strict {
                    skipped: report.skipped(),
                });
            }
            Ok(())
        }
        Command::Search {
            index,
            limit,
            offset,
            category,
            region,
            doc_type,
            agency,
            year,
            date,
            sort,
            facets,
            articles,
            json,
            timeout_ms,
            query,
        } => {
            let engine = open_or_build(&index)?.with_time_budget(time_budget(timeout_ms));
            let mut request = SearchRequest::new(query.join(" "));
            request.limit = limit;
            request.offset = offset;
            request.filters = Filters {
                category,
                region,
                doc_type,
                agency,
                year,
                date,
            };
            request.sort = sort.parse()?;
            request.facets = facets;
            request.articles = articles;
            let response = engine.search(&request)?;
            if response.timed_out {
                eprintln!(
                    "warning: the search took longer than --timeout-ms {timeout_ms}: the results \
                     cover only the documents matched until then"
                );
            }
            if json {
                print_out(&(to_json(&response)? + "\n"))
            } else {
                print_hits(&response, offset)
            }
        }
        Command::Export {
            index,
            format,
            index_name,
            output,
        } => {
            let engine = Engine::open(&index)?;
            let count = match &output {
                Some(path) => {
                    let file =
                        std::fs::File::create(path).map_err(|source| Error::io(path, source))?;
                    let mut writer = std::io::BufWriter::new(file);
                    let count = export(&engine, format, &index_name, &mut writer)?;
                    std::io::Write::flush(&mut writer).map_err(|source| Error::io(path, source))?;
                    count
                }
                None => export(
                    &engine,
                    format,
                    &index_name,
                    &mut std::io::BufWriter::new(std::io::stdout().lock()),
                )?,
            };
            eprintln!("exported {count} documents");
            Ok(())
        }
        Command::Similar {
            index,
            limit,
            json,
            id,
        } => {
            let engine = open_or_build(&index)?;
            let similar = engine.similar(&id, limit)?;
            if json {
                return print_out(&(to_json(&similar)? + "\n"));
            }
            let lines: Vec<String> = similar
                .iter()
                .enumerate()
                .map(|(rank, d)| {
                    format!(
                        "{:>3}. {}  [{}]  {}\n",
                        rank + 1,
                        d.title,
                        d.id,
                        d.date.as_deref().unwrap_or("-")
                    )
                })
                .collect();
            print_out(&lines.concat())
        }
        Command::Serve {
            index,
            addr,
            cors,
            timeout_ms,
        } => {
            let filter = tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("policy_search=info,warn"));
            let ansi = std::io::stderr().is_terminal();
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_writer(std::io::stderr)
                .with_ansi(ansi)
                .try_init();
            let engine = Arc::new(open_or_build(&index)?.with_time_budget(time_budget(timeout_ms)));
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
                let options = ServerOptions { cors_origin: cors };
                policy_search::server::serve(engine, listener, options, shutdown_signal()).await;
                eprintln!("stopped");
                Ok(())
            })
        }
    }
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

fn index_corpus(corpus: &[PathBuf], index: &Path, full: bool) -> Result<BuildReport> {
    let options = IndexOptions {
        full,
        progress: Progress::Auto,
    };
    update_index(corpus, index, &options, |problem| {
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
        let report = index_corpus(&[corpus], index, true)?;
        eprintln!("{}", summary(&report));
    }
    Engine::open(index)
}

fn summary(report: &BuildReport) -> String {
    if report.nothing_changed {
        return format!(
            "nothing changed: {} documents in {} files are up to date ({:.2} s); --full rebuilds",
            report.documents,
            report.files,
            report.elapsed.as_secs_f64()
        );
    }
    let mut line = format!(
        "{} documents: {} added, {} updated, {} deleted, {} unchanged, {} skipped; read {} of {} files, \
         {:.1} MB of text in {:.1} s, {:.1} MB/s",
        report.documents,
        report.added,
        report.updated,
        report.deleted,
        report.unchanged,
        report.skipped(),
        report.files_read,
        report.files,
        report.text_bytes as f64 / 1e6,
        report.elapsed.as_secs_f64(),
        report.megabytes_per_second(),
    );
    if report.duplicates > 0 {
        line.push_str(&format!(
            "; {} replaced by a later document with the same id",
            report.duplicates
        ));
    }
    if report.ignored_files > 0 {
        line.push_str(&format!(
            "; {} files of other types ignored",
            report.ignored_files
        ));
    }
    line
}

fn to_json(value: &impl serde::Serialize) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Internal(e.to_string()))
}

/// Write `text` to stdout; a closed pipe (`search … | head`) is not an error.
fn print_out(text: &str) -> Result<()> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::io(Path::new("<stdout>"), error))
        }
        _ => Ok(()),
    }
}

fn print_hits(response: &SearchResponse, offset: usize) -> Result<()> {
    use std::fmt::Write;
    let ansi = std::io::stdout().is_terminal();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} results for {} ({:.1} ms)",
        response.total, response.query, response.took_ms
    );
    for (rank, hit) in response.hits.iter().enumerate() {
        let article = hit
            .article
            .as_deref()
            .map(|a| format!("  {a}"))
            .unwrap_or_default();
        let _ = writeln!(out, "\n{:>3}. {}", offset + rank + 1, hit.title);
        let _ = writeln!(
            out,
            "     {}  {}{}",
            hit.id,
            hit.metadata.date.as_deref().unwrap_or("-"),
            article
        );
        let _ = writeln!(
            out,
            "     {}",
            Snippet::from_html(&hit.snippet).to_terminal(ansi)
        );
        for article in hit.articles.iter().flatten() {
            let _ = writeln!(
                out,
                "     {}: {}",
                article.label,
                Snippet::from_html(&article.snippet).to_terminal(ansi)
            );
        }
    }
    if let Some(facets) = &response.facets {
        out.push('\n');
        for (facet, counts) in facets.iter().filter(|(_, counts)| !counts.is_empty()) {
            let values: Vec<String> = counts
                .iter()
                .take(12)
                .map(|c| format!("{} {}", c.value, c.count))
                .collect();
            let _ = writeln!(out, "{facet}: {}", values.join(" · "));
        }
    }
    print_out(&out)
}
