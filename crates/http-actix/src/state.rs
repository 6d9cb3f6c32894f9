//! What the handlers need: the use cases, the token verifier and the limits.

use allmine_domain::history::HistoryService;
use allmine_domain::profiles::ProfileService;
use allmine_domain::search::SearchService;
use allmine_domain::usernames::UsernameService;

use crate::auth::JwtVerifier;
use crate::rate_limit::RateLimiters;

/// The app's shared state, registered as `web::Data<ApiState>`.
#[derive(Debug)]
pub struct ApiState {
    /// Profiles: reading and updating.
    pub profiles: ProfileService,
    /// Usernames: availability and change.
    pub usernames: UsernameService,
    /// The credit history.
    pub history: HistoryService,
    /// User search.
    pub search: SearchService,
    /// Verifies bearer tokens.
    pub tokens: JwtVerifier,
    /// Abuse limits.
    pub limits: RateLimiters,
}
