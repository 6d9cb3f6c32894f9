//! Twelve-byte identifiers ([`UserId`], [`PhotoId`], [`StreamId`], [`TransactionId`]), shown
//! as 24 lowercase hexadecimal characters. A shared leaf: every area uses it; it uses none.

use std::fmt;

/// Why a text is not a valid identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The text is not exactly 24 characters long.
    #[error("an id has 24 characters, this one has {0}")]
    WrongLength(usize),
    /// The text holds a character other than `0-9` and `a-f`.
    #[error("an id holds only the characters 0-9 and a-f")]
    NotLowercaseHex,
}

macro_rules! object_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name([u8; 12]);

        impl $name {
            /// Wraps twelve raw bytes, as stored.
            pub const fn from_bytes(bytes: [u8; 12]) -> Self {
                Self(bytes)
            }

            /// Builds an id from a stored byte slice; `None` unless it is 12 bytes long.
            pub fn from_slice(bytes: &[u8]) -> Option<Self> {
                <[u8; 12]>::try_from(bytes).ok().map(Self)
            }

            /// Parses the 24-character lowercase hexadecimal form of the API.
            ///
            /// ```
            #[doc = concat!("use allmine_domain::", stringify!($name), ";")]
            #[doc = concat!("let id = ", stringify!($name), "::parse(\"507f1f77bcf86cd799439011\").unwrap();")]
            /// assert_eq!(id.to_string(), "507f1f77bcf86cd799439011");
            #[doc = concat!("assert!(", stringify!($name), "::parse(\"507F1F77BCF86CD799439011\").is_err());")]
            #[doc = concat!("assert!(", stringify!($name), "::parse(\"507f1f77\").is_err());")]
            /// ```
            pub fn parse(text: &str) -> Result<Self, IdError> {
                parse_hex(text).map(Self)
            }

            /// The twelve raw bytes, as stored.
            pub const fn as_bytes(&self) -> &[u8; 12] {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write_hex(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({self})", stringify!($name))
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(text: &str) -> Result<Self, IdError> {
                Self::parse(text)
            }
        }
    };
}

object_id!(
    /// A user's identifier.
    UserId
);
object_id!(
    /// A profile photo's identifier.
    PhotoId
);
object_id!(
    /// A live stream's identifier.
    StreamId
);
object_id!(
    /// A credit transaction's identifier.
    TransactionId
);

fn parse_hex(text: &str) -> Result<[u8; 12], IdError> {
    let digits = text.as_bytes();
    if digits.len() != 24 {
        return Err(IdError::WrongLength(text.chars().count()));
    }
    let mut bytes = [0u8; 12];
    for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
        *byte = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Ok(bytes)
}

fn nibble(digit: u8) -> Result<u8, IdError> {
    match digit {
        b'0'..=b'9' => Ok(digit - b'0'),
        b'a'..=b'f' => Ok(digit - b'a' + 10),
        _ => Err(IdError::NotLowercaseHex),
    }
}

fn write_hex(bytes: &[u8; 12], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for byte in bytes {
        write!(f, "{byte:02x}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_docs_example_id_round_trips() {
        let id = UserId::parse("507f1f77bcf86cd799439011").unwrap();
        assert_eq!(
            id.as_bytes(),
            &[
                0x50, 0x7f, 0x1f, 0x77, 0xbc, 0xf8, 0x6c, 0xd7, 0x99, 0x43, 0x90, 0x11
            ]
        );
        assert_eq!(id.to_string(), "507f1f77bcf86cd799439011");
    }

    #[test]
    fn an_id_must_have_exactly_24_characters() {
        assert_eq!(UserId::parse(""), Err(IdError::WrongLength(0)));
        assert_eq!(
            UserId::parse("507f1f77bcf86cd79943901"),
            Err(IdError::WrongLength(23))
        );
        assert_eq!(
            UserId::parse("507f1f77bcf86cd7994390111"),
            Err(IdError::WrongLength(25))
        );
    }

    #[test]
    fn an_id_is_lowercase_hex_only() {
        assert_eq!(
            UserId::parse("507F1F77BCF86CD799439011"),
            Err(IdError::NotLowercaseHex)
        );
        assert_eq!(
            UserId::parse("507f1f77bcf86cd79943901g"),
            Err(IdError::NotLowercaseHex)
        );
        assert_eq!(
            UserId::parse("507f1f77bcf86cd79943901 "),
            Err(IdError::NotLowercaseHex)
        );
    }

    #[test]
    fn multibyte_text_of_24_bytes_is_rejected_without_panicking() {
        // 12 two-byte characters are 24 bytes: must not be sliced mid-character.
        assert_eq!(UserId::parse("şşşşşşşşşşşş"), Err(IdError::NotLowercaseHex));
    }

    #[test]
    fn ids_are_built_from_stored_bytes_only_when_twelve_long() {
        assert!(UserId::from_slice(&[0; 12]).is_some());
        assert!(UserId::from_slice(&[0; 11]).is_none());
        assert!(UserId::from_slice(&[0; 13]).is_none());
    }
}
