//! `policy-search search`.

use std::path::Path;

use policy_search::server::json::SearchJson;
use policy_search::{Result, SearchRequest};

use super::args::{time_budget, SearchArgs};
use super::open_or_build;
use super::print::{print_hits, print_out, to_json};

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
