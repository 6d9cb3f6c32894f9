//! The rules of social handles: which handle each [`Network`] accepts, and how a pasted
//! `@handle` or profile link is reduced to the bare handle ([`normalize_handle`]).

use super::fields::FieldProblem;
use super::model::Network;

impl Network {
    fn hosts(self) -> &'static [&'static str] {
        match self {
            Self::Instagram => &["instagram.com", "instagr.am"],
            Self::Snapchat => &["snapchat.com"],
            Self::X => &["x.com", "twitter.com"],
            Self::Tiktok => &["tiktok.com"],
            Self::Facebook => &["facebook.com", "fb.com"],
        }
    }

    fn accepts(self, handle: &str) -> bool {
        let length = handle.chars().count();
        let all = |ok: fn(char) -> bool| handle.chars().all(ok);
        let first = handle.chars().next().unwrap_or(' ');
        let last = handle.chars().last().unwrap_or(' ');
        match self {
            Self::Instagram => {
                (1..=30).contains(&length)
                    && all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
                    && first != '.'
                    && last != '.'
                    && !handle.contains("..")
            }
            Self::Snapchat => {
                (3..=15).contains(&length)
                    && all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
                    && first.is_ascii_alphabetic()
                    && last.is_ascii_alphanumeric()
            }
            Self::X => (1..=15).contains(&length) && all(|c| c.is_ascii_alphanumeric() || c == '_'),
            Self::Tiktok => {
                (2..=24).contains(&length)
                    && all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
                    && last != '.'
            }
            Self::Facebook => {
                (5..=50).contains(&length) && all(|c| c.is_ascii_alphanumeric() || c == '.')
            }
        }
    }
}

/// Reduces what a user pasted to the bare handle: drops a leading `@` and, for
/// a profile URL, the scheme, `www.`/`m.`, the path prefix and any query.
///
/// ```
/// use allmine_domain::profiles::{normalize_handle, Network, FieldProblem};
///
/// assert_eq!(normalize_handle(Network::Instagram, "@ada.l").unwrap(), "ada.l");
/// assert_eq!(normalize_handle(Network::X, "https://twitter.com/ada_l?s=20").unwrap(), "ada_l");
/// assert_eq!(normalize_handle(Network::Tiktok, "tiktok.com/@ada.l").unwrap(), "ada.l");
/// assert_eq!(normalize_handle(Network::Snapchat, "https://www.snapchat.com/add/ada-l").unwrap(), "ada-l");
/// assert_eq!(normalize_handle(Network::X, "https://instagram.com/ada"), Err(FieldProblem::NotThisNetwork(Network::X)));
/// assert_eq!(normalize_handle(Network::X, "far_too_long_for_x"), Err(FieldProblem::InvalidHandle(Network::X)));
/// ```
pub fn normalize_handle(network: Network, raw: &str) -> Result<String, FieldProblem> {
    let text = raw.trim();
    // A link has a scheme or a path; `instagram.comedy` is a handle, not a link.
    let handle = if text.contains('/') {
        handle_from_link(network, text)?
    } else {
        text.to_owned()
    };
    let handle = handle.strip_prefix('@').unwrap_or(&handle).to_owned();
    if network.accepts(&handle) {
        Ok(handle)
    } else {
        Err(FieldProblem::InvalidHandle(network))
    }
}

/// The handle in a pasted profile link: the first path segment after the host
/// (after `add/` on Snapchat; the `id` of a numeric Facebook profile).
fn handle_from_link(network: Network, link: &str) -> Result<String, FieldProblem> {
    let lower = link.to_ascii_lowercase();
    let without_scheme = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .unwrap_or(&lower);
    let without_sub = ["www.", "m.", "mobile."]
        .iter()
        .find_map(|sub| without_scheme.strip_prefix(sub))
        .unwrap_or(without_scheme);
    let host_end = without_sub
        .find(['/', '?', '#'])
        .unwrap_or(without_sub.len());
    if !network.hosts().contains(&&without_sub[..host_end]) {
        return Err(FieldProblem::NotThisNetwork(network));
    }
    // The same part of the original text, to keep the handle's case.
    let rest = &link[link.len() - without_sub.len() + host_end..];
    let (path, query) = match rest.split_once('?') {
        Some((path, query)) => (path, query.split('#').next().unwrap_or("")),
        None => (rest.split('#').next().unwrap_or(""), ""),
    };
    let mut segments = path.split('/').filter(|segment| !segment.is_empty());
    let mut first = segments.next().unwrap_or("");
    if network == Network::Snapchat && first.eq_ignore_ascii_case("add") {
        first = segments.next().unwrap_or("");
    }
    if network == Network::Facebook && first.eq_ignore_ascii_case("profile.php") {
        let id = query
            .split('&')
            .find_map(|pair| pair.strip_prefix("id="))
            .unwrap_or("");
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldProblem::InvalidHandle(network));
        }
        return Ok(id.to_owned());
    }
    Ok(first.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_normalised_from_at_signs_and_profile_urls() {
        assert_eq!(
            normalize_handle(Network::Instagram, " @My.Insta ").unwrap(),
            "My.Insta"
        );
        assert_eq!(
            normalize_handle(
                Network::Instagram,
                "https://www.instagram.com/my.insta/?hl=en"
            )
            .unwrap(),
            "my.insta"
        );
        assert_eq!(
            normalize_handle(Network::X, "x.com/someone").unwrap(),
            "someone"
        );
        assert_eq!(
            normalize_handle(Network::Facebook, "https://m.facebook.com/my.page.name").unwrap(),
            "my.page.name"
        );
        assert_eq!(
            normalize_handle(Network::Tiktok, "https://www.tiktok.com/@dancer_01").unwrap(),
            "dancer_01"
        );
    }

    #[test]
    fn handles_that_merely_start_with_a_domain_name_are_handles() {
        assert_eq!(
            normalize_handle(Network::Instagram, "instagram.comedy").unwrap(),
            "instagram.comedy"
        );
        assert_eq!(
            normalize_handle(Network::Facebook, "fb.community").unwrap(),
            "fb.community"
        );
    }

    #[test]
    fn numeric_facebook_profiles_keep_their_number() {
        assert_eq!(
            normalize_handle(
                Network::Facebook,
                "https://www.facebook.com/profile.php?id=100012345678"
            )
            .unwrap(),
            "100012345678"
        );
        assert!(
            normalize_handle(Network::Facebook, "https://www.facebook.com/profile.php").is_err()
        );
    }

    #[test]
    fn handles_break_their_networks_rules() {
        assert_eq!(
            normalize_handle(Network::Instagram, "bad..dots"),
            Err(FieldProblem::InvalidHandle(Network::Instagram))
        );
        assert_eq!(
            normalize_handle(Network::Snapchat, "1starts"),
            Err(FieldProblem::InvalidHandle(Network::Snapchat))
        );
        assert_eq!(
            normalize_handle(Network::Tiktok, "ends."),
            Err(FieldProblem::InvalidHandle(Network::Tiktok))
        );
        assert_eq!(
            normalize_handle(Network::Facebook, "abcd"),
            Err(FieldProblem::InvalidHandle(Network::Facebook))
        );
        assert_eq!(
            normalize_handle(Network::X, "has space"),
            Err(FieldProblem::InvalidHandle(Network::X))
        );
        assert_eq!(
            normalize_handle(Network::Instagram, "https://evil.com/x"),
            Err(FieldProblem::NotThisNetwork(Network::Instagram))
        );
        assert_eq!(
            normalize_handle(Network::Instagram, "https://instagram.com/"),
            Err(FieldProblem::InvalidHandle(Network::Instagram))
        );
    }

    /// Whether `network` takes each of `handles`, as `(handle, taken)` pairs.
    fn assert_takes(network: Network, cases: &[(&str, bool)]) {
        for (handle, taken) in cases {
            assert_eq!(network.accepts(handle), *taken, "{network:?} {handle:?}");
        }
    }

    #[test]
    fn instagram_takes_one_to_thirty_letters_digits_dots_and_underscores_with_no_edge_or_double_dot()
     {
        assert_takes(
            Network::Instagram,
            &[
                ("a", true),
                (&"a".repeat(30), true),
                (&"a".repeat(31), false),
                ("", false),
                ("Ada_L.9", true),
                ("ada-l", false),
                ("ada l", false),
                ("adá", false),
                (".ada", false),
                ("ada.", false),
                ("a..da", false),
            ],
        );
    }

    #[test]
    fn snapchat_takes_three_to_fifteen_from_a_letter_to_a_letter_or_digit() {
        assert_takes(
            Network::Snapchat,
            &[
                ("ab", false),
                ("abc", true),
                (&"a".repeat(15), true),
                (&"a".repeat(16), false),
                ("a.b_c-9", true),
                ("ada+l", false),
                ("ada l", false),
                ("1ada", false),
                ("_ada", false),
                ("ada-", false),
                ("ada.", false),
                ("ada_", false),
            ],
        );
    }

    #[test]
    fn x_takes_one_to_fifteen_letters_digits_and_underscores() {
        assert_takes(
            Network::X,
            &[
                ("", false),
                ("a", true),
                (&"a".repeat(15), true),
                (&"a".repeat(16), false),
                ("_Ada_9_", true),
                ("ada.l", false),
                ("ada-l", false),
            ],
        );
    }

    #[test]
    fn tiktok_takes_two_to_twenty_four_letters_digits_dots_and_underscores_not_ending_in_a_dot() {
        assert_takes(
            Network::Tiktok,
            &[
                ("a", false),
                ("ab", true),
                (&"a".repeat(24), true),
                (&"a".repeat(25), false),
                (".ada_l.9", true),
                ("ada-l", false),
                ("ada l", false),
                ("ada.", false),
            ],
        );
    }

    #[test]
    fn facebook_takes_five_to_fifty_letters_digits_and_dots() {
        assert_takes(
            Network::Facebook,
            &[
                ("abcd", false),
                ("abcde", true),
                (&"a".repeat(50), true),
                (&"a".repeat(51), false),
                ("ada.love.9", true),
                ("ada_lovelace", false),
                ("ada-lovelace", false),
            ],
        );
    }

    #[test]
    fn a_link_keeps_the_handles_case_whatever_the_case_of_its_scheme_and_host() {
        assert_eq!(
            normalize_handle(Network::Instagram, "HTTPS://WWW.Instagram.COM/Ada.Lovelace"),
            Ok("Ada.Lovelace".to_owned())
        );
        assert_eq!(
            normalize_handle(Network::X, "http://mobile.twitter.com/Ada_L#top"),
            Ok("Ada_L".to_owned())
        );
        assert_eq!(
            normalize_handle(Network::Instagram, "instagr.am/ada/?igsh=abc#x"),
            Ok("ada".to_owned())
        );
    }

    #[test]
    fn a_link_must_be_on_one_of_the_networks_own_hosts_exactly() {
        for link in [
            "https://notinstagram.com/ada",
            "https://instagram.com.evil.io/ada",
            "https://www.facebook.com/ada",
        ] {
            assert_eq!(
                normalize_handle(Network::Instagram, link),
                Err(FieldProblem::NotThisNetwork(Network::Instagram)),
                "{link}"
            );
        }
    }

    #[test]
    fn only_snapchat_links_skip_an_add_segment_and_it_is_optional_there() {
        assert_eq!(
            normalize_handle(Network::Snapchat, "https://www.snapchat.com/ada-l"),
            Ok("ada-l".to_owned())
        );
        assert_eq!(
            normalize_handle(Network::Snapchat, "snapchat.com/ADD/ada-l"),
            Ok("ada-l".to_owned())
        );
        assert_eq!(
            normalize_handle(Network::X, "https://x.com/add/ada_l"),
            Ok("add".to_owned())
        );
    }

    #[test]
    fn a_numeric_facebook_profile_needs_an_all_digit_id_among_its_parameters() {
        let link = |query: &str| {
            normalize_handle(
                Network::Facebook,
                &format!("https://www.facebook.com/profile.php?{query}"),
            )
        };
        assert_eq!(link("ref=home&id=10001234#top"), Ok("10001234".to_owned()));
        for query in ["id=", "id=jane.doe", "id=123abc", "ref=10001234"] {
            assert_eq!(
                link(query),
                Err(FieldProblem::InvalidHandle(Network::Facebook)),
                "{query}"
            );
        }
        // On any other network `profile.php` is only a path.
        assert_eq!(
            normalize_handle(Network::Instagram, "instagram.com/profile.php?id=10001234"),
            Ok("profile.php".to_owned())
        );
    }
}
