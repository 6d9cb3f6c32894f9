//! The languages responses are written in.

/// A response language, from the `X-Language` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    /// English, the default for an absent or unknown header.
    #[default]
    En,
    /// Turkish.
    Tr,
}

impl Language {
    /// Reads an `X-Language` value; anything but `tr` (any case, surrounding
    /// spaces ignored) is English.
    pub fn from_header(value: Option<&str>) -> Self {
        match value.map(str::trim) {
            Some(tag) if tag.eq_ignore_ascii_case("tr") => Self::Tr,
            _ => Self::En,
        }
    }

    /// Picks the text for this language.
    pub fn pick<'a>(self, en: &'a str, tr: &'a str) -> &'a str {
        match self {
            Self::En => en,
            Self::Tr => tr,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tr_selects_turkish() {
        assert_eq!(Language::from_header(Some("tr")), Language::Tr);
        assert_eq!(Language::from_header(Some(" TR ")), Language::Tr);
        assert_eq!(Language::from_header(Some("en")), Language::En);
        assert_eq!(Language::from_header(Some("de")), Language::En);
        assert_eq!(Language::from_header(None), Language::En);
    }
}
