//! Turns what a user typed into a Tantivy query, programmatically: nothing the user types
//! is ever read as query syntax.

use allmine_domain::UserId;
use allmine_domain::search::fold_for_search;
use tantivy::Term;
use tantivy::query::{
    BooleanQuery, ConstScoreQuery, DisjunctionMaxQuery, FuzzyTermQuery, Occur, Query, TermQuery,
    TermSetQuery,
};
use tantivy::schema::IndexRecordOption;

use crate::schema::Fields;

/// The ranking tiers, worst first. A document's score is the tier of its best match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Tier {
    /// Every word begins an indexed word within its typo allowance; or the words, joined,
    /// begin the username within the joined text's allowance.
    Typo = 1,
    /// Every word is the beginning of a word of the username, name or surname.
    WordPrefix = 2,
    /// The whole text (without separators) is the beginning of the username.
    UsernamePrefix = 3,
    /// The whole text (without separators) is the username.
    ExactUsername = 4,
}

impl Tier {
    fn score(self) -> f32 {
        f32::from(self as u8)
    }
}

/// At most this many words of a text are searched for; the rest are ignored.
pub(crate) const MAX_WORDS: usize = 8;
/// A word is cut to this many characters (keeping a prefix still finds what it should).
pub(crate) const MAX_WORD_CHARS: usize = 40;
/// Texts longer than this (without separators) are not compared with usernames as a whole.
const MAX_USERNAME_CHARS: usize = 64;

/// How many typos a word of `chars` letters tolerates: one from 4 letters, two from 8.
pub(crate) fn typo_allowance(chars: usize) -> u8 {
    match chars {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// The typo allowance of a searched word: none for one with digits, whose
/// "typos" are other numbers (`user_123456` is not a misspelt `user_123457`),
/// and whose fuzzy expansion over numbered names would touch most of the index.
pub(crate) fn word_allowance(word: &str) -> u8 {
    if word.chars().any(|c| c.is_ascii_digit()) {
        0
    } else {
        typo_allowance(word.chars().count())
    }
}

/// The words searched for in `text`, folded; empty if it has none.
pub(crate) fn query_words(text: &str) -> Vec<String> {
    fold_for_search(text)
        .split(' ')
        .filter(|word| !word.is_empty())
        .take(MAX_WORDS)
        .map(|word| word.chars().take(MAX_WORD_CHARS).collect())
        .collect()
}

/// The query for `words` (non-empty, from [`query_words`]), scoring each match with its
/// [`Tier`], and leaving out the `excluded` users.
pub(crate) fn search_query(
    fields: &Fields,
    words: &[String],
    excluded: &[UserId],
) -> Box<dyn Query> {
    let joined = words.concat();
    let mut tiers: Vec<Box<dyn Query>> = Vec::with_capacity(5);

    if joined.chars().count() <= MAX_USERNAME_CHARS {
        let username = Term::from_field_text(fields.username, &joined);
        tiers.push(tier(
            Tier::ExactUsername,
            Box::new(TermQuery::new(username.clone(), IndexRecordOption::Basic)),
        ));
        tiers.push(tier(Tier::UsernamePrefix, prefix(username.clone(), 0)));
        // A mistyped username, typed as one word or several ("jonh doe" for johndoe).
        let allowance = word_allowance(&joined);
        if allowance > 0 {
            tiers.push(tier(Tier::Typo, prefix(username, allowance)));
        }
    }

    tiers.push(tier(Tier::WordPrefix, every_word(fields, words, |_| 0)));
    if words.iter().any(|word| word_allowance(word) > 0) {
        tiers.push(tier(Tier::Typo, every_word(fields, words, word_allowance)));
    }

    let matching: Box<dyn Query> = Box::new(DisjunctionMaxQuery::new(tiers));
    if excluded.is_empty() {
        return matching;
    }
    Box::new(BooleanQuery::new(vec![
        (Occur::Must, matching),
        (Occur::MustNot, excluded_query(fields, excluded)),
    ]))
}

/// Matches the `excluded` users.
pub(crate) fn excluded_query(fields: &Fields, excluded: &[UserId]) -> Box<dyn Query> {
    Box::new(TermSetQuery::new(
        excluded
            .iter()
            .map(|id| Term::from_field_bytes(fields.id, id.as_bytes())),
    ))
}

/// Matches documents where every word begins some indexed word, within `allowance(word)` typos.
fn every_word(fields: &Fields, words: &[String], allowance: impl Fn(&str) -> u8) -> Box<dyn Query> {
    let clauses = words
        .iter()
        .map(|word| {
            let term = Term::from_field_text(fields.words, word);
            (Occur::Must, prefix(term, allowance(word)))
        })
        .collect();
    Box::new(BooleanQuery::new(clauses))
}

/// Matches the terms that begin with `term`'s text, give or take `typos` edits
/// (a transposition counting as one).
fn prefix(term: Term, typos: u8) -> Box<dyn Query> {
    Box::new(FuzzyTermQuery::new_prefix(term, typos, true))
}

fn tier(tier: Tier, query: Box<dyn Query>) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(query, tier.score()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_with_digits_get_no_typo_allowance() {
        assert_eq!(word_allowance("user123456"), 0);
        assert_eq!(word_allowance("123456"), 0);
        assert_eq!(word_allowance("jonhdoe"), 1);
        assert_eq!(word_allowance("abdurrahman"), 2);
    }

    #[test]
    fn typos_are_allowed_from_four_letters_and_two_from_eight() {
        assert_eq!(typo_allowance(3), 0);
        assert_eq!(typo_allowance(4), 1);
        assert_eq!(typo_allowance(7), 1);
        assert_eq!(typo_allowance(8), 2);
        assert_eq!(typo_allowance(30), 2);
    }

    #[test]
    fn query_words_are_folded_and_bounded() {
        assert_eq!(query_words("Ayşe  YIL"), ["ayse", "yil"]);
        assert_eq!(query_words("\"jo*hn:(%_"), ["jo", "hn"]);
        assert!(query_words(" ._ ").is_empty());
        assert_eq!(query_words(&"a ".repeat(100)).len(), MAX_WORDS);
        assert_eq!(query_words(&"x".repeat(100))[0].len(), MAX_WORD_CHARS);
    }
}
