//! `policy-search search`.

use std::path::Path;

use policy_search::server::json::SearchJson;
use policy_search::workbench::collocates::MAX_COLLOCATES;
use policy_search::workbench::{
    collocates, concordance, concordance_matches, trends, write_concordance, write_table,
    ConcordanceRequest, TableFormat, TrendsRequest,
};
use policy_search::{Engine, Error, Result, SearchRequest};

use super::args::{time_budget, KwicArgs, SearchArgs, TrendsArgs};
use super::open_or_build;
use super::print::{
    count, print_collocates, print_concordance, print_hits, print_out, print_trends, to_json,
};

pub fn run(args: SearchArgs, synonyms: Option<&Path>) -> Result<()> {
    let engine =
        open_or_build(&args.index, synonyms)?.with_time_budget(time_budget(args.timeout_ms));
    let mut request = SearchRequest::new(args.query.join(" "));
    request.limit = args.limit;
    request.offset = args.offset;
    request.filters = args.filters.0;
    request.sort = args.sort.parse()?;
    request.facets = args.facets;
    request.articles = args.articles;
    request.match_mode = args.match_mode.parse()?;
    request.explain = args.explain;
    request.collapse = !args.no_collapse;
    if let Some(format) = args.export {
        return export(&engine, &request, format, args.output.as_deref());
    }
    let response = engine.search(&request)?;
    if response.timed_out {
        eprintln!(
            "warning: the search took longer than --timeout-ms {}: the results cover only the \
             documents matched until then",
            args.timeout_ms
        );
    }
    if args.json {
        let json = SearchJson::new(response, request.highlight);
        print_out(&(to_json(&json)? + "\n"))
    } else {
        print_hits(&response, args.offset)
    }
}

/// `search --export`: every full match of `request` as a table, to `output` or stdout.
fn export(
    engine: &Engine,
    request: &SearchRequest,
    format: TableFormat,
    output: Option<&Path>,
) -> Result<()> {
    let matches = engine.all_matches(request)?;
    let rows = write_to(output, format, |out, xlsx| {
        write_table(&matches, format, out, xlsx)
    })?;
    eprintln!("exported {}", count(rows, "document"));
    Ok(())
}

/// Runs `write` on `output` (a file, or standard output when none); an XLSX table is written
/// to its file by path.
fn write_to(
    output: Option<&Path>,
    format: TableFormat,
    write: impl FnOnce(&mut dyn std::io::Write, Option<&Path>) -> Result<usize>,
) -> Result<usize> {
    use std::io::Write;
    match (format, output) {
        (TableFormat::Xlsx, path) => write(&mut std::io::sink(), path),
        (_, Some(path)) => {
            let file = std::fs::File::create(path).map_err(|source| Error::io(path, source))?;
            let mut writer = std::io::BufWriter::new(file);
            let rows = write(&mut writer, None)?;
            writer.flush().map_err(|source| Error::io(path, source))?;
            Ok(rows)
        }
        (_, None) => {
            let stdout = std::io::stdout().lock();
            write(&mut std::io::BufWriter::new(stdout), None)
        }
    }
}

/// `policy-search kwic`.
pub fn kwic(args: KwicArgs, synonyms: Option<&Path>) -> Result<()> {
    let engine = open_or_build(&args.index, synonyms)?;
    if args.collocates {
        let mut search = SearchRequest::new(args.query.join(" "));
        search.filters = args.filters.0;
        let found = collocates(
            &engine,
            &search,
            args.limit.min(MAX_COLLOCATES),
            args.min_count,
        )?;
        return if args.json {
            print_out(&(to_json(&found)? + "\n"))
        } else {
            print_collocates(&found)
        };
    }
    let mut request = ConcordanceRequest::new(args.query.join(" "));
    request.search.filters = args.filters.0;
    request.context = args.context;
    request.sort = args.sort.parse()?;
    request.limit = args.limit;
    request.offset = args.offset;
    if let Some(format) = args.export {
        let matches = concordance_matches(&engine, &request)?;
        let lines = write_to(args.output.as_deref(), format, |out, xlsx| {
            write_concordance(&matches, &request, format, out, xlsx)
        })?;
        eprintln!("exported {}", count(lines, "line"));
        return Ok(());
    }
    let concordance = concordance(&engine, &request)?;
    if args.json {
        print_out(&(to_json(&concordance)? + "\n"))
    } else {
        print_concordance(&concordance, args.offset, args.context)
    }
}

/// `policy-search trends`.
pub fn trends_table(args: TrendsArgs, synonyms: Option<&Path>) -> Result<()> {
    let engine = open_or_build(&args.index, synonyms)?;
    let request = TrendsRequest {
        terms: args.terms,
        by: args.by.parse()?,
        measure: args.measure.parse()?,
        filters: args.filters.0,
    };
    let trends = trends(&engine, &request)?;
    if args.json {
        print_out(&(to_json(&trends)? + "\n"))
    } else {
        print_trends(&trends)
    }
}
