//! The document graph at search time: which indexed document a citation or a repeal names,
//! who cites a document, what repeals it, and every document's 时效性.
//!
//! Each document stores only what its own text says ([`crate::analysis::citations`]): the
//! targets it cites and repeals, and the targets it answers to (its instrument's title key,
//! its 发文字号). Links are resolved here, against the documents indexed now, so adding,
//! changing or removing either end of a link changes it at the next commit: an incremental
//! `index` leaves exactly the links a full rebuild would.
//!
//! A target names the documents answering to it, narrowed to one instrument (when several
//! share the name, the citing document's region's, else the national one; still several, the
//! citation is ambiguous and names none) and to one version: for a citation, the version in
//! force at the citing document's date; for a repeal, every version older than the repealing
//! document.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use tantivy::query::{AllQuery, BooleanQuery, EmptyQuery, EnableScoring, Occur, Query, Weight};
use tantivy::{DocAddress, DocId, Searcher, SegmentOrdinal, TantivyDocument};

use super::address_set::AddressSetQuery;
use super::generation::PerGeneration;
use super::versions::{self, fast_str, fast_strs, holding, versions_among, Member, Validity};
use crate::analysis::citations::{Citation, Links};
use crate::document::{GraphFilter, MetaField};
use crate::index::schema::Fields;

/// A document as the graph sees it, from its fast fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// Where it is in the searcher.
    pub address: DocAddress,
    /// Its id.
    pub id: String,
    /// Its date.
    pub date: Option<time::Date>,
    /// Its version key: the instrument it is a version of.
    pub instrument: String,
    /// Its region.
    pub region: Option<String>,
}

/// The document at `address`.
pub fn node(searcher: &Searcher, address: DocAddress) -> tantivy::Result<Node> {
    let Member { id, date, .. } = versions::member(searcher, address)?;
    Ok(Node {
        address,
        id,
        date,
        instrument: versions::key_of(searcher, address)?.unwrap_or_default(),
        region: fast_str(searcher, address, MetaField::Region.name())?,
    })
}

/// The documents answering to `target` (whose citations look like it), as nodes. Read once
/// per target and resolved for each document naming it ([`cited_among`], [`repealed_among`]):
/// a target named by many documents costs its answering documents once, not once each.
fn answering(searcher: &Searcher, fields: &Fields, target: &str) -> tantivy::Result<Vec<Node>> {
    holding(searcher, fields.cite_target, target)?
        .into_iter()
        .map(|address| node(searcher, address))
        .collect()
}

/// Of the documents `answering` to a target written in `by`, the versions of the one
/// instrument it names; empty when they are no indexed document or several instruments.
fn instrument_among(by: &Node, answering: &[Node]) -> Vec<Node> {
    let mut instruments: BTreeMap<&str, Vec<&Node>> = BTreeMap::new();
    for node in answering.iter().filter(|node| node.address != by.address) {
        instruments.entry(&node.instrument).or_default().push(node);
    }
    if instruments.len() > 1 {
        let same_region = |nodes: &Vec<&Node>| by.region.is_some() && nodes[0].region == by.region;
        let national = |nodes: &Vec<&Node>| nodes[0].region.is_none();
        if instruments.values().any(same_region) {
            instruments.retain(|_, nodes| same_region(nodes));
        } else {
            instruments.retain(|_, nodes| national(nodes));
        }
    }
    let mut named: Vec<Node> = match instruments.len() {
        1 => instruments.into_values().flatten().cloned().collect(),
        _ => Vec::new(),
    };
    // By id, not by where a segment merge left them.
    named.sort_by(|a, b| a.id.cmp(&b.id));
    named
}

/// The documents a citation of `target` in `by` names: the version of the instrument in force
/// at `by`'s date (the newest not after it, or the oldest when all are later; the newest when
/// `by` is undated), with any other document of that date (the parts of one code).
pub fn cited(
    searcher: &Searcher,
    fields: &Fields,
    by: &Node,
    target: &str,
) -> tantivy::Result<Vec<Node>> {
    Ok(cited_among(by, &answering(searcher, fields, target)?))
}

/// [`cited`], given the documents [`answering`] to the target.
fn cited_among(by: &Node, answering: &[Node]) -> Vec<Node> {
    let versions = instrument_among(by, answering);
    let dates = versions.iter().map(|node| node.date);
    let chosen = match by.date {
        Some(day) => dates
            .clone()
            .filter(|date| date.is_none_or(|date| date <= day))
            .max()
            .or_else(|| dates.min()),
        None => dates.max(),
    };
    versions
        .into_iter()
        .filter(|node| Some(node.date) == chosen)
        .collect()
}

/// The documents a repeal of `target` in `by` ends: every version of the instrument older than
/// `by` (all of them when either date is unknown).
pub fn repealed(
    searcher: &Searcher,
    fields: &Fields,
    by: &Node,
    target: &str,
) -> tantivy::Result<Vec<Node>> {
    Ok(repealed_among(by, &answering(searcher, fields, target)?))
}

/// [`repealed`], given the documents [`answering`] to the target.
fn repealed_among(by: &Node, answering: &[Node]) -> Vec<Node> {
    let mut versions = instrument_among(by, answering);
    versions.retain(|node| match (node.date, by.date) {
        (Some(date), Some(repeal)) => date < repeal,
        _ => true,
    });
    versions
}

/// The documents that repeal the document at `address`, each with the target it was named by.
pub fn repealers(
    searcher: &Searcher,
    fields: &Fields,
    address: DocAddress,
) -> tantivy::Result<Vec<(Node, String)>> {
    let mut found = Vec::new();
    for target in fast_strs(searcher, address, "cite_target")? {
        let repealing = holding(searcher, fields.repeals, &target)?;
        if repealing.is_empty() {
            continue;
        }
        let answering = answering(searcher, fields, &target)?;
        for by in repealing {
            let by = node(searcher, by)?;
            if repealed_among(&by, &answering)
                .iter()
                .any(|node| node.address == address)
            {
                found.push((by, target.clone()));
            }
        }
    }
    Ok(found)
}

/// The documents that cite the document at `address`, each with the targets it was named by.
pub fn citers(
    searcher: &Searcher,
    fields: &Fields,
    address: DocAddress,
) -> tantivy::Result<Vec<(Node, Vec<String>)>> {
    let mut found: BTreeMap<DocAddress, (Node, Vec<String>)> = BTreeMap::new();
    for target in fast_strs(searcher, address, "cite_target")? {
        let citing = holding(searcher, fields.cites, &target)?;
        if citing.iter().all(|by| *by == address) {
            continue;
        }
        let answering = answering(searcher, fields, &target)?;
        for by in citing {
            if by == address {
                continue;
            }
            let by = node(searcher, by)?;
            if cited_among(&by, &answering)
                .iter()
                .any(|node| node.address == address)
            {
                found
                    .entry(by.address)
                    .or_insert_with(|| (by, Vec::new()))
                    .1
                    .push(target.clone());
            }
        }
    }
    Ok(found.into_values().collect())
}

/// The targets the document at `address` cites, from its fast field.
pub fn cited_targets(searcher: &Searcher, address: DocAddress) -> tantivy::Result<Vec<String>> {
    fast_strs(searcher, address, "cites")
}

/// The targets the document at `address` repeals, from its fast field.
pub fn repeal_targets(searcher: &Searcher, address: DocAddress) -> tantivy::Result<Vec<String>> {
    fast_strs(searcher, address, "repeals")
}

/// What the stored document says it cites and repeals.
pub fn stored_links(document: &TantivyDocument, fields: &Fields) -> Links {
    crate::index::schema::text_value(document, fields.links)
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default()
}

/// The 时效性 of the document at `address` whose 施行 date is `effective`, on `today`, from its
/// own chain and repealers (a search's hits and a document view ask for a few documents: the
/// whole index's [`validities`] would cost the first search after every commit a pass over
/// every repeal in the index).
pub fn validity(
    searcher: &Searcher,
    fields: &Fields,
    address: DocAddress,
    effective: Option<time::Date>,
    today: time::Date,
) -> tantivy::Result<Validity> {
    let chain = versions::chain_of(searcher, fields, address)?;
    let repealed = !repealers(searcher, fields, address)?.is_empty();
    Ok(Validity::of(
        repealed,
        chain.has_newer_than(address),
        effective,
        today,
    ))
}

/// The 时效性 of every document not 现行有效, by segment, each segment's documents in doc id
/// order: the facet pass walks a segment's list beside the matches it counts (which come in
/// doc id order), and `status:` selects the documents of a list where they are.
#[derive(Debug, Default)]
pub struct Validities {
    /// By segment ordinal: `(doc, validity)` sorted by doc.
    segments: Vec<Vec<(DocId, Validity)>>,
}

impl Validities {
    fn from_addresses(mut listed: Vec<(DocAddress, Validity)>) -> Validities {
        listed.sort_unstable_by_key(|(address, _)| *address);
        // A document both superseded and repealed is listed once (its 时效性 is one).
        listed.dedup_by_key(|(address, _)| *address);
        let mut segments: Vec<Vec<(DocId, Validity)>> = Vec::new();
        for (address, validity) in listed {
            let ord = address.segment_ord as usize;
            if segments.len() <= ord {
                segments.resize_with(ord + 1, Vec::new);
            }
            segments[ord].push((address.doc_id, validity));
        }
        Validities { segments }
    }

    /// The documents of segment `segment` not 现行有效, in doc id order.
    pub fn segment(&self, segment: SegmentOrdinal) -> &[(DocId, Validity)] {
        self.segments
            .get(segment as usize)
            .map_or(&[], Vec::as_slice)
    }

    /// The 时效性 of the document at `address` (现行有效 when it is not listed).
    pub fn of(&self, address: DocAddress) -> Validity {
        let listed = self.segment(address.segment_ord);
        listed
            .binary_search_by_key(&address.doc_id, |&(doc, _)| doc)
            .map_or(Validity::InForce, |found| listed[found].1)
    }

    /// Every document not 现行有效, with its 时效性.
    pub fn iter(&self) -> impl Iterator<Item = (DocAddress, Validity)> + '_ {
        self.segments.iter().enumerate().flat_map(|(ord, listed)| {
            listed.iter().map(move |&(doc, validity)| {
                (DocAddress::new(ord as SegmentOrdinal, doc), validity)
            })
        })
    }
}

/// [`Validities`] per index generation and day: the 时效性 of a document depends on every other
/// one, so it is computed once per generation rather than once per search.
static VALIDITIES: PerGeneration<time::Date, Validities> = PerGeneration::new();

/// The 时效性 of every document not 现行有效 in `searcher` on `today`, computed on the first
/// call for that searcher's segments and reused after.
pub fn validities(
    searcher: &Searcher,
    fields: &Fields,
    today: time::Date,
) -> tantivy::Result<Arc<Validities>> {
    VALIDITIES.get(searcher, today, || {
        compute_validities(searcher, fields, today)
    })
}

/// `searcher`'s [`validities`] on `today` if they are worked out already (by a faceted or
/// `status:` search, or by the warm-up of [`crate::Engine::warmed`]); never works them out.
pub fn kept_validities(searcher: &Searcher, today: time::Date) -> Option<Arc<Validities>> {
    VALIDITIES.kept(searcher, &today)
}

/// [`validities`] from one pass over the fast fields: chains by version key, repeals by
/// resolving every repeal target, 施行 dates against `today`.
fn compute_validities(
    searcher: &Searcher,
    fields: &Fields,
    today: time::Date,
) -> tantivy::Result<Validities> {
    let mut chains: HashMap<String, Vec<Member>> = HashMap::new();
    let mut effective = HashMap::new();
    let mut repeal_targets = Vec::new();
    for (ord, segment) in searcher.segment_readers().iter().enumerate() {
        let fast = segment.fast_fields();
        let ids = super::ids::table(searcher, ord as u32, "id")?;
        let keys = super::ids::table(searcher, ord as u32, "version_key")?;
        let repeals = super::ids::table(searcher, ord as u32, "repeals")?;
        let dates = fast.date(MetaField::Date.name())?;
        let effectives = fast.date(MetaField::Effective.name())?;
        for doc in segment.doc_ids_alive() {
            let address = DocAddress::new(ord as u32, doc);
            let id = ids.first(doc).to_string();
            let key = keys.first(doc).to_string();
            for target in repeals.values(doc) {
                repeal_targets.push((address, target.to_string()));
            }
            let date = dates.first(doc).map(|day| day.into_utc().date());
            chains
                .entry(key)
                .or_default()
                .push(Member { address, id, date });
            if let Some(day) = effectives.first(doc) {
                effective.insert(address, day.into_utc().date());
            }
        }
    }
    let mut superseded = HashSet::new();
    for members in chains.into_values().filter(|members| members.len() > 1) {
        let chain = versions_among(members);
        if let Some((_, older)) = chain.0.split_last() {
            superseded.extend(older.iter().map(|member| member.address));
        }
    }
    // Each distinct target is resolved once, for every document repealing it.
    let mut by_target: BTreeMap<String, Vec<DocAddress>> = BTreeMap::new();
    for (address, target) in repeal_targets {
        by_target.entry(target).or_default().push(address);
    }
    let mut repealed_set = HashSet::new();
    for (target, repealing) in by_target {
        let answering = answering(searcher, fields, &target)?;
        if answering.is_empty() {
            continue;
        }
        for address in repealing {
            let by = node(searcher, address)?;
            repealed_set.extend(
                repealed_among(&by, &answering)
                    .into_iter()
                    .map(|node| node.address),
            );
        }
    }
    let mut out = Vec::new();
    for address in superseded
        .iter()
        .chain(&repealed_set)
        .chain(effective.keys())
    {
        let validity = Validity::of(
            repealed_set.contains(address),
            superseded.contains(address),
            effective.get(address).copied(),
            today,
        );
        if validity != Validity::InForce {
            out.push((*address, validity));
        }
    }
    Ok(Validities::from_addresses(out))
}

/// A filter on the document graph (`status:`, `cites:`, `cited_by:`), resolved when the search
/// runs: the ids it selects depend on every indexed document, not on the one filtered.
#[derive(Debug, Clone)]
pub struct GraphQuery {
    fields: Fields,
    filter: GraphFilter,
    value: String,
    today: time::Date,
}

impl GraphQuery {
    /// The documents `filter` with `value` selects, judged on `today` (for 时效性).
    pub fn new(fields: Fields, filter: GraphFilter, value: &str, today: time::Date) -> GraphQuery {
        GraphQuery {
            fields,
            filter,
            value: value.to_string(),
            today,
        }
    }

    /// The query selecting exactly the documents of the filter in `searcher`.
    fn resolve(&self, searcher: &Searcher) -> tantivy::Result<Box<dyn Query>> {
        let fields = &self.fields;
        let set = |addresses: &mut dyn Iterator<Item = DocAddress>| -> Box<dyn Query> {
            Box::new(AddressSetQuery::new(searcher, addresses))
        };
        match self.filter {
            GraphFilter::Status => {
                let Some(wanted) = Validity::named(&self.value) else {
                    let reason = self.filter.check(&self.value).err().unwrap_or_default();
                    return Err(tantivy::TantivyError::InvalidArgument(format!(
                        "status {reason}"
                    )));
                };
                let validities = validities(searcher, fields, self.today)?;
                if wanted == Validity::InForce {
                    let others = set(&mut validities.iter().map(|(address, _)| address));
                    return Ok(Box::new(BooleanQuery::new(vec![
                        (Occur::Must, Box::new(AllQuery) as Box<dyn Query>),
                        (Occur::MustNot, others),
                    ])));
                }
                let selected = set(&mut validities
                    .iter()
                    .filter(|(_, validity)| *validity == wanted)
                    .map(|(address, _)| address));
                Ok(selected)
            }
            GraphFilter::Cites => {
                let Some(address) = holding(searcher, fields.id, &self.value)?.first().copied()
                else {
                    return Ok(Box::new(EmptyQuery));
                };
                let by = node(searcher, address)?;
                let mut named = Vec::new();
                for target in cited_targets(searcher, address)? {
                    named.extend(
                        cited(searcher, fields, &by, &target)?
                            .into_iter()
                            .map(|n| n.address),
                    );
                }
                Ok(set(&mut named.into_iter()))
            }
            GraphFilter::CitedBy => {
                let Some(address) = holding(searcher, fields.id, &self.value)?.first().copied()
                else {
                    return Ok(Box::new(EmptyQuery));
                };
                let citing = citers(searcher, fields, address)?;
                Ok(set(&mut citing.into_iter().map(|(node, _)| node.address)))
            }
        }
    }
}

impl Query for GraphQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let Some(searcher) = enable_scoring.searcher() else {
            return Err(tantivy::TantivyError::InvalidArgument(
                "a graph filter needs a searcher".to_string(),
            ));
        };
        self.resolve(searcher)?.weight(enable_scoring)
    }
}

/// One citation as a document's citation list shows it: the document at the other end, how
/// often and where.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CitationLink {
    /// The other document's id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its date.
    pub date: Option<String>,
    /// How many times the citing text names it.
    pub count: usize,
    /// The 条 of the citing text where it is named, in order, each once.
    pub at: Vec<String>,
    /// The 条 of the cited document named with it (`《行政许可法》第十二条`), each once.
    pub articles: Vec<String>,
    /// The names the citing text gives it, as written (`《中华人民共和国行政许可法》`), each
    /// once: what a reading view turns into links.
    pub names: Vec<String>,
}

/// A citation naming no indexed document (or several instruments).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Unresolved {
    /// The name as written.
    pub text: String,
    /// How many times.
    pub count: usize,
}

/// A document's citations both ways.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Citations {
    /// The indexed documents it cites, in the order first named.
    pub cites: Vec<CitationLink>,
    /// The indexed documents citing it, most citations first.
    pub cited_by: Vec<CitationLink>,
    /// What it cites that names no indexed document, in the order first named.
    pub not_indexed: Vec<Unresolved>,
}

/// A citation one indexed text makes of others, as `policy-search citations` lists them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CitationOf {
    /// The citing document's id.
    pub by: String,
    /// The 条 of it that cites.
    pub at: Option<String>,
    /// The name as written.
    pub text: String,
    /// The 条 cited with it.
    pub article: Option<String>,
    /// The ids of the indexed documents it names.
    pub cited: Vec<String>,
}

impl CitationOf {
    /// One line of `policy-search citations`: citing id, 条, name, 条 cited, cited ids, by tabs.
    pub fn line(&self) -> String {
        format!(
            "{}\t{}\t{}\t{}\t{}",
            self.by,
            self.at.as_deref().unwrap_or("-"),
            self.text,
            self.article.as_deref().unwrap_or("-"),
            self.cited.join(" ")
        )
    }
}

/// A repeal one indexed text makes of others, as `policy-search repeals` lists them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RepealLink {
    /// The repealing document's id.
    pub by: String,
    /// The 条 of it that repeals.
    pub at: Option<String>,
    /// The name it repeals by, as written.
    pub text: String,
    /// The ids of the indexed documents repealed (none: the name names no indexed document).
    pub repealed: Vec<String>,
}

impl RepealLink {
    /// One line of `policy-search repeals`: repealing id, 条, name, repealed ids, by tabs.
    pub fn line(&self) -> String {
        format!(
            "{}\t{}\t{}\t{}",
            self.by,
            self.at.as_deref().unwrap_or("-"),
            self.text,
            self.repealed.join(" ")
        )
    }
}

/// A repeal of a document, as its view explains its 已废止.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RepealInfo {
    /// The repealing document's id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its date.
    pub date: Option<String>,
    /// The 条 of it that repeals.
    pub at: Option<String>,
    /// The name it repeals by, as written.
    pub text: String,
}

/// Add `citation` to the link for `node` in `links`.
/// The title and the date come from `about`, asked once per document.
pub(crate) fn tally<E>(
    links: &mut Vec<(DocAddress, CitationLink)>,
    node: &Node,
    citation: &Citation,
    about: impl FnOnce() -> Result<(String, Option<String>), E>,
) -> Result<(), E> {
    let index = match links
        .iter()
        .position(|(address, _)| *address == node.address)
    {
        Some(index) => index,
        None => {
            let (title, date) = about()?;
            links.push((
                node.address,
                CitationLink {
                    id: node.id.clone(),
                    title,
                    date,
                    count: 0,
                    at: Vec::new(),
                    articles: Vec::new(),
                    names: Vec::new(),
                },
            ));
            links.len() - 1
        }
    };
    let link = &mut links[index].1;
    link.count += 1;
    let add = |list: &mut Vec<String>, value: &Option<String>| {
        if let Some(value) = value {
            if !list.contains(value) {
                list.push(value.clone());
            }
        }
    };
    add(&mut link.at, &citation.at);
    add(&mut link.articles, &citation.article);
    add(&mut link.names, &Some(citation.text.clone()));
    Ok(())
}
