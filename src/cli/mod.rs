//! The command-line program: each command is a thin wrapper over the library.

pub mod args;
mod print;
mod progress;
mod search;
mod serve;

use std::io::Write;
use std::path::{Path, PathBuf};

use policy_search::export::export;
use policy_search::index::{last_build, publish, update_index_observed, BuildReport, IndexOptions};
use policy_search::ingest::Limits;
use policy_search::{Engine, Error, Result};

use args::Command;
use policy_search::search::analyze::analyze;
use policy_search::search::Synonyms;
use policy_search::server::json::ComparisonJson;
use print::{
    print_analysis, print_citations, print_comparison, print_out, print_similar, summary, to_json,
};
use progress::ProgressReporter;

/// The corpus `search` and `serve` build from when there is no index yet.
const DEFAULT_CORPUS: &str = "corpus";

/// Run one command; `synonyms` is the user's thesaurus file (`--synonyms`), if any.
pub fn run(command: Command, synonyms: Option<&Path>) -> Result<()> {
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
            let limits = Limits {
                max_line_bytes: max_line_mb << 20,
                max_expanded_bytes: max_expanded_mb << 20,
                max_file_bytes: max_file_mb << 20,
            };
            let report = index_corpus(&corpus, &index, IndexOptions { full, limits })?;
            eprintln!("{}", summary(&report));
            if strict && report.skipped() > 0 {
                return Err(Error::Strict {
                    skipped: report.skipped(),
                });
            }
            Ok(())
        }
        Command::Search(args) => search::run(args, synonyms),
        Command::Kwic(args) => search::kwic(args, synonyms),
        Command::Trends(args) => search::trends_table(args, synonyms),
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
                    writer.flush().map_err(|source| Error::io(path, source))?;
                    count
                }
                None => export(
                    &engine,
                    format,
                    &index_name,
                    &mut std::io::BufWriter::new(std::io::stdout().lock()),
                )?,
            };
            eprintln!("exported {}", print::count(count, "document"));
            Ok(())
        }
        Command::Citations {
            index,
            json,
            id: None,
        } => {
            let links = open_or_build(&index, synonyms)?.citation_links()?;
            if json {
                return print_out(&(to_json(&links)? + "\n"));
            }
            let lines: Vec<String> = links.iter().map(|link| link.line() + "\n").collect();
            print_out(&lines.concat())
        }
        Command::Citations {
            index,
            json,
            id: Some(id),
        } => {
            let citations = open_or_build(&index, synonyms)?.citations(&id)?;
            if json {
                print_out(&(to_json(&citations)? + "\n"))
            } else {
                print_citations(&citations)
            }
        }
        Command::Repeals { index } => {
            let lines: Vec<String> = open_or_build(&index, synonyms)?
                .repeal_links()?
                .iter()
                .map(|link| link.line() + "\n")
                .collect();
            print_out(&lines.concat())
        }
        Command::Versions { index } => {
            let chains = open_or_build(&index, synonyms)?.version_chains()?;
            let lines: Vec<String> = chains
                .iter()
                .map(|chain| {
                    let versions: Vec<String> = chain
                        .iter()
                        .map(|(id, date)| format!("{} {id}", date.as_deref().unwrap_or("-")))
                        .collect();
                    versions.join("\t") + "\n"
                })
                .collect();
            print_out(&lines.concat())
        }
        Command::Compare {
            index,
            json,
            all,
            id,
            other,
        } => {
            let comparison = open_or_build(&index, synonyms)?.compare(&id, &other)?;
            if json {
                print_out(&(to_json(&ComparisonJson::from(comparison))? + "\n"))
            } else {
                print_comparison(&comparison, all)
            }
        }
        Command::Similar {
            index,
            limit,
            json,
            id,
        } => {
            let similar = open_or_build(&index, synonyms)?.similar(&id, limit)?;
            if json {
                print_out(&(to_json(&similar)? + "\n"))
            } else {
                print_similar(&similar)
            }
        }
        Command::Serve {
            index,
            addr,
            cors,
            timeout_ms,
        } => serve::run(&index, &addr, cors, timeout_ms, synonyms),
        Command::Publish { index, to } => {
            let report = publish(&index, &to)?;
            eprintln!(
                "published to {}: {} copied ({:.1} MB), {} of older commits removed",
                print::count(report.replicas, "replica"),
                print::count(report.files_copied, "file"),
                report.bytes_copied as f64 / 1e6,
                print::count(report.files_removed, "file"),
            );
            Ok(())
        }
        Command::Analyze { json, index, text } => {
            let synonyms = synonyms.map(Synonyms::from_file).transpose()?;
            let text = text.join(" ");
            let analysis = match index {
                Some(index) => Engine::open(&index)?
                    .with_synonyms(synonyms.unwrap_or_default())
                    .analyze(&text)?,
                None => analyze(&text, &synonyms.unwrap_or_default().current()),
            };
            if json {
                print_out(&(to_json(&analysis)? + "\n"))
            } else {
                print_analysis(&analysis)
            }
        }
    }
}

fn index_corpus(corpus: &[PathBuf], index: &Path, options: IndexOptions) -> Result<BuildReport> {
    update_index_observed(corpus, index, &options, ProgressReporter::new())
}

/// Open the index, building it from the bundled corpus first when it has never been built,
/// with the user's `synonyms` file if given.
fn open_or_build(index: &Path, synonyms: Option<&Path>) -> Result<Engine> {
    // A bad synonyms file is reported before any work.
    let synonyms = synonyms.map(Synonyms::from_file).transpose()?;
    if index.exists() && !index.is_dir() {
        return Err(Error::InvalidParameter {
            name: "index",
            message: format!("{} is a file: give the index's folder", index.display()),
        });
    }
    if last_build(index).is_none() {
        if index.join("meta.json").is_file() {
            // Index files are there but say nothing readable: building over them would fail too.
            let detail = match Engine::open(index) {
                Err(error) => error.to_string(),
                Ok(_) => "its last commit records no build".to_string(),
            };
            return Err(Error::DamagedIndex {
                dir: index.to_path_buf(),
                detail,
            });
        }
        let corpus = PathBuf::from(DEFAULT_CORPUS);
        eprintln!(
            "no index at {}: building it from {}/ first",
            index.display(),
            corpus.display()
        );
        let options = IndexOptions {
            full: true,
            ..IndexOptions::default()
        };
        let report = index_corpus(&[corpus], index, options)?;
        eprintln!("{}", summary(&report));
    }
    let mut engine = Engine::open(index)?;
    if let Some(synonyms) = synonyms {
        engine = engine.with_synonyms(synonyms);
    }
    if engine.built_with_other_dictionaries() {
        eprintln!(
            "warning: the index at {} was built with other --dict dictionaries than these: \
             give the same --dict, or rebuild it with `policy-search index --index {}`",
            index.display(),
            index.display()
        );
    }
    Ok(engine)
}
