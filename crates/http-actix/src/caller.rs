//! Who is calling: the extractors that read the bearer token, check the
//! account is active, and count the request against its limit.

use std::future::Future;
use std::marker::PhantomData;
use std::num::NonZeroU32;
use std::pin::Pin;

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};

use allmine_domain::profiles::CurrentUser;

use crate::auth::TokenRejection;
use crate::client_address::ClientAddress;
use crate::error::{ApiError, Detail, ErrorCode};
use crate::rate_limit::{RateLimitStatus, RateLimiters, UserLimit};
use crate::state::ApiState;

/// What the request extractors return: a future on the request's thread.
pub(crate) type LocalFuture<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

/// The signed-in caller; rejects the request with 401 when there is none.
#[derive(Debug, Clone, Copy)]
pub struct Authenticated(pub CurrentUser);

/// The caller if a token is given, anonymous if not; an invalid token is 401,
/// never silently anonymous.
#[derive(Debug, Clone, Copy)]
pub struct MaybeAuthenticated(pub Option<CurrentUser>);

impl MaybeAuthenticated {
    /// The caller, if any.
    pub fn as_ref(&self) -> Option<&CurrentUser> {
        self.0.as_ref()
    }
}

impl FromRequest for MaybeAuthenticated {
    type Error = ApiError;
    type Future = LocalFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<ApiState>>().cloned();
        let header = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .map(|value| value.to_str().map(str::to_owned));
        Box::pin(async move {
            let Some(header) = header else {
                return Ok(Self(None));
            };
            let state = state.ok_or_else(|| ApiError::internal("ApiState is not registered"))?;
            let id = header
                .map_err(|_| TokenRejection::Malformed)
                .and_then(|value| state.tokens.verify_header(&value))
                .inspect_err(|rejection| tracing::warn!(%rejection, "rejected bearer token"))?;
            let current = state.profiles.authenticate(id).await.inspect_err(|error| {
                tracing::warn!(%error, user_id = %id, "rejected token of an inactive or unknown account");
            })?;
            Ok(Self(Some(current)))
        })
    }
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = LocalFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let maybe = MaybeAuthenticated::from_request(req, payload);
        Box::pin(async move {
            match maybe.await? {
                MaybeAuthenticated(Some(current)) => Ok(Self(current)),
                MaybeAuthenticated(None) => Err(ApiError::unauthenticated(Detail::MissingToken)),
            }
        })
    }
}

/// Leaves `status` (when that limit is on) for the envelope middleware's
/// headers, and refuses past the limit.
fn enforce(req: &HttpRequest, status: Option<RateLimitStatus>) -> Result<(), ApiError> {
    let Some(status) = status else {
        return Ok(());
    };
    req.extensions_mut().insert(status);
    if status.refused {
        Err(ApiError::with(
            ErrorCode::RateLimited,
            Detail::RateLimited(status.reset_secs),
        ))
    } else {
        Ok(())
    }
}

fn limits(req: &HttpRequest) -> Option<RateLimiters> {
    req.app_data::<web::Data<ApiState>>()
        .map(|state| state.limits.clone())
}

/// The signed-in caller, counted against the per-user limit `L`: 401 without
/// a valid token, 429 past the limit.
#[derive(Debug)]
pub struct LimitedCaller<L: UserLimit>(pub CurrentUser, PhantomData<L>);

impl<L: UserLimit + 'static> FromRequest for LimitedCaller<L> {
    type Error = ApiError;
    type Future = LocalFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let caller = Authenticated::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let Authenticated(current) = caller.await?;
            if let Some(limits) = limits(&req) {
                enforce(&req, limits.check_user::<L>(current.id()).await)?;
            }
            Ok(Self(current, PhantomData))
        })
    }
}

/// The viewer of a profile: anyone with a valid token, or an anonymous
/// client counted against the per-address limit.
#[derive(Debug)]
pub struct LimitedViewer(pub Option<CurrentUser>);

impl FromRequest for LimitedViewer {
    type Error = ApiError;
    type Future = LocalFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let viewer = MaybeAuthenticated::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let viewer = viewer.await?.0;
            count_profile_reads(&req, viewer.as_ref(), NonZeroU32::MIN).await?;
            Ok(Self(viewer))
        })
    }
}

/// Counts a read of `profiles` profiles against the per-address limit when
/// the viewer is anonymous (a signed-in viewer is not limited): 429 past the
/// limit. One request asking for several users counts each of them. The
/// address is the client's as [`ClientAddress`] found it (behind a trusted
/// proxy, the forwarded one), the TCP peer's otherwise.
pub(crate) async fn count_profile_reads(
    req: &HttpRequest,
    viewer: Option<&CurrentUser>,
    profiles: NonZeroU32,
) -> Result<(), ApiError> {
    if viewer.is_some() {
        return Ok(());
    }
    let (Some(limits), Some(address)) = (limits(req), ClientAddress::of(req)) else {
        return Ok(());
    };
    enforce(req, limits.check_anonymous(address.ip(), profiles).await)
}

impl LimitedViewer {
    /// The viewer, if signed in.
    pub fn as_ref(&self) -> Option<&CurrentUser> {
        self.0.as_ref()
    }
}
