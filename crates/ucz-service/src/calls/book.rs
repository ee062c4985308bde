//! Every call in memory, with its rule parsed and in the search index: what lists, searches and
//! fits read, kept up with the store by revision. A request asks the store for the latest
//! revision (one indexed statement) and reads the changes since its snapshot only when there
//! are some, so servers sharing a database each catch up with the others' imports and reviews.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use std::sync::atomic::AtomicUsize;

use ucz_core::Catalog;
use ucz_core::call::StoredCall;
use ucz_core::date::Date;
use ucz_core::firm::Firm;
use ucz_core::rule::Rule;
use ucz_core::rule::columnar::{Matcher, Population};
use ucz_store::Store;

use super::AlsoAt;
use super::search::{CallSearch, SearchError};
use crate::error::Error;

/// A call and its rule (none when the stored text does not parse: it then decides nothing).
pub struct Entry {
    pub stored: StoredCall,
    pub rule: Option<Rule>,
}

/// The calls as of one revision.
#[derive(Clone, Default)]
pub struct Snapshot {
    revision: i64,
    entries: BTreeMap<i64, Arc<Entry>>,
    groups: HashMap<i64, Vec<i64>>,
    search: Option<Arc<CallSearch>>,
    /// Every call's rule compiled together (shared sub-expressions), and the call of each rule:
    /// one firm against every call in one pass.
    matcher: Option<Arc<(Matcher, Vec<i64>)>>,
}

impl Snapshot {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, id: i64) -> Option<&Entry> {
        self.entries.get(&id).map(Arc::as_ref)
    }

    /// Every call, by number.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values().map(Arc::as_ref)
    }

    /// Whether each call's rule admits the firm, by call: the columnar matcher on a population of
    /// one (the interpreter would evaluate every rule apart).
    pub fn fits(&self, firm: &Firm, as_of: Date, catalog: &Catalog) -> HashMap<i64, bool> {
        let Some(compiled) = &self.matcher else {
            return HashMap::new();
        };
        let (matcher, ids) = compiled.as_ref();
        let population = Population::new(
            std::slice::from_ref(firm),
            as_of,
            catalog,
            &matcher.fields(),
        );
        let held = std::sync::Mutex::new(vec![false; ids.len()]);
        let ran = matcher.run(&population, 1, &AtomicUsize::new(0), &|_, chunk| {
            if let Ok(mut held) = held.lock() {
                for (rule, fits) in held.iter_mut().enumerate() {
                    *fits = chunk.holds(rule, 0);
                }
            }
        });
        if ran.is_err() {
            return HashMap::new();
        }
        let held = held.into_inner().unwrap_or_default();
        ids.iter().copied().zip(held).collect()
    }

    /// The call a group is shown as: its first approved call, else its first call. One call
    /// answers for the group, so a firm is never told two things about one announcement.
    pub fn representative(&self, group: i64) -> Option<i64> {
        let members = self.groups.get(&group)?;
        members
            .iter()
            .copied()
            .find(|id| {
                self.get(*id).is_some_and(|e| {
                    e.stored.call.review.state == ucz_core::call::RuleState::Approved
                })
            })
            .or_else(|| members.first().copied())
    }

    /// The calls of a group, by number.
    pub fn members(&self, group: i64) -> &[i64] {
        self.groups.get(&group).map_or(&[], Vec::as_slice)
    }

    /// The other calls of a call's group.
    pub fn also(&self, stored: &StoredCall) -> Vec<AlsoAt> {
        self.groups
            .get(&stored.group)
            .into_iter()
            .flatten()
            .filter(|id| **id != stored.id)
            .filter_map(|id| self.get(*id))
            .map(|e| AlsoAt {
                id: e.stored.id,
                source: e.stored.call.source,
                source_id: e.stored.call.source_id.clone(),
                detail_url: e.stored.call.detail_url.clone(),
            })
            .collect()
    }

    /// Calls matching the words of `query`, best first.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<i64>, SearchError> {
        match &self.search {
            Some(search) => search.search(query, limit),
            None => Ok(Vec::new()),
        }
    }
}

/// The calls in memory, shared by every request of a process.
#[derive(Default)]
pub struct CallBook {
    current: RwLock<Arc<Snapshot>>,
    search: std::sync::OnceLock<Arc<CallSearch>>,
    /// One catch-up at a time, so that two requests do not index the same changes twice.
    catching_up: tokio::sync::Mutex<()>,
}

impl CallBook {
    fn search(&self) -> Result<Arc<CallSearch>, SearchError> {
        if let Some(search) = self.search.get() {
            return Ok(search.clone());
        }
        let made = Arc::new(CallSearch::new()?);
        Ok(self.search.get_or_init(|| made).clone())
    }

    fn snapshot(&self) -> Arc<Snapshot> {
        match self.current.read() {
            Ok(current) => current.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The calls as the store has them now.
    pub async fn fresh(&self, store: &Store) -> Result<Arc<Snapshot>, Error> {
        let latest = store.calls_revision().await?;
        let seen = self.snapshot();
        if latest <= seen.revision {
            return Ok(seen);
        }
        let _one = self.catching_up.lock().await;
        let seen = self.snapshot();
        if latest <= seen.revision {
            return Ok(seen);
        }
        let changed = store.calls_since(seen.revision).await?;
        let search = self.search().map_err(Error::internal)?;
        search.put(&changed).map_err(Error::internal)?;
        let mut next = (*seen).clone();
        next.search = Some(search);
        for stored in changed {
            next.revision = next.revision.max(stored.revision);
            let rule = Rule::parse(&stored.call.review.rule).ok();
            next.entries
                .insert(stored.id, Arc::new(Entry { stored, rule }));
        }
        let mut rules = Vec::new();
        let mut ruled = Vec::new();
        for entry in next.entries.values() {
            if let Ok(rule) = Rule::parse(&entry.stored.call.review.rule) {
                rules.push(rule);
                ruled.push(entry.stored.id);
            }
        }
        next.matcher = Some(Arc::new((Matcher::compile(&rules), ruled)));
        next.groups.clear();
        for entry in next.entries.values() {
            next.groups
                .entry(entry.stored.group)
                .or_default()
                .push(entry.stored.id);
        }
        let next = Arc::new(next);
        match self.current.write() {
            Ok(mut current) => *current = next.clone(),
            Err(poisoned) => *poisoned.into_inner() = next.clone(),
        }
        Ok(next)
    }
}
