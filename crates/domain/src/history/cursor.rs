//! Where a walk through one user's history stands ([`HistoryCursor`]): whose history it
//! is and the last record shown, written as an opaque, URL-safe text that the next
//! request hands back.
//!
//! The text is base64url without padding (RFC 4648, section 5) of 37 bytes, version 1:
//!
//! | bytes | what |
//! |---|---|
//! | 0 | the layout's version, `1` |
//! | 1..13 | the owner's [`UserId`] |
//! | 13..21 | the last record's `created_at`, whole seconds since 1970-01-01 UTC (i64, big-endian) |
//! | 21..25 | its nanoseconds within that second (u32, big-endian, below 10⁹) |
//! | 25..37 | the last record's [`TransactionId`] |
//!
//! A cursor is not secret and not signed: what it holds is the owner's own, and a
//! forged one can only name a position in the caller's own history (the use case
//! refuses a cursor whose owner is not the caller). Every text that is not exactly this
//! layout, written canonically, is refused with a [`CursorError`], never a panic.

use time::OffsetDateTime;

use super::model::CreditTransaction;
use crate::ids::{TransactionId, UserId};

/// The layout version this code writes and reads.
const VERSION: u8 = 1;

/// Bytes in a version 1 cursor.
const LENGTH: usize = 37;

/// A position in one user's history, newest first: right after the record made at
/// `created_at` with id `id` (ties of `created_at` are ordered by id, descending).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryCursor {
    owner: UserId,
    created_at: OffsetDateTime,
    id: TransactionId,
}

/// Why a text is not a history cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    /// The text is not canonical base64url without padding.
    #[error("a cursor is written in base64url without padding")]
    NotBase64Url,
    /// The layout's version is not one this code reads.
    #[error("unknown cursor version {0}")]
    UnknownVersion(u8),
    /// The bytes are not as many as the version's layout holds.
    #[error("a cursor holds {LENGTH} bytes, this one {0}")]
    WrongLength(usize),
    /// The instant is not a valid one.
    #[error("the cursor's instant is out of range")]
    InstantOutOfRange,
}

impl HistoryCursor {
    /// The position right after `record` in `owner`'s history.
    pub fn after(owner: UserId, record: &CreditTransaction) -> Self {
        Self::new(owner, record.created_at, record.id)
    }

    /// The position right after the record of `owner` made at `created_at` with id `id`.
    pub fn new(owner: UserId, created_at: OffsetDateTime, id: TransactionId) -> Self {
        Self {
            owner,
            created_at: created_at.to_offset(time::UtcOffset::UTC),
            id,
        }
    }

    /// Whose history this is a position in.
    pub fn owner(&self) -> &UserId {
        &self.owner
    }

    /// When the last record shown was made (UTC).
    pub fn created_at(&self) -> OffsetDateTime {
        self.created_at
    }

    /// The last record shown.
    pub fn id(&self) -> &TransactionId {
        &self.id
    }

    /// The opaque text of this cursor: 50 characters of `A-Z a-z 0-9 - _`.
    ///
    /// ```
    /// use allmine_domain::history::HistoryCursor;
    /// use allmine_domain::{TransactionId, UserId};
    /// use time::macros::datetime;
    ///
    /// let cursor = HistoryCursor::new(
    ///     UserId::parse("507f1f77bcf86cd799439011").unwrap(),
    ///     datetime!(2026-05-22 12:00:00.806 UTC),
    ///     TransactionId::parse("6650f1a2c3d4e5f6a7b8c9d0").unwrap(),
    /// );
    /// let text = cursor.encode();
    /// assert_eq!(text, "AVB_H3e8-GzXmUOQEQAAAABqEEVAMAqVgGZQ8aLD1OX2p7jJ0A");
    /// assert_eq!(HistoryCursor::decode(&text), Ok(cursor));
    /// ```
    pub fn encode(&self) -> String {
        let mut bytes = [0u8; LENGTH];
        bytes[0] = VERSION;
        bytes[1..13].copy_from_slice(self.owner.as_bytes());
        bytes[13..21].copy_from_slice(&self.created_at.unix_timestamp().to_be_bytes());
        bytes[21..25].copy_from_slice(&self.created_at.nanosecond().to_be_bytes());
        bytes[25..37].copy_from_slice(self.id.as_bytes());
        base64url::encode(&bytes)
    }

    /// The cursor this text is, or why it is none.
    ///
    /// ```
    /// use allmine_domain::history::{CursorError, HistoryCursor};
    /// assert_eq!(HistoryCursor::decode("not a cursor"), Err(CursorError::NotBase64Url));
    /// assert_eq!(HistoryCursor::decode("AQ"), Err(CursorError::WrongLength(1)));
    /// assert_eq!(HistoryCursor::decode("Ag"), Err(CursorError::UnknownVersion(2)));
    /// ```
    pub fn decode(text: &str) -> Result<Self, CursorError> {
        let bytes = base64url::decode(text).ok_or(CursorError::NotBase64Url)?;
        match bytes.first() {
            None => return Err(CursorError::WrongLength(0)),
            Some(&VERSION) => {}
            Some(&other) => return Err(CursorError::UnknownVersion(other)),
        }
        let bytes: [u8; LENGTH] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| CursorError::WrongLength(bytes.len()))?;
        let mut seconds = [0u8; 8];
        seconds.copy_from_slice(&bytes[13..21]);
        let mut nanoseconds = [0u8; 4];
        nanoseconds.copy_from_slice(&bytes[21..25]);
        let nanoseconds = u32::from_be_bytes(nanoseconds);
        if nanoseconds >= 1_000_000_000 {
            return Err(CursorError::InstantOutOfRange);
        }
        let created_at = OffsetDateTime::from_unix_timestamp(i64::from_be_bytes(seconds))
            .and_then(|at| at.replace_nanosecond(nanoseconds))
            .map_err(|_| CursorError::InstantOutOfRange)?;
        let id = |range: std::ops::Range<usize>| {
            let mut id = [0u8; 12];
            id.copy_from_slice(&bytes[range]);
            id
        };
        Ok(Self {
            owner: UserId::from_bytes(id(1..13)),
            created_at,
            id: TransactionId::from_bytes(id(25..37)),
        })
    }
}

/// Base64url without padding (RFC 4648, section 5), written here: the domain uses no
/// encoding crate, and a cursor needs only these few lines.
mod base64url {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    /// The text of `bytes`: four characters per three bytes, the last group shortened.
    pub(super) fn encode(bytes: &[u8]) -> String {
        let mut text = String::with_capacity(bytes.len().div_ceil(3) * 4);
        for group in bytes.chunks(3) {
            let mut three = [0u8; 3];
            three[..group.len()].copy_from_slice(group);
            let bits = u32::from_be_bytes([0, three[0], three[1], three[2]]);
            for position in 0..=group.len() {
                let sextet = (bits >> (18 - 6 * position)) & 0x3f;
                text.push(char::from(ALPHABET[sextet as usize]));
            }
        }
        text
    }

    /// The bytes of `text`, or `None` unless it is canonical base64url without padding:
    /// only the alphabet's characters, not one character over a multiple of four, and
    /// the unused bits of the last character zero (so each byte string has one text).
    pub(super) fn decode(text: &str) -> Option<Vec<u8>> {
        let text = text.as_bytes();
        if text.len() % 4 == 1 {
            return None;
        }
        let mut bytes = Vec::with_capacity(text.len() / 4 * 3 + 2);
        for group in text.chunks(4) {
            let mut bits = 0u32;
            for (position, &character) in group.iter().enumerate() {
                bits |= u32::from(sextet(character)?) << (18 - 6 * position);
            }
            let [_, first, second, third] = bits.to_be_bytes();
            let decoded = [first, second, third];
            let kept = group.len() - 1;
            if decoded[kept..].iter().any(|&byte| byte != 0) {
                return None;
            }
            bytes.extend_from_slice(&decoded[..kept]);
        }
        Some(bytes)
    }

    fn sextet(character: u8) -> Option<u8> {
        match character {
            b'A'..=b'Z' => Some(character - b'A'),
            b'a'..=b'z' => Some(character - b'a' + 26),
            b'0'..=b'9' => Some(character - b'0' + 52),
            b'-' => Some(62),
            b'_' => Some(63),
            _ => None,
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn the_rfc_4648_test_vectors_round_trip_without_padding() {
            let vectors: [(&[u8], &str); 7] = [
                (b"", ""),
                (b"f", "Zg"),
                (b"fo", "Zm8"),
                (b"foo", "Zm9v"),
                (b"foob", "Zm9vYg"),
                (b"fooba", "Zm9vYmE"),
                (b"foobar", "Zm9vYmFy"),
            ];
            for (bytes, text) in vectors {
                assert_eq!(encode(bytes), text);
                assert_eq!(decode(text).as_deref(), Some(bytes), "{text}");
            }
        }

        #[test]
        fn the_url_safe_alphabet_replaces_plus_and_slash() {
            assert_eq!(encode(&[0xfb, 0xff, 0xbf]), "-_-_");
            assert_eq!(decode("-_-_"), Some(vec![0xfb, 0xff, 0xbf]));
            assert_eq!(decode("+/+/"), None);
        }

        #[test]
        fn only_canonical_unpadded_text_decodes() {
            assert_eq!(decode("Zg=="), None, "padding");
            assert_eq!(decode("Z"), None, "one character over a multiple of four");
            // Even when that character holds no bits (a lone `A` is six zero bits).
            assert_eq!(decode("A"), None);
            assert_eq!(decode("Zm9vA"), None);
            assert_eq!(decode("Zh"), None, "unused bits set: Zg is the text of f");
            assert_eq!(
                decode("Zm9"),
                None,
                "unused bits set: Zm8 is the text of fo"
            );
            assert_eq!(decode("Zm 9v"), None);
            assert_eq!(decode("Zm9vş"), None);
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::datetime;

    use super::*;

    const OWNER: UserId = UserId::from_bytes([0x50; 12]);
    const RECORD: TransactionId = TransactionId::from_bytes([0x7a; 12]);

    fn cursor() -> HistoryCursor {
        HistoryCursor::new(OWNER, datetime!(2026-05-22 12:00:00.123456 UTC), RECORD)
    }

    /// The first and the last whole second an instant can be (the range of the
    /// `time` crate as this build has it).
    fn representable_seconds() -> (i64, i64) {
        (
            time::PrimitiveDateTime::MIN.assume_utc().unix_timestamp(),
            time::PrimitiveDateTime::MAX.assume_utc().unix_timestamp(),
        )
    }

    /// The version 1 bytes of [`cursor`], for tampering with.
    fn layout() -> Vec<u8> {
        base64url::decode(&cursor().encode()).unwrap()
    }

    #[test]
    fn a_cursor_round_trips_through_its_text() {
        let text = cursor().encode();
        assert_eq!(text.len(), 50);
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        let decoded = HistoryCursor::decode(&text).unwrap();
        assert_eq!(decoded, cursor());
        assert_eq!(decoded.owner(), &OWNER);
        assert_eq!(decoded.id(), &RECORD);
        assert_eq!(
            decoded.created_at(),
            datetime!(2026-05-22 12:00:00.123456 UTC)
        );
    }

    #[test]
    fn the_layout_is_version_owner_seconds_nanoseconds_and_record() {
        let bytes = layout();
        assert_eq!(bytes.len(), 37);
        assert_eq!(bytes[0], 1);
        assert_eq!(bytes[1..13], [0x50; 12]);
        let seconds = datetime!(2026-05-22 12:00 UTC).unix_timestamp();
        assert_eq!(bytes[13..21], seconds.to_be_bytes());
        assert_eq!(bytes[21..25], 123_456_000u32.to_be_bytes());
        assert_eq!(bytes[25..37], [0x7a; 12]);
    }

    #[test]
    fn the_cursor_after_a_record_names_the_owner_and_the_records_position() {
        let record = CreditTransaction {
            id: RECORD,
            kind: crate::history::TransactionType::Refund,
            amount: 20,
            balance_after: 450,
            stream_id: None,
            description: String::new(),
            created_at: datetime!(2026-05-22 15:00:00.123456 +03:00),
        };
        assert_eq!(HistoryCursor::after(OWNER, &record), cursor());
    }

    #[test]
    fn an_instant_in_another_offset_is_kept_as_the_same_instant_in_utc() {
        let shifted = HistoryCursor::new(OWNER, datetime!(2026-05-22 15:00 +03:00), RECORD);
        assert_eq!(shifted.created_at(), datetime!(2026-05-22 12:00 UTC));
        assert_eq!(shifted.created_at().offset(), time::UtcOffset::UTC);
        assert_eq!(HistoryCursor::decode(&shifted.encode()), Ok(shifted));
    }

    #[test]
    fn instants_before_1970_and_far_ahead_round_trip() {
        for at in [
            datetime!(1969-12-31 23:59:59.999999999 UTC),
            datetime!(-9999-01-01 0:00 UTC),
            datetime!(9999-12-31 23:59:59.999999999 UTC),
        ] {
            let cursor = HistoryCursor::new(OWNER, at, RECORD);
            assert_eq!(HistoryCursor::decode(&cursor.encode()), Ok(cursor), "{at}");
        }
    }

    #[test]
    fn garbage_is_refused_for_what_it_is() {
        let tampered = |change: &dyn Fn(&mut Vec<u8>)| {
            let mut bytes = layout();
            change(&mut bytes);
            HistoryCursor::decode(&base64url::encode(&bytes))
        };
        let text = cursor().encode();
        let cases: Vec<(String, CursorError)> = vec![
            (String::new(), CursorError::WrongLength(0)),
            (" ".into(), CursorError::NotBase64Url),
            ("not a cursor".into(), CursorError::NotBase64Url),
            (format!("{text}="), CursorError::NotBase64Url),
            (format!("{text}=="), CursorError::NotBase64Url),
            // The docs' example in the standard alphabet, with padding or without.
            (
                "AVB/H3e8+GzXmUOQEQAAAABqEEVAMAqVgGZQ8aLD1OX2p7jJ0A".into(),
                CursorError::NotBase64Url,
            ),
            (
                "AVB/H3e8+GzXmUOQEQAAAABqEEVAMAqVgGZQ8aLD1OX2p7jJ0A==".into(),
                CursorError::NotBase64Url,
            ),
            (format!(" {text}"), CursorError::NotBase64Url),
            (text[..49].to_owned(), CursorError::NotBase64Url),
            (text[..48].to_owned(), CursorError::WrongLength(36)),
            (text[..2].to_owned(), CursorError::NotBase64Url),
            ("AQ".into(), CursorError::WrongLength(1)),
            (format!("{text}AA"), CursorError::WrongLength(39)),
            ("şşşş".into(), CursorError::NotBase64Url),
            ("\0\0\0\0".into(), CursorError::NotBase64Url),
            // Valid base64url of the wrong length: an id, a uuid, a JWT header.
            ("UH8fd7z4bNeZQ5AR".into(), CursorError::UnknownVersion(0x50)),
            (base64url::encode(&[1; 36]), CursorError::WrongLength(36)),
            (base64url::encode(&[1; 38]), CursorError::WrongLength(38)),
            (
                "eyJhbGciOiJIUzI1NiJ9".into(),
                CursorError::UnknownVersion(b'{'),
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(HistoryCursor::decode(&text), Err(expected), "{text:?}");
        }
        assert_eq!(
            tampered(&|bytes| bytes[0] = 0),
            Err(CursorError::UnknownVersion(0))
        );
        assert_eq!(
            tampered(&|bytes| bytes[0] = 2),
            Err(CursorError::UnknownVersion(2))
        );
        assert_eq!(
            tampered(&|bytes| bytes.truncate(36)),
            Err(CursorError::WrongLength(36))
        );
        assert_eq!(
            tampered(&|bytes| bytes.push(0)),
            Err(CursorError::WrongLength(38))
        );
        assert_eq!(
            tampered(&|bytes| bytes[21..25].copy_from_slice(&1_000_000_000u32.to_be_bytes())),
            Err(CursorError::InstantOutOfRange)
        );
        assert_eq!(
            tampered(&|bytes| bytes[21..25].copy_from_slice(&999_999_999u32.to_be_bytes()))
                .map(|c| c.created_at()),
            Ok(datetime!(2026-05-22 12:00:00.999999999 UTC))
        );
        let (first, last) = representable_seconds();
        for seconds in [i64::MAX, i64::MIN, last + 1, first - 1] {
            assert_eq!(
                tampered(&|bytes| bytes[13..21].copy_from_slice(&seconds.to_be_bytes())),
                Err(CursorError::InstantOutOfRange),
                "{seconds}"
            );
        }
    }

    #[test]
    fn a_tampered_owner_or_record_still_decodes_and_names_what_it_says() {
        // Not signed: the use case, not the text, refuses another user's cursor.
        let mut bytes = layout();
        bytes[1..13].copy_from_slice(&[0x51; 12]);
        let decoded = HistoryCursor::decode(&base64url::encode(&bytes)).unwrap();
        assert_eq!(decoded.owner(), &UserId::from_bytes([0x51; 12]));
    }

    proptest! {
        #[test]
        fn any_text_decodes_or_is_refused_without_panicking(text in any::<String>()) {
            let _ = HistoryCursor::decode(&text);
        }

        #[test]
        fn any_bytes_as_base64url_decode_only_as_a_version_1_layout(
            bytes in prop::collection::vec(any::<u8>(), 0..80)
        ) {
            match HistoryCursor::decode(&base64url::encode(&bytes)) {
                Ok(cursor) => {
                    prop_assert_eq!(bytes.len(), 37);
                    prop_assert_eq!(bytes[0], 1);
                    prop_assert_eq!(cursor.encode(), base64url::encode(&bytes));
                }
                Err(CursorError::NotBase64Url) => prop_assert!(false, "its own text refused"),
                Err(_) => {}
            }
        }

        #[test]
        fn any_cursor_round_trips(
            owner in any::<[u8; 12]>(),
            id in any::<[u8; 12]>(),
            seconds in representable_seconds().0..=representable_seconds().1,
            nanoseconds in 0u32..1_000_000_000,
        ) {
            let at = OffsetDateTime::from_unix_timestamp(seconds)
                .unwrap()
                .replace_nanosecond(nanoseconds)
                .unwrap();
            let cursor = HistoryCursor::new(UserId::from_bytes(owner), at, TransactionId::from_bytes(id));
            prop_assert_eq!(HistoryCursor::decode(&cursor.encode()), Ok(cursor));
        }

        #[test]
        fn base64url_round_trips_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..80)) {
            prop_assert_eq!(base64url::decode(&base64url::encode(&bytes)), Some(bytes));
        }
    }
}
