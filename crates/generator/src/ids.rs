//! Deterministic object ids: four bytes naming the table (`5eed0001` users,
//! `5eed0002` live streams, `5eed0003` credit transactions), then the row's
//! number as eight big-endian bytes, so `user_n`'s id is known without asking
//! the database, and a rerun can tell its own rows from anyone else's.

/// `user_n` is `5eed0001` then `n`.
pub(crate) const USER_PREFIX: [u8; 4] = [0x5e, 0xed, 0x00, 0x01];
/// The `n`th live stream.
pub(crate) const STREAM_PREFIX: [u8; 4] = [0x5e, 0xed, 0x00, 0x02];
/// The `n`th credit transaction.
pub(crate) const TRANSACTION_PREFIX: [u8; 4] = [0x5e, 0xed, 0x00, 0x03];

/// 4 bytes of prefix, then `n` as 8 bytes big-endian.
pub(crate) fn object_id(prefix: [u8; 4], n: u64) -> [u8; 12] {
    let mut id = [0; 12];
    id[..4].copy_from_slice(&prefix);
    id[4..].copy_from_slice(&n.to_be_bytes());
    id
}
