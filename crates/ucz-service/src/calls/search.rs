//! Korean search over calls: tantivy, in memory, with character 1- and 2-grams, so that words
//! match inside compounds without a dictionary ("예비 창업" finds 예비창업패키지, "창업 주택"
//! finds 창업지원주택). Each word of a query must occur (its bigrams, or the character itself
//! for a one-character word); hits are ranked by BM25.

use std::sync::Mutex;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, INDEXED, IndexRecordOption, STORED, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{LowerCaser, NgramTokenizer, TextAnalyzer};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use ucz_core::call::StoredCall;

const TOKENIZER: &str = "ko_ngram";

/// Why the index failed (it is in memory: only a bug or no memory makes it fail).
#[derive(Debug, thiserror::Error)]
#[error("search index: {0}")]
pub struct SearchError(#[from] tantivy::TantivyError);

pub struct CallSearch {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    id: Field,
    text: Field,
}

impl CallSearch {
    pub fn new() -> Result<CallSearch, SearchError> {
        let mut schema = Schema::builder();
        let id = schema.add_u64_field("id", INDEXED | STORED);
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqs);
        let text = schema.add_text_field(
            "text",
            TextOptions::default().set_indexing_options(indexing),
        );
        let index = Index::create_in_ram(schema.build());
        let analyzer = TextAnalyzer::builder(NgramTokenizer::new(1, 2, false)?)
            .filter(LowerCaser)
            .build();
        index.tokenizers().register(TOKENIZER, analyzer);
        // One indexing thread and the smallest budget tantivy takes: calls are few and short.
        let writer = index.writer_with_num_threads(1, 15_000_000)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(CallSearch {
            reader,
            writer: Mutex::new(writer),
            id,
            text,
        })
    }

    /// Puts calls in the index (replacing earlier versions of them), then makes them searchable.
    pub fn put(&self, calls: &[StoredCall]) -> Result<(), SearchError> {
        let mut writer = match self.writer.lock() {
            Ok(writer) => writer,
            Err(poisoned) => poisoned.into_inner(),
        };
        for stored in calls {
            let id = stored.id as u64;
            writer.delete_term(Term::from_field_u64(self.id, id));
            let mut doc = TantivyDocument::default();
            doc.add_u64(self.id, id);
            doc.add_text(self.text, searchable_text(stored));
            writer.add_document(doc)?;
        }
        writer.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// The ids of calls matching every word of `query`, best first, at most `limit`. An empty
    /// query matches nothing (the caller lists without searching).
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<i64>, SearchError> {
        let clauses: Vec<(Occur, Box<dyn Query>)> = grams(query)
            .into_iter()
            .map(|gram| {
                let term = Term::from_field_text(self.text, &gram);
                let query: Box<dyn Query> =
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs));
                (Occur::Must, query)
            })
            .collect();
        if clauses.is_empty() {
            return Ok(Vec::new());
        }
        let searcher = self.reader.searcher();
        let hits = searcher.search(
            &BooleanQuery::new(clauses),
            &TopDocs::with_limit(limit.max(1)).order_by_score(),
        )?;
        let mut ids = Vec::with_capacity(hits.len());
        for (_, address) in hits {
            let doc: TantivyDocument = searcher.doc(address)?;
            if let Some(id) = doc.get_first(self.id).and_then(|v| v.as_u64()) {
                ids.push(id as i64);
            }
        }
        Ok(ids)
    }

    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a call is found by: its title, agency, executing body, field, target and summary.
fn searchable_text(stored: &StoredCall) -> String {
    let c = &stored.call;
    [
        Some(&c.title),
        c.agency.as_ref(),
        c.executor.as_ref(),
        c.field.as_ref(),
        c.target.as_ref(),
        c.summary.as_ref(),
    ]
    .into_iter()
    .flatten()
    .map(String::as_str)
    .collect::<Vec<_>>()
    .join("\n")
}

/// A query's terms: each word's character bigrams, or the word itself when it is one character,
/// lower-cased; repeated terms once.
fn grams(query: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in query.split(|c: char| !c.is_alphanumeric()) {
        let chars: Vec<char> = word.chars().flat_map(char::to_lowercase).collect();
        let terms: Vec<String> = match chars.len() {
            0 => continue,
            1 => vec![chars[0].to_string()],
            _ => chars.windows(2).map(|w| w.iter().collect()).collect(),
        };
        for term in terms {
            if !out.contains(&term) {
                out.push(term);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ucz_core::call::CallBody;

    fn stored(id: i64, title: &str) -> StoredCall {
        let body =
            serde_json::json!({"source": "ucz", "source_id": id.to_string(), "title": title});
        StoredCall {
            id,
            group: id,
            grouped_by_hand: false,
            revision: id,
            call: serde_json::from_value::<CallBody>(body).expect("a call"),
        }
    }

    #[test]
    fn korean_words_match_inside_compounds() {
        let search = CallSearch::new().expect("index");
        search
            .put(&[
                stored(1, "2027년 예비창업패키지 예비창업자 모집 공고"),
                stored(2, "대전 창업지원주택 입주자 모집"),
                stored(3, "2026년 수출바우처 추가 모집 공고"),
                stored(4, "AI Hub 입주기업 모집"),
            ])
            .expect("put");
        assert_eq!(search.search("예비 창업", 10).expect("search"), [1]);
        assert_eq!(search.search("창업 주택", 10).expect("search"), [2]);
        assert_eq!(search.search("ai hub", 10).expect("search"), [4]);
        let mut all = search.search("모집", 10).expect("search");
        all.sort();
        assert_eq!(all, [1, 2, 3, 4]);
        // Not substring matching of the query as a whole: the words may be apart.
        assert_eq!(search.search("수출 공고", 10).expect("search"), [3]);
        assert!(search.search("주택 수출", 10).expect("search").is_empty());
        assert!(search.search("  ", 10).expect("search").is_empty());
        // A call put again replaces its earlier text.
        search
            .put(&[stored(2, "대전 창업 공간 입주자 모집")])
            .expect("put");
        assert!(search.search("창업 주택", 10).expect("search").is_empty());
        assert_eq!(search.len(), 4);
    }
}
