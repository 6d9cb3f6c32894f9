//! What a user typed, as words and typo allowances: nothing typed is ever read as query
//! syntax. The `matching` module, beside it, decides how these words meet the index.

use allmine_domain::search::fold_for_search;

/// At most this many words of a text are searched for; the rest are ignored.
pub(crate) const MAX_WORDS: usize = 8;
/// A word is cut to this many characters (keeping a prefix still finds what it should).
pub(crate) const MAX_WORD_CHARS: usize = 40;
/// Texts longer than this (without separators) are not compared with usernames as a whole.
pub(crate) const MAX_USERNAME_CHARS: usize = 64;

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
