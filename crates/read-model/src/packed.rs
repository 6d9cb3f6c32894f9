//! A user as the store keeps them: every text in one buffer.
//!
//! A [`User`] spreads its texts over a dozen `String`s (username, names, bio,
//! interests, five social handles, the photo's address), each a heap
//! allocation of its own behind 24 bytes of the struct, most of them `None`
//! or a few bytes long. Packed, the same user takes three allocations and
//! about half the bytes, so the same budget holds about twice the users
//! (on a skewed draw, hit rate grows with the log of what is held).

use time::{Date, OffsetDateTime};

use allmine_domain::{
    AvailabilityStatus, MediaType, PhotoId, ProfilePhoto, SocialHandles, Stats, User, UserId,
    Username,
};

/// A user with their texts packed; [`unpack`](Self::unpack) gives the
/// [`User`] back, equal to the one packed.
#[derive(Debug)]
pub(crate) struct PackedUser {
    id: UserId,
    username_changed_at: Option<OffsetDateTime>,
    birth_date: Option<Date>,
    stats: Stats,
    photo: Option<(PhotoId, MediaType)>,
    minute_price_in_live_stream: u32,
    availability_status: AvailabilityStatus,
    is_private: bool,
    is_deactivated: bool,
    /// Which optional texts are there: bit `i` for the `i`-th of bio,
    /// expertise, the five handles in `Network::ALL` order, the photo's address.
    present: u8,
    /// Every text back to back: username, name, surname, the optional texts
    /// that are there, then the interests.
    text: Box<str>,
    /// Where each text in `text` ends, in bytes.
    ends: Box<[u16]>,
}

impl PackedUser {
    /// `user` packed; `None` if their texts together exceed 64 KiB (such a
    /// user is not kept: the store reads them from storage each time).
    pub(crate) fn pack(user: &User) -> Option<Self> {
        let socials = &user.socials;
        let optional = [
            user.bio.as_deref(),
            user.expertise.as_deref(),
            socials.instagram.as_deref(),
            socials.snapchat.as_deref(),
            socials.x.as_deref(),
            socials.tiktok.as_deref(),
            socials.facebook.as_deref(),
            user.profile_photo.as_ref().map(|photo| photo.url.as_str()),
        ];
        let texts: Vec<&str> = [
            user.username.as_str(),
            user.name.as_str(),
            user.surname.as_str(),
        ]
        .into_iter()
        .chain(optional.iter().flatten().copied())
        .chain(user.interests.iter().map(String::as_str))
        .collect();
        let mut text = String::with_capacity(texts.iter().map(|part| part.len()).sum());
        let mut ends = Vec::with_capacity(texts.len());
        for part in texts {
            text.push_str(part);
            ends.push(u16::try_from(text.len()).ok()?);
        }
        let present = optional
            .iter()
            .enumerate()
            .filter(|(_, text)| text.is_some())
            .fold(0u8, |bits, (bit, _)| bits | 1 << bit);
        Some(Self {
            id: user.id,
            username_changed_at: user.username_changed_at,
            birth_date: user.birth_date,
            stats: user.stats,
            photo: user
                .profile_photo
                .as_ref()
                .map(|photo| (photo.id, photo.media_type)),
            minute_price_in_live_stream: user.minute_price_in_live_stream,
            availability_status: user.availability_status,
            is_private: user.is_private,
            is_deactivated: user.is_deactivated,
            present,
            text: text.into_boxed_str(),
            ends: ends.into_boxed_slice(),
        })
    }

    /// The user packed; `None` only if the packing was broken (never made
    /// by [`pack`](Self::pack)), which the store treats as not holding them.
    pub(crate) fn unpack(&self) -> Option<User> {
        let mut texts = Texts {
            packed: self,
            next: 0,
            start: 0,
        };
        let username = Username::existing(texts.next()?).ok()?;
        let name = texts.next()?.to_owned();
        let surname = texts.next()?.to_owned();
        let mut optional = [None, None, None, None, None, None, None, None];
        for (bit, slot) in optional.iter_mut().enumerate() {
            if self.present & (1 << bit) != 0 {
                *slot = Some(texts.next()?.to_owned());
            }
        }
        let [
            bio,
            expertise,
            instagram,
            snapchat,
            x,
            tiktok,
            facebook,
            photo_url,
        ] = optional;
        let interests = std::iter::from_fn(|| texts.next().map(str::to_owned)).collect();
        let profile_photo = match (self.photo, photo_url) {
            (Some((id, media_type)), Some(url)) => Some(ProfilePhoto {
                id,
                url,
                media_type,
            }),
            (None, None) => None,
            _ => return None,
        };
        Some(User {
            id: self.id,
            username,
            username_changed_at: self.username_changed_at,
            name,
            surname,
            bio,
            interests,
            expertise,
            birth_date: self.birth_date,
            availability_status: self.availability_status,
            minute_price_in_live_stream: self.minute_price_in_live_stream,
            socials: SocialHandles {
                instagram,
                snapchat,
                x,
                tiktok,
                facebook,
            },
            profile_photo,
            is_private: self.is_private,
            is_deactivated: self.is_deactivated,
            stats: self.stats,
        })
    }

    /// Whether the account is deactivated.
    pub(crate) fn is_deactivated(&self) -> bool {
        self.is_deactivated
    }

    /// The user's id.
    pub(crate) fn id(&self) -> UserId {
        self.id
    }

    /// The user's name, as they spell it.
    pub(crate) fn username(&self) -> &str {
        let end = self.ends.first().map_or(0, |end| usize::from(*end));
        self.text.get(..end).unwrap_or_default()
    }

    /// Whether the user's name is `name`, ignoring case (as
    /// [`Username::same_name_as`]).
    pub(crate) fn is_named(&self, name: &Username) -> bool {
        self.username().eq_ignore_ascii_case(name.as_str())
    }

    /// The heap bytes its two buffers ask for (the struct itself apart).
    pub(crate) fn buffer_bytes(&self) -> (usize, usize) {
        (self.text.len(), std::mem::size_of_val(&*self.ends))
    }
}

/// The texts of a [`PackedUser`], in order.
struct Texts<'a> {
    packed: &'a PackedUser,
    next: usize,
    start: usize,
}

impl<'a> Iterator for Texts<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let end = usize::from(*self.packed.ends.get(self.next)?);
        let text = self.packed.text.get(self.start..end)?;
        self.next += 1;
        self.start = end;
        Some(text)
    }
}

#[cfg(test)]
mod tests {
    use allmine_domain::{AvailabilityStatus, MediaType, PhotoId, ProfilePhoto, Stats};
    use time::macros::{date, datetime};

    use super::*;

    /// Every optional field empty, every list empty, the names short.
    fn sparse() -> User {
        User {
            username: Username::existing("Ada.L").unwrap(),
            username_changed_at: None,
            surname: String::new(),
            bio: None,
            interests: Vec::new(),
            expertise: None,
            birth_date: None,
            socials: SocialHandles::default(),
            profile_photo: None,
            is_private: false,
            is_deactivated: false,
            stats: Stats::default(),
            ..full()
        }
    }

    fn full() -> User {
        User {
            id: UserId::from_bytes([2; 12]),
            username: Username::existing("elif_yilmaz").unwrap(),
            username_changed_at: Some(datetime!(2026-11-01 10:00 UTC)),
            name: "Elif".into(),
            surname: "Yılmaz".into(),
            bio: Some("Müzik, seyahat ve fotoğraf; canlı yayınlarda görüşelim.".into()),
            interests: vec!["music".into(), "".into(), "fotoğraf".into()],
            expertise: Some(String::new()),
            birth_date: Some(date!(1999 - 02 - 28)),
            availability_status: AvailabilityStatus::Busy,
            minute_price_in_live_stream: 25,
            socials: SocialHandles {
                instagram: Some("elif".into()),
                snapchat: None,
                x: Some("elif_x".into()),
                tiktok: None,
                facebook: Some("elif.fb".into()),
            },
            profile_photo: Some(ProfilePhoto {
                id: PhotoId::from_bytes([3; 12]),
                url: "https://cdn.example/p/3.jpg".into(),
                media_type: MediaType::Image,
            }),
            is_private: true,
            is_deactivated: true,
            stats: Stats {
                followers: 12,
                following: 3,
                total_live_streams: 7,
            },
        }
    }

    #[test]
    fn unpacking_gives_back_the_user_packed_with_every_field_set_or_empty() {
        for user in [sparse(), full()] {
            let packed = PackedUser::pack(&user).unwrap();
            assert_eq!(packed.unpack(), Some(user.clone()));
            assert_eq!(packed.is_deactivated(), user.is_deactivated);
        }
    }

    #[test]
    fn the_packed_name_matches_ignoring_case_only() {
        let packed = PackedUser::pack(&sparse()).unwrap();
        assert!(packed.is_named(&Username::existing("ada.l").unwrap()));
        assert!(packed.is_named(&Username::existing("ADA.L").unwrap()));
        assert!(!packed.is_named(&Username::existing("ada.l2").unwrap()));
        assert!(!packed.is_named(&Username::existing("ada").unwrap()));
    }

    #[test]
    fn a_user_whose_texts_exceed_64_kib_is_not_packed() {
        let mut user = sparse();
        user.bio = Some("x".repeat(usize::from(u16::MAX)));
        assert!(PackedUser::pack(&user).is_none());
        user.bio = Some("x".repeat(usize::from(u16::MAX) - 20));
        assert!(PackedUser::pack(&user).is_some());
    }

    #[test]
    fn a_packed_user_is_under_half_the_size_of_a_user_before_its_texts() {
        assert!(
            std::mem::size_of::<PackedUser>() * 2 < std::mem::size_of::<User>(),
            "{} against {}",
            std::mem::size_of::<PackedUser>(),
            std::mem::size_of::<User>()
        );
    }
}
