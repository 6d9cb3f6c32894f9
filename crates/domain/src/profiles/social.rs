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
}
