//! Versions and 时效性: the documents that are revisions of one instrument share a
//! [`version_key`](crate::analysis::version_key) and form a chain ordered by date. A search
//! shows a chain once, as its newest matching version, with the other matching versions named
//! beside it; a document is 已修改 when its chain has a newer version.
//!
//! Chains are read from the index at query time (a term lookup on the key), never stored:
//! adding, changing or removing any version changes every chain it belongs to at the next
//! commit, so an incremental `index` leaves exactly the chains a full rebuild would.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use tantivy::collector::DocSetCollector;
use tantivy::query::TermQuery;
use tantivy::schema::{IndexRecordOption, Term};
use tantivy::{DocAddress, DocSet, Searcher};

use crate::document::MetaField;
pub use crate::document::Validity;
use crate::index::schema::Fields;

/// Today, in UTC: the day 尚未生效 is judged against.
pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

/// One version in a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Where it is in the searcher.
    pub address: DocAddress,
    /// Its document id.
    pub id: String,
    /// Its date; an undated version is taken as the oldest (collections name the first text
    /// plainly and add a date to each revision).
    pub date: Option<time::Date>,
}

/// A chain as its versions' ids and dates (`YYYY-MM-DD`), oldest first.
pub type ChainIds = Vec<(String, Option<String>)>;

/// The versions of one instrument, oldest first. A chain of one is a document without other
/// versions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Chain(pub Vec<Member>);

impl Chain {
    /// The number of versions.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the chain is empty (a key no document has).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `address` is one of the versions.
    pub fn contains(&self, address: DocAddress) -> bool {
        self.0.iter().any(|member| member.address == address)
    }

    /// Whether a version newer than `address` exists.
    pub fn has_newer_than(&self, address: DocAddress) -> bool {
        self.0
            .iter()
            .position(|member| member.address == address)
            .is_some_and(|at| at + 1 < self.0.len())
    }
}

/// The version key of the document at `address`, from the fast field.
pub fn key_of(searcher: &Searcher, address: DocAddress) -> tantivy::Result<Option<String>> {
    fast_str(searcher, address, "version_key")
}

/// The first value of the string fast field `field` of the document at `address`.
pub(crate) fn fast_str(
    searcher: &Searcher,
    address: DocAddress,
    field: &'static str,
) -> tantivy::Result<Option<String>> {
    Ok(fast_strs(searcher, address, field)?.into_iter().next())
}

/// Every value of the string fast field `field` of the document at `address` (from the
/// segment's table, [`super::ids`]).
pub(crate) fn fast_strs(
    searcher: &Searcher,
    address: DocAddress,
    field: &'static str,
) -> tantivy::Result<Vec<String>> {
    super::ids::values(searcher, address, field)
}

/// The chain of the document at `address`: every document sharing its version key, oldest
/// first, or just itself when it has no other versions.
///
/// Documents with one key are versions only if their dates tell them apart: documents of one
/// date (the books of a code split into files, all titled 民法典 and dated 2020-05-28; two
/// copies of one text) are not versions of each other and each stands alone.
pub fn chain_of(
    searcher: &Searcher,
    fields: &Fields,
    address: DocAddress,
) -> tantivy::Result<Chain> {
    Chains::new(searcher, fields).of(address)
}

/// A document and its date.
type Dated = (DocAddress, Option<time::Date>);

/// The chains of many documents (a page of hits), each version key looked up once: the
/// documents sharing a key and their dates are read for the first hit with that key and
/// reused for the others (its other versions or copies among the hits).
pub struct Chains<'s> {
    searcher: &'s Searcher,
    fields: &'s Fields,
    /// Per version key, the documents sharing it with their dates (`None`: fewer than two).
    sharing: HashMap<String, Option<Vec<Dated>>>,
}

impl<'s> Chains<'s> {
    /// No chain looked up yet.
    pub fn new(searcher: &'s Searcher, fields: &'s Fields) -> Chains<'s> {
        Chains {
            searcher,
            fields,
            sharing: HashMap::new(),
        }
    }

    /// The chain of the document at `address` (see [`chain_of`]).
    pub fn of(&mut self, address: DocAddress) -> tantivy::Result<Chain> {
        let searcher = self.searcher;
        let alone = || -> tantivy::Result<Chain> { Ok(Chain(vec![member(searcher, address)?])) };
        let Some(key) = key_of(searcher, address)? else {
            return alone();
        };
        let dated = match self.sharing.entry(key) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => {
                let sharing = sharing_key(searcher, self.fields, entry.key())?;
                entry.insert(sharing)
            }
        };
        let Some(dated) = dated.as_deref() else {
            return alone();
        };
        // Versions are told apart by their dates, which are cheap to read: the ids (a string
        // column) are read only for the documents whose date no other shares, so a text filed
        // as many same-dated parts or copies costs one read each, not one per part.
        let mut per_date: HashMap<Option<time::Date>, usize> = HashMap::new();
        for (_, date) in dated {
            *per_date.entry(*date).or_default() += 1;
        }
        let shared = |date: &Option<time::Date>| per_date.get(date).is_some_and(|n| *n > 1);
        let own_date = dated
            .iter()
            .find(|(member, _)| *member == address)
            .map(|(_, date)| date);
        if own_date.is_none_or(shared) {
            return alone();
        }
        let members = dated
            .iter()
            .filter(|(_, date)| !shared(date))
            .map(|(member_address, _)| member(searcher, *member_address))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let chain = versions_among(members);
        if chain.len() < 2 {
            return alone();
        }
        Ok(chain)
    }
}

/// The documents whose version key is `key`, with their dates; `None` when fewer than two.
fn sharing_key(
    searcher: &Searcher,
    fields: &Fields,
    key: &str,
) -> tantivy::Result<Option<Vec<Dated>>> {
    let term = Term::from_field_text(fields.version_key, key);
    if searcher.doc_freq(&term)? < 2 {
        return Ok(None);
    }
    let found = searcher.search(
        &TermQuery::new(term, IndexRecordOption::Basic),
        &DocSetCollector,
    )?;
    Ok(Some(dates_of(searcher, found)))
}

/// The date of the document at `address`, from the fast field.
fn date_of(searcher: &Searcher, address: DocAddress) -> Option<time::Date> {
    dates_of(searcher, [address])
        .pop()
        .and_then(|(_, date)| date)
}

/// The dates of the documents at `addresses`, from the fast field, opened once per segment.
fn dates_of(
    searcher: &Searcher,
    addresses: impl IntoIterator<Item = DocAddress>,
) -> Vec<(DocAddress, Option<time::Date>)> {
    let mut columns: Vec<Option<Option<tantivy::columnar::Column<tantivy::DateTime>>>> =
        vec![None; searcher.segment_readers().len()];
    addresses
        .into_iter()
        .map(|address| {
            let column = columns
                .get_mut(address.segment_ord as usize)
                .map(|slot| {
                    slot.get_or_insert_with(|| {
                        searcher
                            .segment_reader(address.segment_ord)
                            .fast_fields()
                            .date(MetaField::Date.name())
                            .ok()
                    })
                })
                .and_then(|column| column.as_ref());
            let date = column
                .and_then(|column| column.first(address.doc_id))
                .map(|day| day.into_utc().date());
            (address, date)
        })
        .collect()
}

/// The chain that `members`, documents sharing a version key, make: oldest first, without
/// those whose date another shares. Versions are told apart by their dates: documents sharing
/// a date (or both undated) are parts or copies of a text, not versions of it.
pub(crate) fn versions_among(mut members: Vec<Member>) -> Chain {
    let dates: Vec<Option<time::Date>> = members.iter().map(|m| m.date).collect();
    members.retain(|m| dates.iter().filter(|date| **date == m.date).count() == 1);
    members.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
    Chain(members)
}

/// The chain member at `address`: its id and date from the fast fields.
pub(crate) fn member(searcher: &Searcher, address: DocAddress) -> tantivy::Result<Member> {
    Ok(Member {
        address,
        id: fast_str(searcher, address, "id")?.unwrap_or_default(),
        date: date_of(searcher, address),
    })
}

/// A chain of versions as one hit of a ranked list.
#[derive(Debug, Clone)]
pub struct Group {
    /// The score of the version that placed it.
    pub score: f32,
    /// The version shown: the newest that matches.
    pub shown: DocAddress,
    /// The chain.
    pub chain: Chain,
    /// The ids of the other versions that match, newest first.
    pub other_matching: Vec<String>,
    /// The ids of the documents that match and hold exactly the shown version's text (see
    /// [`copies_of`]), folded into this hit, in id order.
    pub copies: Vec<String>,
}

/// The ranked documents `scored` (all of which `weight` matches), each chain once, shown as
/// its newest matching version, with the matching exact copies of that version folded in. A
/// chain takes the place of its first version in the list, or, with `at_shown` (a list in
/// ascending date order, where the first would be the oldest), the place of the version shown,
/// so the dates shown keep their order.
pub fn group(
    searcher: &Searcher,
    fields: &Fields,
    weight: &dyn tantivy::query::Weight,
    scored: &[(f32, DocAddress)],
    at_shown: bool,
) -> tantivy::Result<Vec<Group>> {
    let mut seen = std::collections::HashSet::new();
    let mut groups = Vec::new();
    let mut chains = Chains::new(searcher, fields);
    for &(score, address) in scored {
        if seen.contains(&address) {
            continue;
        }
        let chain = chains.of(address)?;
        let mut matching = Vec::new();
        if chain.len() > 1 {
            for member in &chain.0 {
                if member.address == address || matches(searcher, weight, member.address)? {
                    matching.push(member);
                }
            }
        }
        // The chain is oldest first: the newest matching version is the last.
        let shown = matching.last().map_or(address, |member| member.address);
        if at_shown && shown != address {
            continue;
        }
        let other_matching = matching
            .iter()
            .rev()
            .filter(|member| member.address != shown)
            .map(|member| member.id.clone())
            .collect();
        seen.extend(chain.0.iter().map(|member| member.address));
        seen.insert(address);
        // The matching exact copies of the version shown fold into it, and the group shows the
        // copy with the smallest id: copies score alike, and which of them Tantivy places first
        // follows the order they were indexed in, which must not change an answer. (A copy with
        // other versions of its own is not swapped in: the group's chain is the shown one's.)
        let mut found = Vec::new();
        for copy in copies_of(searcher, fields, shown)? {
            if !seen.contains(&copy) && matches(searcher, weight, copy)? {
                seen.insert(copy);
                found.push(copy);
            }
        }
        let (mut shown, mut chain, mut copies) = (shown, chain, Vec::new());
        if !found.is_empty() {
            // Ids are read only here: most hits have no copy.
            found.push(shown);
            let mut by_id = found
                .into_iter()
                .map(|copy| Ok((fast_str(searcher, copy, "id")?.unwrap_or_default(), copy)))
                .collect::<tantivy::Result<Vec<_>>>()?;
            by_id.sort();
            let first = by_id[0].1;
            if first != shown && chain.len() < 2 {
                let first_chain = chains.of(first)?;
                if first_chain.len() < 2 {
                    (shown, chain) = (first, first_chain);
                }
            }
            copies = by_id
                .into_iter()
                .filter(|(_, copy)| *copy != shown)
                .map(|(id, _)| id)
                .collect();
        }
        groups.push(Group {
            score,
            shown,
            chain,
            other_matching,
            copies,
        });
    }
    Ok(groups)
}

/// The other documents holding exactly the text of the document at `address`: those sharing
/// its [`copy_key`](crate::analysis::copy_key), in index order (none for a short body).
pub fn copies_of(
    searcher: &Searcher,
    fields: &Fields,
    address: DocAddress,
) -> tantivy::Result<Vec<DocAddress>> {
    let Some(key) = fast_str(searcher, address, "copy_key")? else {
        return Ok(Vec::new());
    };
    let mut found = holding(searcher, fields.copy_key, &key)?;
    found.retain(|copy| *copy != address);
    Ok(found)
}

/// The documents whose `field` holds `value`, in index order.
pub(crate) fn holding(
    searcher: &Searcher,
    field: tantivy::schema::Field,
    value: &str,
) -> tantivy::Result<Vec<DocAddress>> {
    let term = Term::from_field_text(field, value);
    if searcher.doc_freq(&term)? == 0 {
        return Ok(Vec::new());
    }
    let mut found: Vec<DocAddress> = searcher
        .search(
            &TermQuery::new(term, IndexRecordOption::Basic),
            &DocSetCollector,
        )?
        .into_iter()
        .collect();
    found.sort();
    Ok(found)
}

/// Whether `weight` matches the document at `address`.
pub fn matches(
    searcher: &Searcher,
    weight: &dyn tantivy::query::Weight,
    address: DocAddress,
) -> tantivy::Result<bool> {
    let segment = searcher.segment_reader(address.segment_ord);
    let mut scorer = weight.scorer(segment, 1.0)?;
    Ok(scorer.doc() <= address.doc_id && scorer.seek(address.doc_id) == address.doc_id)
}
