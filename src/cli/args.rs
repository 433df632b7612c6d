//! The command line: every command and flag, with its help beside it.

use std::path::PathBuf;
use std::time::Duration;

use clap::builder::TypedValueParser as _;
use clap::{Arg, ArgMatches, Args, FromArgMatches, Parser, Subcommand};
use policy_search::document::{Filter, Filters};
use policy_search::export::ExportFormat;
use policy_search::search::{DEFAULT_LIMIT, DEFAULT_SIMILAR, DEFAULT_TIME_BUDGET};
use policy_search::workbench::kwic::DEFAULT_CONTEXT;
use policy_search::workbench::TableFormat;

/// Full-text search for Chinese policy documents.
///
/// Exit status: 0 success; 1 an index or I/O failure; 2 a bad argument or query; 3 `index
/// --strict` skipped some input.
#[derive(Parser)]
#[command(name = "policy-search", version, about, long_about)]
pub struct Cli {
    /// An extra jieba user dictionary (`word [freq [tag]]` a line); repeat for several. Give
    /// the same ones to `index`, `search` and `serve`.
    #[arg(long = "dict", value_name = "FILE", global = true)]
    pub dictionaries: Vec<PathBuf>,
    /// Synonyms of your own (`a = b` same meaning, `a ~ b` related; a group a line) added to
    /// the shipped `corpus/dict/synonyms.tsv`, for `search`, `serve` and `analyze`; `serve`
    /// rereads the file when it changes. No reindexing needed.
    #[arg(long = "synonyms", value_name = "FILE", global = true)]
    pub synonyms: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

/// For a command line clap refused because an exclusion (`-草案`) stood where it looked for
/// options: what to type instead. Options are ASCII, so `-` before anything else is a query.
pub fn exclusion_hint(error: &clap::Error, args: &[String]) -> Option<String> {
    if error.kind() != clap::error::ErrorKind::UnknownArgument {
        return None;
    }
    let excluded = args.iter().find(|arg| {
        arg.strip_prefix('-')
            .and_then(|rest| rest.trim_start_matches('-').chars().next())
            .is_some_and(|c| !c.is_ascii())
    })?;
    Some(format!(
        "`{excluded}` is an exclusion, not an option: put `--` before the query, e.g. \
         `policy-search search -- {excluded} 太湖`"
    ))
}

#[derive(Subcommand)]
pub enum Command {
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
        /// Skip single-document files larger than this many MB (indexing one takes about 25
        /// times its size in memory).
        #[arg(long, value_name = "MB", default_value_t = 64)]
        max_file_mb: u64,
    },
    /// Search the index; builds it from corpus/ first if there is none.
    Search(SearchArgs),
    /// Every occurrence of the query's terms in the documents it matches, in context (KWIC).
    Kwic(KwicArgs),
    /// How often terms occur per year, region or category, side by side (a table).
    Trends(TrendsArgs),
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
    /// A document's citations: the indexed documents it cites (with the 条 where, and the 条
    /// cited), those citing it, and what it cites that is not indexed. Without an id, every
    /// citation of an indexed document in the index, a line each: `citing-id <tab> 条 <tab>
    /// name as written <tab> article cited <tab> cited ids`.
    Citations {
        /// The index folder.
        #[arg(long, value_name = "DIR", default_value = "index")]
        index: PathBuf,
        /// Print JSON, as `GET /api/documents/{id}/citations` returns it.
        #[arg(long)]
        json: bool,
        /// The document's id.
        id: Option<String>,
    },
    /// Every repeal the indexed texts make of other indexed documents (`…《X》同时废止`): a
    /// line each, `repealing-id <tab> 条 <tab> name as written <tab> repealed ids`.
    Repeals {
        /// The index folder.
        #[arg(long, value_name = "DIR", default_value = "index")]
        index: PathBuf,
    },
    /// Every chain of versions the index holds (documents that are revisions of one
    /// instrument), oldest first: a line a chain, `date id` for each version, separated by tabs.
    Versions {
        /// The index folder.
        #[arg(long, value_name = "DIR", default_value = "index")]
        index: PathBuf,
    },
    /// 新旧对照: two documents (two versions of a regulation) aligned article by article by
    /// content, each pair 未变 / 修改 / 新增 / 删除 with the changed characters marked.
    Compare {
        /// The index folder.
        #[arg(long, value_name = "DIR", default_value = "index")]
        index: PathBuf,
        /// Print JSON, as `GET /api/documents/{id}/compare/{other}` returns it.
        #[arg(long)]
        json: bool,
        /// Also list the units that did not change.
        #[arg(long)]
        all: bool,
        /// One document's id.
        id: String,
        /// The other document's id (the older of the two is shown first).
        other: String,
    },
    /// Copy the index's last commit to read-replica folders (segment files first, meta.json
    /// last), for `serve` processes behind a load balancer.
    Publish {
        /// The index folder.
        #[arg(long, value_name = "DIR", default_value = "index")]
        index: PathBuf,
        /// A replica folder; repeat for several.
        #[arg(long = "to", value_name = "DIR", required = true)]
        to: Vec<PathBuf>,
    },
    /// Show what the engine makes of a text or query: normalised text, units, jieba's words
    /// and each term's expansions.
    Analyze {
        /// Print JSON, as `GET /api/analyze?text=…` returns it.
        #[arg(long)]
        json: bool,
        /// Also expand with the short forms this index's texts define (`科学技术协会（以下简称
        /// 科协）`), as its searches do.
        #[arg(long, value_name = "DIR")]
        index: Option<PathBuf>,
        /// The text or query.
        #[arg(required = true, value_name = "TEXT", num_args = 1.., allow_hyphen_values = true)]
        text: Vec<String>,
    },
    /// Write every document, analysed, for Quickwit (NDJSON) or OpenSearch (_bulk).
    Export {
        /// The index folder.
        #[arg(long, value_name = "DIR", default_value = "index")]
        index: PathBuf,
        /// The target engine.
        #[arg(long, value_parser = export_format())]
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
        /// Address to listen on, `host:port` (port 0 picks a free port). Anything but 127.0.0.1
        /// or localhost exposes the index to the network: see the README.
        #[arg(long, default_value = "127.0.0.1:7700")]
        addr: String,
        /// Allow browser pages from this origin to call the API (CORS), e.g. https://example.org.
        #[arg(long, value_name = "ORIGIN")]
        cors: Option<String>,
        /// Stop matching after this many milliseconds and answer with what was found so far,
        /// marked as timed out (0: no limit).
        #[arg(long, value_name = "MS", default_value_t = DEFAULT_TIMEOUT_MS)]
        timeout_ms: u64,
    },
}

/// `policy-search search`.
#[derive(Args)]
pub struct SearchArgs {
    /// The index folder.
    #[arg(long, value_name = "DIR", default_value = "index")]
    pub index: PathBuf,
    /// Hits to show (1 to 1000).
    #[arg(long, default_value_t = DEFAULT_LIMIT)]
    pub limit: usize,
    /// Hits to skip.
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Order: relevance, date_desc or date_asc.
    #[arg(long, default_value = "relevance")]
    pub sort: String,
    /// Print counts per category, region, type, agency and year.
    #[arg(long)]
    pub facets: bool,
    /// Show every matching 条 of each hit.
    #[arg(long)]
    pub articles: bool,
    /// Print the JSON body `GET /api/search` would return.
    #[arg(long)]
    pub json: bool,
    /// `all`: only documents with every term. `auto`: when too few have them all to fill the
    /// page, documents lacking some term follow, marked with what they lack.
    #[arg(long = "match", value_name = "MODE", default_value = "auto")]
    pub match_mode: String,
    /// Print each hit's score broken into its parts.
    #[arg(long)]
    pub explain: bool,
    /// List every version of a revised instrument as its own hit (by default a chain of
    /// versions is one hit, its newest matching version, with the others named beside it).
    #[arg(long)]
    pub no_collapse: bool,
    /// Write every matching document (no --limit) as a table: csv (UTF-8 with BOM, opens in
    /// Excel), xlsx (needs --output) or jsonl; with metadata, score, each term's count and the
    /// best passage.
    #[arg(long, value_name = "FORMAT", value_parser = table_format())]
    pub export: Option<TableFormat>,
    /// Write the export here instead of standard output.
    #[arg(long, value_name = "FILE", requires = "export")]
    pub output: Option<PathBuf>,
    /// Stop matching after this many milliseconds and answer with what was found so far,
    /// marked as timed out (0: no limit).
    #[arg(long, value_name = "MS", default_value_t = DEFAULT_TIMEOUT_MS)]
    pub timeout_ms: u64,
    /// The query (see the README's query syntax). Put `--` before a query that starts
    /// with `-`.
    #[arg(required = true, value_name = "QUERY", num_args = 1..)]
    pub query: Vec<String>,
}

/// `policy-search kwic`.
#[derive(Args)]
pub struct KwicArgs {
    /// The index folder.
    #[arg(long, value_name = "DIR", default_value = "index")]
    pub index: PathBuf,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Characters of context on each side (0 to 200).
    #[arg(long, default_value_t = DEFAULT_CONTEXT)]
    pub context: usize,
    /// Order: doc (the search's order), date (newest first), left (by the left context read
    /// backwards from the match) or right.
    #[arg(long, default_value = "doc")]
    pub sort: String,
    /// Lines to show (1 to 1000).
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    /// Lines to skip.
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// Print the JSON body `GET /api/kwic` would return.
    #[arg(long)]
    pub json: bool,
    /// Write every line (no --limit) as a table: csv (UTF-8 with BOM, opens in Excel), xlsx
    /// (needs --output) or jsonl; columns left, match, right, id, title, date, article, field.
    #[arg(long, value_name = "FORMAT", value_parser = table_format(), conflicts_with = "collocates")]
    pub export: Option<TableFormat>,
    /// Write the export here instead of standard output.
    #[arg(long, value_name = "FILE", requires = "export")]
    pub output: Option<PathBuf>,
    /// List the words that co-occur most with the query in the same sentence instead (scored
    /// by log-likelihood, with mutual information and counts; `GET /api/collocates`).
    #[arg(long)]
    pub collocates: bool,
    /// With --collocates: words seen fewer times near the query are left out.
    #[arg(long, default_value_t = 3)]
    pub min_count: u64,
    /// The query. Put `--` before a query that starts with `-`.
    #[arg(required = true, value_name = "QUERY", num_args = 1..)]
    pub query: Vec<String>,
}

/// `policy-search trends`.
#[derive(Args)]
pub struct TrendsArgs {
    /// The index folder.
    #[arg(long, value_name = "DIR", default_value = "index")]
    pub index: PathBuf,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// The buckets: year, region or category.
    #[arg(long, default_value = "year")]
    pub by: String,
    /// What is counted: documents, occurrences or per_10k_chars.
    #[arg(long, default_value = "documents")]
    pub measure: String,
    /// Print the JSON body `GET /api/trends` would return.
    #[arg(long)]
    pub json: bool,
    /// The terms (each an exact phrase), 1 to 10.
    #[arg(required = true, value_name = "TERM", num_args = 1..)]
    pub terms: Vec<String>,
}

/// `--export`'s values, from [`TableFormat::ALL`].
fn table_format() -> impl clap::builder::TypedValueParser<Value = TableFormat> {
    let names = TableFormat::ALL.map(|(_, name)| clap::builder::PossibleValue::new(name));
    clap::builder::PossibleValuesParser::new(names).try_map(|name| name.parse::<TableFormat>())
}

/// One flag per [`Filter`] (`--category`, `--region`, `--type`, `--agency`, `--year`,
/// `--date`), made from the filter list so flags and filters cannot drift apart.
pub struct FilterArgs(pub Filters);

impl FromArgMatches for FilterArgs {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut filters = Filters::default();
        for filter in Filter::all() {
            if let Some(value) = matches.get_one::<String>(filter.name()) {
                filters.set(filter, value.as_str());
            }
        }
        Ok(FilterArgs(filters))
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = FilterArgs::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Args for FilterArgs {
    fn augment_args(command: clap::Command) -> clap::Command {
        Filter::all().fold(command, |command, filter| {
            let name = filter.name();
            command.arg(
                Arg::new(name)
                    .long(name.replace('_', "-"))
                    .value_name(name.to_uppercase())
                    .help(filter.help()),
            )
        })
    }

    fn augment_args_for_update(command: clap::Command) -> clap::Command {
        FilterArgs::augment_args(command)
    }
}

/// `--format`'s values, from [`ExportFormat::ALL`].
fn export_format() -> impl clap::builder::TypedValueParser<Value = ExportFormat> {
    let names =
        ExportFormat::ALL.map(|(_, name, help)| clap::builder::PossibleValue::new(name).help(help));
    clap::builder::PossibleValuesParser::new(names).try_map(|name| name.parse::<ExportFormat>())
}

/// Default of `--timeout-ms`: [`DEFAULT_TIME_BUDGET`].
const DEFAULT_TIMEOUT_MS: u64 = DEFAULT_TIME_BUDGET.as_millis() as u64;

/// The time budget `--timeout-ms` asks for.
pub fn time_budget(timeout_ms: u64) -> Option<Duration> {
    (timeout_ms > 0).then(|| Duration::from_millis(timeout_ms))
}
