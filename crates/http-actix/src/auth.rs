//! Bearer JWT tokens: verification, and issuing for the `token` command and
//! tests. The extractors that use them live in the `caller` module.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use moka::sync::Cache;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use allmine_domain::UserId;

use crate::error::{ApiError, Detail};

/// Longest token we try to verify (real ones are well under 2 KiB); anything
/// longer is rejected unread.
const MAX_TOKEN_LENGTH: usize = 4 * 1024;

/// The key tokens are verified with.
pub enum VerificationKey {
    /// HS256 with a shared secret.
    Hs256(SecretString),
    /// RS256 with a PEM-encoded public key.
    Rs256(Vec<u8>),
    /// ES256 with a PEM-encoded public key.
    Es256(Vec<u8>),
}

impl std::fmt::Debug for VerificationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Hs256(_) => "Hs256(<secret>)",
            Self::Rs256(_) => "Rs256(<public key>)",
            Self::Es256(_) => "Es256(<public key>)",
        })
    }
}

/// How tokens are checked.
#[derive(Debug)]
pub struct JwtSettings {
    /// Algorithm and key.
    pub key: VerificationKey,
    /// Required `iss`, when set.
    pub issuer: Option<String>,
    /// Required `aud`, when set.
    pub audience: Option<String>,
    /// Clock skew tolerated on `exp` and `nbf`, in seconds.
    pub leeway_secs: u64,
}

/// A key that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("the JWT key cannot be used: {0}")]
pub struct JwtKeyError(#[from] jsonwebtoken::errors::Error);

/// Why a token was refused. Never carries the token itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenRejection {
    /// `Authorization` is neither `Bearer <token>` nor a bare token.
    #[error("malformed Authorization header")]
    Malformed,
    /// `exp` is in the past.
    #[error("token expired")]
    Expired,
    /// Signature, algorithm, claims or format are wrong.
    #[error("invalid token: {0}")]
    Invalid(String),
}

impl From<TokenRejection> for ApiError {
    fn from(rejection: TokenRejection) -> Self {
        ApiError::unauthenticated(match rejection {
            TokenRejection::Malformed => Detail::MalformedAuthorization,
            TokenRejection::Expired => Detail::ExpiredToken,
            TokenRejection::Invalid(_) => Detail::InvalidToken,
        })
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    iat: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    aud: Option<String>,
}

/// Verifies bearer tokens: the configured algorithm only, `exp` and `sub`
/// required, `nbf` honoured, `iss`/`aud` checked when configured.
pub struct JwtVerifier {
    key: DecodingKey,
    validation: Validation,
    verified: Cache<Box<str>, Verified>,
}

/// Tokens the verifier has held recently: a client sends the same token
/// request after request, and checking its signature and parsing its claims
/// each time was a good part of what a signed-in read cost over an anonymous
/// one (an HS256 check takes microseconds, an RS256 or ES256 one tens).
/// Bounded by count; tokens are at most [`MAX_TOKEN_LENGTH`] bytes and
/// usually a few hundred, so this holds a few megabytes at most.
const VERIFIED_TOKENS: u64 = 10_000;

/// What a token that verified still has to pass at each use. Its signature,
/// issuer and audience cannot change; its `nbf`, passed once, stays passed as
/// time goes forward; its `exp` is checked again, as the decoder checks it.
#[derive(Debug, Clone, Copy)]
struct Verified {
    user: UserId,
    expires: u64,
}

impl std::fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("algorithm", &self.validation.algorithms)
            .finish_non_exhaustive()
    }
}

impl JwtVerifier {
    /// A verifier for these settings.
    pub fn new(settings: &JwtSettings) -> Result<Self, JwtKeyError> {
        let (algorithm, key) = match &settings.key {
            VerificationKey::Hs256(secret) => (
                Algorithm::HS256,
                DecodingKey::from_secret(secret.expose_secret().as_bytes()),
            ),
            VerificationKey::Rs256(pem) => (Algorithm::RS256, DecodingKey::from_rsa_pem(pem)?),
            VerificationKey::Es256(pem) => (Algorithm::ES256, DecodingKey::from_ec_pem(pem)?),
        };
        let mut validation = Validation::new(algorithm);
        validation.set_required_spec_claims(&["exp", "sub"]);
        validation.leeway = settings.leeway_secs;
        validation.validate_nbf = true;
        match &settings.issuer {
            Some(issuer) => validation.set_issuer(&[issuer]),
            None => validation.iss = None,
        }
        match &settings.audience {
            Some(audience) => validation.set_audience(&[audience]),
            None => validation.validate_aud = false,
        }
        Ok(Self {
            key,
            validation,
            verified: Cache::new(VERIFIED_TOKENS),
        })
    }

    /// The user id a valid token's `sub` names.
    pub fn verify(&self, token: &str) -> Result<UserId, TokenRejection> {
        if token.len() > MAX_TOKEN_LENGTH {
            return Err(TokenRejection::Invalid("token too long".into()));
        }
        if let Some(verified) = self.verified.get(token) {
            if self.expired(verified.expires) {
                self.verified.invalidate(token);
                return Err(TokenRejection::Expired);
            }
            return Ok(verified.user);
        }
        let data = jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation).map_err(
            |e| match e.kind() {
                ErrorKind::ExpiredSignature => TokenRejection::Expired,
                kind => TokenRejection::Invalid(format!("{kind:?}")),
            },
        )?;
        let user = UserId::parse(&data.claims.sub)
            .map_err(|_| TokenRejection::Invalid("sub is not a user id".into()))?;
        // The decoder read `exp` as a whole number of seconds since 1970.
        if let Ok(expires) = u64::try_from(data.claims.exp) {
            self.verified
                .insert(token.into(), Verified { user, expires });
        }
        Ok(user)
    }

    /// The decoder's test of `exp`, with its leeway.
    fn expired(&self, expires: u64) -> bool {
        expires < jsonwebtoken::get_current_timestamp().saturating_sub(self.validation.leeway)
    }

    /// Reads the `Authorization` header value (`Bearer <token>`, or the bare
    /// token as the docs allow) and verifies the token.
    pub fn verify_header(&self, value: &str) -> Result<UserId, TokenRejection> {
        self.verify(bearer_token(value)?)
    }
}

fn bearer_token(value: &str) -> Result<&str, TokenRejection> {
    let value = value.trim();
    let token = match value.split_once(char::is_whitespace) {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        Some(_) => return Err(TokenRejection::Malformed),
        None if value.eq_ignore_ascii_case("bearer") => return Err(TokenRejection::Malformed),
        None => value,
    };
    if token.is_empty() || token.contains(char::is_whitespace) {
        return Err(TokenRejection::Malformed);
    }
    Ok(token)
}

/// Signs tokens: for the `token` command, and for tests.
pub struct JwtIssuer {
    key: EncodingKey,
    header: Header,
    issuer: Option<String>,
    audience: Option<String>,
}

impl std::fmt::Debug for JwtIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtIssuer")
            .field("algorithm", &self.header.alg)
            .finish_non_exhaustive()
    }
}

impl JwtIssuer {
    /// An HS256 issuer.
    pub fn hs256(secret: &SecretString, issuer: Option<String>, audience: Option<String>) -> Self {
        Self {
            key: EncodingKey::from_secret(secret.expose_secret().as_bytes()),
            header: Header::new(Algorithm::HS256),
            issuer,
            audience,
        }
    }

    /// An RS256 (`rsa = true`) or ES256 issuer from a PEM private key.
    pub fn from_private_pem(
        pem: &[u8],
        rsa: bool,
        issuer: Option<String>,
        audience: Option<String>,
    ) -> Result<Self, JwtKeyError> {
        let (algorithm, key) = if rsa {
            (Algorithm::RS256, EncodingKey::from_rsa_pem(pem)?)
        } else {
            (Algorithm::ES256, EncodingKey::from_ec_pem(pem)?)
        };
        Ok(Self {
            key,
            header: Header::new(algorithm),
            issuer,
            audience,
        })
    }

    /// A token for `user`, valid from `now` for `lifetime`.
    pub fn issue(
        &self,
        user: &UserId,
        now: OffsetDateTime,
        lifetime: Duration,
    ) -> Result<String, JwtKeyError> {
        let claims = Claims {
            sub: user.to_string(),
            iat: Some(now.unix_timestamp()),
            exp: (now + lifetime).unix_timestamp(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
        };
        Ok(jsonwebtoken::encode(&self.header, &claims, &self.key)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(secret: &str) -> JwtSettings {
        JwtSettings {
            key: VerificationKey::Hs256(SecretString::from(secret.to_owned())),
            issuer: None,
            audience: None,
            leeway_secs: 30,
        }
    }

    const USER: UserId = UserId::from_bytes([7; 12]);
    /// The secret the verifier of these tests knows.
    const SECRET: &str = "a-secret-of-enough-length-0123456789";

    /// A verifier of [`SECRET`], and a token for [`USER`] signed with
    /// `signed_with`, valid for an hour from now.
    fn verifier_and_hour_token(signed_with: &str) -> (JwtVerifier, String) {
        let secret = SecretString::from(signed_with.to_owned());
        let token = JwtIssuer::hs256(&secret, None, None)
            .issue(&USER, OffsetDateTime::now_utc(), Duration::hours(1))
            .unwrap();
        (JwtVerifier::new(&settings(SECRET)).unwrap(), token)
    }

    #[test]
    fn bearer_and_bare_tokens_are_both_accepted() {
        assert_eq!(bearer_token("Bearer abc.def.ghi"), Ok("abc.def.ghi"));
        assert_eq!(bearer_token("bearer abc.def.ghi"), Ok("abc.def.ghi"));
        assert_eq!(bearer_token("abc.def.ghi"), Ok("abc.def.ghi"));
    }

    #[test]
    fn other_header_forms_are_malformed() {
        for value in [
            "Basic dXNlcjpwYXNz",
            "Bearer",
            "Bearer ",
            "Bearer a b",
            "",
            "Token abc",
        ] {
            assert_eq!(
                bearer_token(value),
                Err(TokenRejection::Malformed),
                "{value:?}"
            );
        }
    }

    #[test]
    fn a_token_signed_with_the_secret_names_its_user() {
        let (verifier, token) = verifier_and_hour_token(SECRET);
        assert_eq!(verifier.verify(&token), Ok(USER));
    }

    #[test]
    fn a_token_signed_with_another_secret_is_invalid() {
        let (verifier, token) = verifier_and_hour_token("another-secret-another-secret-0000");
        assert!(matches!(
            verifier.verify(&token),
            Err(TokenRejection::Invalid(_))
        ));
    }

    #[test]
    fn an_expired_token_is_refused_after_the_leeway() {
        let secret = SecretString::from("a-secret-of-enough-length-0123456789".to_owned());
        let issuer = JwtIssuer::hs256(&secret, None, None);
        let verifier = JwtVerifier::new(&settings("a-secret-of-enough-length-0123456789")).unwrap();
        let now = OffsetDateTime::now_utc();
        let just_expired = issuer
            .issue(&USER, now - Duration::seconds(70), Duration::seconds(60))
            .unwrap();
        assert_eq!(
            verifier.verify(&just_expired),
            Ok(USER),
            "within the 30 s leeway"
        );
        let expired = issuer
            .issue(&USER, now - Duration::hours(2), Duration::hours(1))
            .unwrap();
        assert_eq!(verifier.verify(&expired), Err(TokenRejection::Expired));
    }

    #[test]
    fn a_token_verified_once_is_held_and_names_the_same_user_again() {
        let (verifier, token) = verifier_and_hour_token(SECRET);
        assert!(verifier.verified.get(token.as_str()).is_none());
        assert_eq!(verifier.verify(&token), Ok(USER));
        assert!(verifier.verified.get(token.as_str()).is_some());
        assert_eq!(verifier.verify(&token), Ok(USER));
    }

    #[test]
    fn a_token_that_fails_is_never_held() {
        let (verifier, token) = verifier_and_hour_token("another-secret-another-secret-0000");
        for _ in 0..2 {
            assert!(matches!(
                verifier.verify(&token),
                Err(TokenRejection::Invalid(_))
            ));
        }
        assert!(verifier.verified.get(token.as_str()).is_none());
    }

    #[test]
    fn a_held_token_is_refused_once_its_expiry_and_the_leeway_have_passed() {
        let (verifier, token) = verifier_and_hour_token(SECRET);
        assert_eq!(verifier.verify(&token), Ok(USER));
        // The held copy as it stands once time has moved on: 20 s past its
        // expiry is within the 30 s leeway, 40 s is not.
        let now = jsonwebtoken::get_current_timestamp();
        let held = |expires| Verified {
            user: USER,
            expires,
        };
        verifier
            .verified
            .insert(token.as_str().into(), held(now - 20));
        assert_eq!(verifier.verify(&token), Ok(USER));
        verifier
            .verified
            .insert(token.as_str().into(), held(now - 40));
        assert_eq!(verifier.verify(&token), Err(TokenRejection::Expired));
        assert!(
            verifier.verified.get(token.as_str()).is_none(),
            "an expired token is let go"
        );
    }
}
