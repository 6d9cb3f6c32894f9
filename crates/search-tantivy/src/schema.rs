//! The index's fields and the tokenizer that folds text the way users type it.

use allmine_domain::search::fold_for_search;
use tantivy::TantivyDocument;
use tantivy::schema::{
    BytesOptions, FAST, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer, TokenizerManager};

use allmine_domain::UserId;
use allmine_domain::search::IndexedUser;

/// The name the folding tokenizer is registered under.
pub(crate) const FOLD_TOKENIZER: &str = "allmine_fold";
/// The name of the followers fast field (fast fields are looked up by name).
pub(crate) const FOLLOWERS: &str = "followers";
/// The fast field of an id's first eight bytes (big-endian).
pub(crate) const ID_HEAD: &str = "id_head";
/// The fast field of an id's last four bytes (big-endian).
pub(crate) const ID_TAIL: &str = "id_tail";
/// The fast field of a hash of everything else a document holds.
pub(crate) const CONTENT: &str = "content";

/// The fields of one indexed user.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    /// The id's twelve bytes, indexed: deletes and exclusions.
    pub(crate) id: Field,
    /// The id again, as two fast fields ([`ID_HEAD`], [`ID_TAIL`]): results read it
    /// from columns, without decompressing a block of the document store per hit.
    pub(crate) id_head: Field,
    /// See [`id_head`](Self::id_head).
    pub(crate) id_tail: Field,
    /// The folded username with its separators dropped, as one term: exact and prefix matches.
    pub(crate) username: Field,
    /// Every folded word of the username, name and surname (the whole username
    /// is the `username` field's business).
    pub(crate) words: Field,
    /// The follower count, a fast field: breaks ties between equally good matches.
    pub(crate) followers: Field,
    /// A hash of the username, name, surname and follower count ([`content_hash`]), a
    /// fast field: an upsert that would write the same document again is skipped.
    pub(crate) content: Field,
}

impl Fields {
    /// The schema and its fields.
    pub(crate) fn schema() -> (Schema, Fields) {
        let mut builder = Schema::builder();
        let id = builder.add_bytes_field("id", BytesOptions::default().set_indexed());
        let id_head = builder.add_u64_field(ID_HEAD, FAST);
        let id_tail = builder.add_u64_field(ID_TAIL, FAST);
        let username = builder.add_text_field("username", indexed_with("raw"));
        let words = builder.add_text_field("words", indexed_with(FOLD_TOKENIZER));
        let followers = builder.add_u64_field(FOLLOWERS, FAST);
        let content = builder.add_u64_field(CONTENT, FAST);
        let fields = Fields {
            id,
            id_head,
            id_tail,
            username,
            words,
            followers,
            content,
        };
        (builder.build(), fields)
    }

    /// The document indexed for `user`.
    pub(crate) fn document(&self, user: &IndexedUser) -> TantivyDocument {
        let username = compact_username(&user.username);
        let mut doc = TantivyDocument::default();
        let (head, tail) = split_id(&user.id);
        doc.add_bytes(self.id, user.id.as_bytes());
        doc.add_u64(self.id_head, head);
        doc.add_u64(self.id_tail, tail);
        doc.add_text(self.words, &user.username);
        doc.add_text(self.words, &user.name);
        doc.add_text(self.words, &user.surname);
        doc.add_text(self.username, username);
        doc.add_u64(self.followers, user.followers);
        doc.add_u64(self.content, content_hash(user));
        doc
    }
}

/// A hash of what [`Fields::document`] indexes for `user` besides its id. A follow
/// changes the follower's row too (its following count), which the index does not
/// hold: comparing hashes lets that change, about half of all live changes, leave the
/// index alone. Two different contents share a hash with odds of 2^-64; a hasher that
/// changes between Rust releases only makes equal contents look different (rewritten,
/// as before), never the reverse.
pub(crate) fn content_hash(user: &IndexedUser) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    (&user.username, &user.name, &user.surname, user.followers).hash(&mut hasher);
    hasher.finish()
}

/// An id as the values of [`ID_HEAD`] and [`ID_TAIL`].
pub(crate) fn split_id(id: &UserId) -> (u64, u64) {
    let bytes = id.as_bytes();
    let mut head = [0; 8];
    let mut tail = [0; 4];
    head.copy_from_slice(&bytes[..8]);
    tail.copy_from_slice(&bytes[8..]);
    (
        u64::from_be_bytes(head),
        u64::from(u32::from_be_bytes(tail)),
    )
}

/// The id whose [`split_id`] is `(head, tail)`; `None` if `tail` is not four bytes.
pub(crate) fn join_id(head: u64, tail: u64) -> Option<UserId> {
    let tail = u32::try_from(tail).ok()?;
    let mut bytes = [0; 12];
    bytes[..8].copy_from_slice(&head.to_be_bytes());
    bytes[8..].copy_from_slice(&tail.to_be_bytes());
    Some(UserId::from_bytes(bytes))
}

/// Indexed only, without frequencies, positions or norms: every match scores a constant.
fn indexed_with(tokenizer: &str) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(IndexRecordOption::Basic)
            .set_fieldnorms(false),
    )
}

/// A username folded and without separators: `John.Doe_1` → `johndoe1`.
pub(crate) fn compact_username(username: &str) -> String {
    fold_for_search(username).replace(' ', "")
}

/// Tantivy's default tokenizers plus the folding one.
pub(crate) fn tokenizers() -> TokenizerManager {
    let manager = TokenizerManager::default();
    manager.register(FOLD_TOKENIZER, FoldTokenizer::default());
    manager
}

/// Splits text into the words of [`fold_for_search`]. Token offsets are offsets in the
/// folded text (the index keeps no offsets or positions, so nothing reads them).
#[derive(Debug, Clone, Default)]
pub(crate) struct FoldTokenizer {
    token: Token,
}

/// The words of one text, folded.
pub(crate) struct FoldTokenStream<'a> {
    folded: String,
    /// Byte offset in `folded` where the next word starts.
    next: usize,
    token: &'a mut Token,
}

impl Tokenizer for FoldTokenizer {
    type TokenStream<'a> = FoldTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> FoldTokenStream<'a> {
        self.token.reset();
        FoldTokenStream {
            folded: fold_for_search(text),
            next: 0,
            token: &mut self.token,
        }
    }
}

impl TokenStream for FoldTokenStream<'_> {
    fn advance(&mut self) -> bool {
        // `fold_for_search` leaves single spaces between words and none at the ends.
        let rest = self.folded.get(self.next..).unwrap_or_default();
        if rest.is_empty() {
            return false;
        }
        let len = rest.find(' ').unwrap_or(rest.len());
        self.token.text.clear();
        self.token.text.push_str(&rest[..len]);
        self.token.offset_from = self.next;
        self.token.offset_to = self.next + len;
        self.token.position = self.token.position.wrapping_add(1);
        self.next += len + 1;
        true
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<String> {
        let mut tokenizer = FoldTokenizer::default();
        let mut stream = tokenizer.token_stream(text);
        let mut words = Vec::new();
        while let Some(token) = stream.next() {
            words.push(token.text.clone());
        }
        words
    }

    #[test]
    fn the_tokenizer_yields_the_folded_words() {
        assert_eq!(tokens("Şükrü Öztürk"), ["sukru", "ozturk"]);
        assert_eq!(tokens("john.doe_99"), ["john", "doe", "99"]);
        assert_eq!(tokens("  *  "), Vec::<String>::new());
        assert_eq!(tokens(""), Vec::<String>::new());
    }

    #[test]
    fn an_id_survives_its_split_into_fast_fields() {
        let id = UserId::from_bytes([0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0xfe, 0x80]);
        let (head, tail) = split_id(&id);
        assert_eq!(join_id(head, tail), Some(id));
        assert_eq!(join_id(head, u64::from(u32::MAX) + 1), None);
    }

    #[test]
    fn a_compact_username_is_folded_without_separators() {
        assert_eq!(compact_username("John.Doe_1"), "johndoe1");
        assert_eq!(compact_username("IŞIK"), "isik");
    }
}
