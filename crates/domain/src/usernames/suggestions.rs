//! The rule for suggesting alternatives to a name that cannot be taken: a fixed list of
//! suffixes and prefixes, fitted to the 30-character limit.

use crate::naming::{MAX_LENGTH, Username};

/// How many alternatives a check offers at most.
pub const MAX_SUGGESTIONS: usize = 3;

/// Names derived from `asked`, in order of preference, each a valid,
/// unreserved username different from `asked` (the availability is checked
/// separately).
///
/// ```
/// use allmine_domain::usernames::suggestion_candidates;
/// use allmine_domain::Username;
///
/// let names: Vec<String> = suggestion_candidates(&Username::new("johndoe").unwrap())
///     .iter().map(|n| n.to_string()).collect();
/// assert_eq!(&names[..3], ["johndoe1", "johndoe_", "johndoe.tr"]);
/// ```
pub fn suggestion_candidates(asked: &Username) -> Vec<Username> {
    let base = asked.as_str().to_ascii_lowercase();
    let fit = |suffix_len: usize| -> String {
        let keep = MAX_LENGTH.saturating_sub(suffix_len);
        base.chars()
            .take(keep)
            .collect::<String>()
            .trim_end_matches('.')
            .to_owned()
    };
    let suffixes = [
        "1",
        "_",
        ".tr",
        "_tr",
        "2",
        "_live",
        ".official.fan",
        "123",
        "_tv",
        "2026",
        "_real",
        "99",
    ];
    let mut names: Vec<Username> = Vec::new();
    for suffix in suffixes {
        let text = format!("{}{suffix}", fit(suffix.len()));
        if let Ok(name) = Username::new(&text)
            && !name.same_name_as(asked)
            && !names.iter().any(|n| n.same_name_as(&name))
        {
            names.push(name);
        }
    }
    for prefix in ["the.", "real."] {
        let text = format!("{prefix}{}", fit(prefix.len()));
        if let Ok(name) = Username::new(&text)
            && !names.iter().any(|n| n.same_name_as(&name))
        {
            names.push(name);
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_are_the_suffixes_in_order_then_the_prefixes() {
        let names: Vec<String> = suggestion_candidates(&Username::new("JohnDoe").unwrap())
            .iter()
            .map(Username::to_string)
            .collect();
        assert_eq!(
            names,
            [
                "johndoe1",
                "johndoe_",
                "johndoe.tr",
                "johndoe_tr",
                "johndoe2",
                "johndoe_live",
                "johndoe.official.fan",
                "johndoe123",
                "johndoe_tv",
                "johndoe2026",
                "johndoe_real",
                "johndoe99",
                "the.johndoe",
                "real.johndoe",
            ]
        );
    }

    #[test]
    fn suggestions_stay_within_thirty_characters() {
        let long = Username::new(&"a".repeat(30)).unwrap();
        let names = suggestion_candidates(&long);
        assert!(names.len() >= MAX_SUGGESTIONS);
        assert!(
            names
                .iter()
                .all(|n| n.as_str().len() <= 30 && !n.same_name_as(&long))
        );
    }
}
