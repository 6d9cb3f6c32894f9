//! The profiles area's model: a [`User`] as stored and what their profile shows (photo,
//! availability, stats, the [`SocialHandles`] per [`Network`]), and the age rule.

use time::{Date, OffsetDateTime};

use crate::ids::{PhotoId, UserId};
use crate::naming::Username;

/// Whether a user is open to live-stream calls right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AvailabilityStatus {
    /// Open to calls.
    Available,
    /// Signed in but not taking calls.
    Busy,
    /// Away for a while.
    Away,
    /// Not reachable.
    Offline,
}

impl AvailabilityStatus {
    /// Every status, in the order the API documents them.
    pub const ALL: [Self; 4] = [Self::Available, Self::Busy, Self::Away, Self::Offline];

    /// The status's name in the API and in storage.
    ///
    /// ```
    /// use allmine_domain::AvailabilityStatus;
    /// assert_eq!(AvailabilityStatus::Available.as_str(), "available");
    /// assert_eq!(AvailabilityStatus::parse("busy"), Some(AvailabilityStatus::Busy));
    /// assert_eq!(AvailabilityStatus::parse("Busy"), None);
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Available => "available",
            Self::Busy => "busy",
            Self::Away => "away",
            Self::Offline => "offline",
        }
    }

    /// The status with this exact name, if any.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == name)
    }
}

/// What kind of media a profile photo is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaType {
    /// A still image.
    Image,
    /// A short looping video.
    Video,
}

impl MediaType {
    /// The type's name in the API and in storage.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Video => "video",
        }
    }

    /// The media type with this exact name, if any.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "image" => Some(Self::Image),
            "video" => Some(Self::Video),
            _ => None,
        }
    }
}

/// The photo a profile shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfilePhoto {
    /// The photo's id.
    pub id: PhotoId,
    /// Where the original is served from.
    pub url: String,
    /// Image or video.
    pub media_type: MediaType,
}

/// The social networks a profile links to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Network {
    /// Instagram: 1–30 of letters, digits, `.` and `_`; no `.` at the ends or doubled.
    Instagram,
    /// Snapchat: 3–15 of letters, digits, `.`, `_` and `-`; starts with a letter, ends with a letter or digit.
    Snapchat,
    /// X: 1–15 of letters, digits and `_`.
    X,
    /// TikTok: 2–24 of letters, digits, `.` and `_`; does not end with `.`.
    Tiktok,
    /// Facebook: 5–50 of letters, digits and `.`.
    Facebook,
}

impl Network {
    /// Every network, in the API's field order.
    pub const ALL: [Self; 5] = [
        Self::Instagram,
        Self::Snapchat,
        Self::X,
        Self::Tiktok,
        Self::Facebook,
    ];

    /// The API's field name.
    pub const fn field_name(self) -> &'static str {
        match self {
            Self::Instagram => "instagram",
            Self::Snapchat => "snapchat",
            Self::X => "x",
            Self::Tiktok => "tiktok",
            Self::Facebook => "facebook",
        }
    }
}

/// One value per social [`Network`], each in a field named after it.
///
/// The one shape of "something for every network": a user's stored handles
/// ([`SocialHandles`] is `Socials<Option<String>>`), what an update asks for each
/// network (`Socials<Patch<String>>`) and what it changes
/// (`Socials<Option<Option<String>>>`). Code that knows the network writes the field
/// (`socials.instagram`); code that works through them all iterates, in
/// [`Network::ALL`] order, or picks one with [`Socials::get`] and [`Socials::get_mut`].
/// There is no position to get wrong: adding a network adds a field, and every
/// place that builds a `Socials` stops compiling until it fills it.
///
/// ```
/// use allmine_domain::profiles::{Network, SocialHandles};
///
/// let mut handles = SocialHandles::default();
/// *handles.get_mut(Network::X) = Some("ada_l".to_owned());
/// assert_eq!(handles.x.as_deref(), Some("ada_l"));
/// assert_eq!(handles.get(Network::X), &handles.x);
/// let set: Vec<Network> = handles
///     .into_iter()
///     .filter_map(|(network, handle)| handle.map(|_| network))
///     .collect();
/// assert_eq!(set, [Network::X]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Socials<T> {
    /// Instagram's value.
    pub instagram: T,
    /// Snapchat's value.
    pub snapchat: T,
    /// X's (Twitter's) value.
    pub x: T,
    /// TikTok's value.
    pub tiktok: T,
    /// Facebook's value.
    pub facebook: T,
}

impl<T> Socials<T> {
    /// The value for `network`.
    pub fn get(&self, network: Network) -> &T {
        match network {
            Network::Instagram => &self.instagram,
            Network::Snapchat => &self.snapchat,
            Network::X => &self.x,
            Network::Tiktok => &self.tiktok,
            Network::Facebook => &self.facebook,
        }
    }

    /// The value for `network`, to change it.
    pub fn get_mut(&mut self, network: Network) -> &mut T {
        match network {
            Network::Instagram => &mut self.instagram,
            Network::Snapchat => &mut self.snapchat,
            Network::X => &mut self.x,
            Network::Tiktok => &mut self.tiktok,
            Network::Facebook => &mut self.facebook,
        }
    }
}

/// Each network with its value, in [`Network::ALL`] order.
impl<T> IntoIterator for Socials<T> {
    type Item = (Network, T);
    type IntoIter = std::array::IntoIter<(Network, T), 5>;

    fn into_iter(self) -> Self::IntoIter {
        [
            (Network::Instagram, self.instagram),
            (Network::Snapchat, self.snapchat),
            (Network::X, self.x),
            (Network::Tiktok, self.tiktok),
            (Network::Facebook, self.facebook),
        ]
        .into_iter()
    }
}

/// A user's handles on other networks, as bare handles (no `@`, no URL); `None`
/// where the user has none.
pub type SocialHandles = Socials<Option<String>>;

/// How many followers, followed accounts and live streams a user has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Accepted followers.
    pub followers: u64,
    /// Accounts this user follows (accepted follows only).
    pub following: u64,
    /// Live streams this user has hosted, on air now included.
    pub total_live_streams: u64,
}

/// A user as stored: identity, profile, privacy and account state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The user's id.
    pub id: UserId,
    /// The current username.
    pub username: Username,
    /// When the username last changed; `None` if it never has.
    pub username_changed_at: Option<OffsetDateTime>,
    /// Given name.
    pub name: String,
    /// Family name.
    pub surname: String,
    /// Free text about the user.
    pub bio: Option<String>,
    /// Topics the user is into, in the order they chose.
    pub interests: Vec<String>,
    /// What the user does, in a word or two.
    pub expertise: Option<String>,
    /// The birth date; age is always derived from it, never stored.
    pub birth_date: Option<Date>,
    /// Open to calls or not.
    pub availability_status: AvailabilityStatus,
    /// Credits charged per minute in a live-stream call.
    pub minute_price_in_live_stream: u32,
    /// Handles on other networks.
    pub socials: SocialHandles,
    /// The profile photo, if one is set.
    pub profile_photo: Option<ProfilePhoto>,
    /// Whether only accepted followers may see the profile.
    pub is_private: bool,
    /// Whether the account is deactivated (it then looks as if it did not exist).
    pub is_deactivated: bool,
    /// Follower, following and live-stream counts.
    pub stats: Stats,
}

impl User {
    /// The user's age in whole years on `today`, if a birth date is known.
    pub fn age_on(&self, today: Date) -> Option<u32> {
        self.birth_date.map(|born| age_on(born, today))
    }
}

/// Whole years from `born` to `today`; someone born on 29 February turns a year
/// older on 1 March in common years. A birth date after `today` gives 0.
///
/// ```
/// use allmine_domain::profiles::age_on;
/// use time::macros::date;
///
/// assert_eq!(age_on(date!(1998 - 05 - 22), date!(2026 - 05 - 21)), 27);
/// assert_eq!(age_on(date!(1998 - 05 - 22), date!(2026 - 05 - 22)), 28);
/// assert_eq!(age_on(date!(2004 - 02 - 29), date!(2022 - 02 - 28)), 17);
/// assert_eq!(age_on(date!(2004 - 02 - 29), date!(2022 - 03 - 01)), 18);
/// ```
pub fn age_on(born: Date, today: Date) -> u32 {
    let mut years = today.year() - born.year();
    if (today.month() as u8, today.day()) < (born.month() as u8, born.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn age_turns_on_the_birthday_not_the_day_before() {
        let born = date!(2000 - 06 - 15);
        assert_eq!(age_on(born, date!(2018 - 06 - 14)), 17);
        assert_eq!(age_on(born, date!(2018 - 06 - 15)), 18);
        assert_eq!(age_on(born, date!(2018 - 12 - 31)), 18);
    }

    #[test]
    fn a_leap_day_birthday_counts_from_the_first_of_march_in_common_years() {
        let born = date!(2000 - 02 - 29);
        assert_eq!(age_on(born, date!(2001 - 02 - 28)), 0);
        assert_eq!(age_on(born, date!(2001 - 03 - 01)), 1);
        assert_eq!(age_on(born, date!(2004 - 02 - 29)), 4);
    }

    #[test]
    fn a_birth_date_in_the_future_gives_zero_not_a_negative_age() {
        assert_eq!(age_on(date!(2030 - 01 - 01), date!(2026 - 01 - 01)), 0);
    }

    #[test]
    fn socials_name_each_network_by_its_own_field_in_the_documented_order() {
        let socials = Socials {
            instagram: "instagram",
            snapchat: "snapchat",
            x: "x",
            tiktok: "tiktok",
            facebook: "facebook",
        };
        for network in Network::ALL {
            assert_eq!(*socials.get(network), network.field_name());
            let mut changed = socials.clone();
            *changed.get_mut(network) = "changed";
            for other in Network::ALL {
                let expected = if other == network {
                    "changed"
                } else {
                    other.field_name()
                };
                assert_eq!(
                    *changed.get(other),
                    expected,
                    "{network:?} changed {other:?}"
                );
            }
        }
        let order: Vec<_> = socials.into_iter().collect();
        assert_eq!(
            order,
            Network::ALL.map(|network| (network, network.field_name()))
        );
    }

    #[test]
    fn media_types_are_named_image_and_video_exactly() {
        assert_eq!(MediaType::Image.as_str(), "image");
        assert_eq!(MediaType::Video.as_str(), "video");
        assert_eq!(MediaType::parse("image"), Some(MediaType::Image));
        assert_eq!(MediaType::parse("video"), Some(MediaType::Video));
        for other in ["Image", "VIDEO", " image", "gif", ""] {
            assert_eq!(MediaType::parse(other), None, "{other:?}");
        }
    }

    #[test]
    fn network_field_names_are_the_apis() {
        assert_eq!(
            Network::ALL.map(Network::field_name),
            ["instagram", "snapchat", "x", "tiktok", "facebook"]
        );
    }

    #[test]
    fn availability_names_round_trip() {
        for status in AvailabilityStatus::ALL {
            assert_eq!(AvailabilityStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(AvailabilityStatus::parse("unknown"), None);
    }
}
