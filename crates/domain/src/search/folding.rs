//! The rule that normalises search text ([`fold_for_search`]): case, accents and the
//! Turkish i, so that what a user types matches what a profile says.

/// Normalises text the way a Turkish user types when searching: lowercase, without
/// accents, `İ`/`I`/`ı`/`i` all read as `i`, `ş`→`s`, `ğ`→`g`, `ç`→`c`, `ö`→`o`, `ü`→`u`
/// (and other accented Latin letters to their base letter: `é`→`e`, `ñ`→`n`, `ß`→`ss`, ...).
///
/// Letters and digits are kept; anything else (spaces, punctuation, `.`, `_`, `*`, `"`, ...)
/// separates words. The result is the words joined by single spaces, with no space at
/// either end: empty if `text` has no word.
///
/// ```
/// use allmine_domain::search::fold_for_search;
///
/// // Typing `sukru` finds Şükrü.
/// assert_eq!(fold_for_search("Şükrü Öztürk"), "sukru ozturk");
/// assert!(fold_for_search("Şükrü Öztürk").starts_with(&fold_for_search("sukru")));
/// assert_eq!(fold_for_search("ISIK"), "isik");
/// assert_eq!(fold_for_search("ışık"), "isik");
/// assert_eq!(fold_for_search("İpek"), "ipek");
/// assert_eq!(fold_for_search("john.doe_99"), "john doe 99");
/// assert_eq!(fold_for_search("\"jo*hn:(%_"), "jo hn");
/// assert_eq!(fold_for_search(" .. "), "");
/// ```
pub fn fold_for_search(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    // Whether a separator was seen since the last letter or digit.
    let mut pending_space = false;
    let mut push = |folded: &mut String, piece: Folded| match piece {
        Folded::Text(text) => {
            if pending_space && !folded.is_empty() {
                folded.push(' ');
            }
            pending_space = false;
            folded.push_str(text);
        }
        Folded::Char(c) => {
            if pending_space && !folded.is_empty() {
                folded.push(' ');
            }
            pending_space = false;
            folded.push(c);
        }
        Folded::Separator => pending_space = true,
        Folded::Nothing => {}
    };
    for c in text.chars() {
        match c {
            // Turkish: dotted and dotless i, in both cases, are one letter for searching.
            // (`'İ'.to_lowercase()` would give `i` followed by a combining dot.)
            'İ' | 'I' | 'ı' | 'i' => push(&mut folded, Folded::Char('i')),
            _ => {
                for lower in c.to_lowercase() {
                    push(&mut folded, fold_lowercase(lower));
                }
            }
        }
    }
    folded
}

/// What one lowercase character becomes in [`fold_for_search`].
enum Folded {
    /// A letter or digit, or its unaccented form.
    Char(char),
    /// A letter written with several plain letters (`ß` → `ss`).
    Text(&'static str),
    /// A word separator.
    Separator,
    /// Nothing at all (a combining accent).
    Nothing,
}

fn fold_lowercase(c: char) -> Folded {
    let base = match c {
        'ş' | 'ś' | 'š' | 'ș' | 'ŝ' => 's',
        'ğ' | 'ĝ' | 'ġ' | 'ģ' => 'g',
        'ç' | 'ć' | 'č' | 'ĉ' | 'ċ' => 'c',
        'ö' | 'ò' | 'ó' | 'ô' | 'õ' | 'ø' | 'ō' | 'ő' | 'ŏ' => 'o',
        'ü' | 'ù' | 'ú' | 'û' | 'ū' | 'ů' | 'ű' | 'ų' | 'ŭ' | 'ũ' => 'u',
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' | 'ĕ' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ĩ' | 'ĭ' => 'i',
        'ñ' | 'ń' | 'ň' | 'ņ' => 'n',
        'ý' | 'ÿ' | 'ŷ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        'ď' | 'đ' | 'ð' => 'd',
        'ł' | 'ľ' | 'ĺ' | 'ļ' => 'l',
        'ř' | 'ŕ' => 'r',
        'ť' | 'ţ' | 'ț' => 't',
        'ķ' => 'k',
        'ĵ' => 'j',
        'ĥ' => 'h',
        'ŵ' => 'w',
        'ß' => return Folded::Text("ss"),
        'æ' => return Folded::Text("ae"),
        'œ' => return Folded::Text("oe"),
        'þ' => return Folded::Text("th"),
        // Combining accents (text typed as a letter followed by its accent).
        '\u{0300}'..='\u{036f}' => return Folded::Nothing,
        c if c.is_alphanumeric() => c,
        _ => return Folded::Separator,
    };
    Folded::Char(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turkish_letters_fold_to_what_a_turkish_keyboardless_user_types() {
        assert_eq!(fold_for_search("Şükrü Öztürk"), "sukru ozturk");
        assert_eq!(fold_for_search("ÇAĞRI ĞÜŞİÖÇ"), "cagri gusioc");
        assert_eq!(fold_for_search("Ayşe Yılmaz"), "ayse yilmaz");
    }

    #[test]
    fn every_kind_of_turkish_i_is_an_i() {
        assert_eq!(fold_for_search("ISIK"), "isik");
        assert_eq!(fold_for_search("Işık"), "isik");
        assert_eq!(fold_for_search("ışık"), "isik");
        assert_eq!(fold_for_search("İSTANBUL"), "istanbul");
        assert_eq!(fold_for_search("istanbul"), "istanbul");
    }

    #[test]
    fn other_accents_are_stripped() {
        assert_eq!(fold_for_search("José Muñoz"), "jose munoz");
        assert_eq!(fold_for_search("Chloë Brontë"), "chloe bronte");
        assert_eq!(fold_for_search("Łukasz Żółć"), "lukasz zolc");
        assert_eq!(fold_for_search("Ärger Straße"), "arger strasse");
        assert_eq!(fold_for_search("âşık"), "asik");
    }

    #[test]
    fn every_accented_latin_letter_folds_to_its_base_letter() {
        // Each row lists every letter of one arm of the fold, lowercase then uppercase.
        for (accented, plain) in [
            ("şśšșŝ ŞŚŠȘŜ", "sssss sssss"),
            ("ğĝġģ ĞĜĠĢ", "gggg gggg"),
            ("çćčĉċ ÇĆČĈĊ", "ccccc ccccc"),
            ("öòóôõøōőŏ ÖÒÓÔÕØŌŐŎ", "ooooooooo ooooooooo"),
            ("üùúûūůűųŭũ ÜÙÚÛŪŮŰŲŬŨ", "uuuuuuuuuu uuuuuuuuuu"),
            ("àáâãäåāăą ÀÁÂÃÄÅĀĂĄ", "aaaaaaaaa aaaaaaaaa"),
            ("èéêëēėęěĕ ÈÉÊËĒĖĘĚĔ", "eeeeeeeee eeeeeeeee"),
            ("ìíîïīįĩĭ ÌÍÎÏĪĮĨĬ", "iiiiiiii iiiiiiii"),
            ("ñńňņ ÑŃŇŅ", "nnnn nnnn"),
            ("ýÿŷ ÝŸŶ", "yyy yyy"),
            ("źżž ŹŻŽ", "zzz zzz"),
            ("ďđð ĎĐÐ", "ddd ddd"),
            ("łľĺļ ŁĽĹĻ", "llll llll"),
            ("řŕ ŘŔ", "rr rr"),
            ("ťţț ŤŢȚ", "ttt ttt"),
            ("ķ Ķ", "k k"),
            ("ĵ Ĵ", "j j"),
            ("ĥ Ĥ", "h h"),
            ("ŵ Ŵ", "w w"),
        ] {
            assert_eq!(fold_for_search(accented), plain, "{accented}");
        }
    }

    #[test]
    fn ligatures_and_thorn_become_two_letters_inside_a_word_and_at_its_start() {
        assert_eq!(fold_for_search("Straße"), "strasse");
        assert_eq!(fold_for_search("Þór Æsir, Œuvre"), "thor aesir oeuvre");
        assert_eq!(fold_for_search("mæla cœur maþr"), "maela coeur mathr");
        assert_eq!(fold_for_search("ß"), "ss");
    }

    #[test]
    fn combining_accents_are_dropped_not_split_on() {
        // "Şükrü" typed with combining marks: S + cedilla, u + diaeresis.
        assert_eq!(fold_for_search("S\u{327}u\u{308}kru\u{308}"), "sukru");
    }

    #[test]
    fn anything_but_letters_and_digits_separates_words() {
        assert_eq!(fold_for_search("john.doe_99"), "john doe 99");
        assert_eq!(fold_for_search("\"jo*hn:(%_ doe)+-~^[\\"), "jo hn doe");
        assert_eq!(
            fold_for_search("  many   spaces\tand\nlines  "),
            "many spaces and lines"
        );
    }

    #[test]
    fn a_text_without_words_folds_to_nothing() {
        assert_eq!(fold_for_search(""), "");
        assert_eq!(fold_for_search("  "), "");
        assert_eq!(fold_for_search("._*\"%"), "");
    }

    #[test]
    fn letters_of_other_scripts_and_digits_are_kept() {
        assert_eq!(fold_for_search("Дмитрий 2024"), "дмитрий 2024");
        assert_eq!(fold_for_search("ΑΘΗΝΑ"), "αθηνα");
    }
}
