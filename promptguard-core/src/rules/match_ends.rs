//! Where the regexes without anchors can match, found for all of them in one pass.
//!
//! A regex with no literal to anchor it (an e-mail, a phone number, an IBAN shape) cannot be
//! narrowed by Aho-Corasick, and a regex set only says *whether* each one matches. On a long
//! text with one e-mail in it, that answer sends the e-mail regex over every byte again. One
//! lazy DFA over all of them, searched for overlapping matches, says instead where each one's
//! matches *end*: every match of every pattern ends at a reported offset. With the longest a
//! match can be ([`super::reach`]), each regex then only runs over the few bytes before its
//! ends, and a pass that costs what the set's did replaces the whole-text runs.

use std::panic::{RefUnwindSafe, UnwindSafe};

use regex_automata::hybrid::dfa::{Cache, OverlappingState, DFA};
use regex_automata::util::pool::Pool;
use regex_automata::util::prefilter::Prefilter;
use regex_automata::{Input, MatchKind};

/// Makes a thread's cache; boxed, so that the pool's type can be named.
type MakeCache = Box<dyn Fn() -> Cache + Send + Sync + UnwindSafe + RefUnwindSafe>;

/// A multi-pattern lazy DFA reporting every offset where a match of each pattern ends.
pub(crate) struct MatchEnds {
    dfa: DFA,
    /// Search state per thread: the engine is shared, a lazy DFA's cache is not.
    caches: Pool<Cache, MakeCache>,
}

impl std::fmt::Debug for MatchEnds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MatchEnds")
            .field("patterns", &self.dfa.pattern_len())
            .finish()
    }
}

/// The transition cache a search may fill per thread (the regex set it replaces had the same).
const CACHE_CAPACITY: usize = 16 << 20;

impl MatchEnds {
    /// One automaton over `patterns` (regex syntax, flags inline); `None` if it cannot be built
    /// (a Unicode word boundary, which a DFA cannot search, or too large a program): then the
    /// caller runs each regex over the whole text.
    pub(crate) fn new(patterns: &[String]) -> Option<MatchEnds> {
        let dfa = DFA::builder()
            .configure(
                DFA::config()
                    .match_kind(MatchKind::All)
                    .cache_capacity(CACHE_CAPACITY)
                    .prefilter(prefilter(patterns)),
            )
            .thompson(regex_automata::nfa::thompson::Config::new().nfa_size_limit(Some(64 << 20)))
            .build_many(patterns)
            .ok()?;
        let for_pool = dfa.clone();
        let create: MakeCache = Box::new(move || for_pool.create_cache());
        Some(MatchEnds {
            dfa,
            caches: Pool::new(create),
        })
    }

    /// Calls `found(pattern, end)` for every offset of `text` where a match of `pattern` ends,
    /// in increasing order of `end` (several patterns may end at one offset). Returns `false` if
    /// the search could not finish, having reported only some ends: then nothing can be
    /// concluded about where the patterns match, or whether they do.
    pub(crate) fn each(&self, text: &str, mut found: impl FnMut(usize, usize)) -> bool {
        let mut cache = self.caches.get();
        let input = Input::new(text);
        let mut state = OverlappingState::start();
        loop {
            if self
                .dfa
                .try_search_overlapping_fwd(&mut cache, &input, &mut state)
                .is_err()
            {
                return false;
            }
            match state.get_match() {
                Some(m) => found(m.pattern().as_usize(), m.offset()),
                None => return true,
            }
        }
    }
}

/// A literal search for where matches can start, when every pattern begins with one of few
/// literals: the DFA then skips the text between them (as the regex crate does for its sets).
fn prefilter(patterns: &[String]) -> Option<Prefilter> {
    let hirs = patterns
        .iter()
        .map(|p| regex_syntax::Parser::new().parse(p).ok())
        .collect::<Option<Vec<_>>>()?;
    Prefilter::from_hirs_prefix(MatchKind::All, &hirs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ends(patterns: &[&str], text: &str) -> Vec<(usize, usize)> {
        let patterns: Vec<String> = patterns.iter().map(|p| p.to_string()).collect();
        let finder = MatchEnds::new(&patterns).expect("builds");
        let mut out = Vec::new();
        assert!(finder.each(text, |p, e| out.push((p, e))));
        out
    }

    #[test]
    fn every_end_of_every_pattern_is_reported_in_order() {
        let text = "mail a@b.io or x@y.com, call 555-0100";
        let found = ends(&[r"[a-z]+@[a-z]+\.[a-z]{2,}", r"\d{3}-\d{4}"], text);
        // Each e-mail ends after two or more letters of its domain (all ends, not only the
        // longest match); the phone number once.
        let io = text.find("a@b.io").expect("present") + 6;
        let com = text.find("x@y.com").expect("present");
        assert_eq!(
            found,
            vec![(0, io), (0, com + 6), (0, com + 7), (1, text.len())]
        );
        assert!(found.windows(2).all(|w| w[0].1 <= w[1].1));
    }

    #[test]
    fn no_match_reports_nothing_and_ascii_boundaries_build() {
        assert!(ends(&[r"(?-u:\b)\d{9}(?-u:\b)", r"(?i:iban)"], "nothing here").is_empty());
        assert_eq!(ends(&[r"(?-u:\b)\d{3}(?-u:\b)"], "1234 567"), vec![(0, 8)]);
    }

    #[test]
    fn literal_prefixes_skip_text_and_lose_no_end() {
        let patterns = [r"(?i:iban[ :]+[a-z]{2}[0-9]{2})", r"sk-[a-z0-9]{8}"];
        let owned: Vec<String> = patterns.iter().map(|p| p.to_string()).collect();
        assert!(prefilter(&owned).is_some());
        let text = "x IBAN: GB82 and sk-abcdefgh9 then iban de12";
        let found = ends(&patterns, text);
        let iban = text.find("GB82").expect("present") + 4;
        let key = text.find("sk-").expect("present") + 11;
        assert_eq!(found, vec![(0, iban), (1, key), (0, text.len())]);
        // A pattern that can start anywhere leaves nothing to skip.
        assert!(prefilter(&[r"\w+@".to_owned(), r"sk-".to_owned()]).is_none());
    }

    #[test]
    fn unicode_word_boundaries_are_refused_not_mis_searched() {
        assert!(MatchEnds::new(&[r"\bé\b".to_owned()]).is_none());
    }

    #[test]
    fn searches_share_the_automaton_across_threads() {
        let finder = MatchEnds::new(&[r"\d{4}".to_owned()]).expect("builds");
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    let mut n = 0;
                    assert!(finder.each("1234 and 98765", |_, _| n += 1));
                    // 1234 once; 98765 ends twice (9876, 98765).
                    assert_eq!(n, 3);
                });
            }
        });
    }
}
