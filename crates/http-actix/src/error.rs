//! The HTTP layer's one error type, and the single place where domain errors
//! become status codes, stable codes and localised messages.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use allmine_domain::IdError;
use allmine_domain::profiles::UpdateProfileError;
use allmine_domain::profiles::{FieldError, FieldProblem, Network, ProfileField};
use allmine_domain::usernames::{ChangeUsernameError, CheckUsernameError};
use time::OffsetDateTime;

use crate::context::TimeZone;
use allmine_domain::RepositoryError;
use allmine_domain::UsernameError;
use allmine_domain::profiles::{AuthenticationError, ViewProfileError};

use crate::i18n::Language;
use crate::strict_json::{JsonProblem, MAX_DEPTH, echo};

/// A stable, machine-readable error code: the same in every language, so that
/// clients never parse localised text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// 400: the request is malformed or a value breaks a rule.
    ValidationFailed,
    /// 401: no token, or a token that is invalid, expired or names no active user.
    AuthenticationRequired,
    /// 403: the caller may not do this.
    InsufficientPermissions,
    /// 403: one of the two users has blocked the other.
    ProfileUnavailable,
    /// 403: the profile is private and the caller is not an accepted follower.
    ProfilePrivate,
    /// 404: no such resource or route.
    NotFound,
    /// 405: the route exists but not with this method.
    MethodNotAllowed,
    /// 409: the username is in use by someone else.
    UsernameTaken,
    /// 409: the username is reserved for the platform (or made to look like such a name).
    UsernameReserved,
    /// 409: the username was given up by someone else less than 14 days ago.
    UsernameHeld,
    /// 409: the new username is exactly the current one.
    UsernameUnchanged,
    /// 409: the last username change was less than 30 days ago.
    UsernameChangeCooldown,
    /// 409: the resource already exists or cannot change in its current state.
    Conflict,
    /// 413: the body is larger than the limit.
    PayloadTooLarge,
    /// 415: the body is not `application/json`.
    UnsupportedMediaType,
    /// 429: too many requests.
    RateLimited,
    /// 500: an unexpected failure on our side (logged with the request id).
    InternalError,
    /// 503: a dependency is unavailable; retrying later may work.
    ServiceUnavailable,
}

impl ErrorCode {
    /// The HTTP status this code is answered with.
    pub fn status(self) -> StatusCode {
        match self {
            Self::ValidationFailed => StatusCode::BAD_REQUEST,
            Self::AuthenticationRequired => StatusCode::UNAUTHORIZED,
            Self::InsufficientPermissions | Self::ProfileUnavailable | Self::ProfilePrivate => {
                StatusCode::FORBIDDEN
            }
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::UsernameTaken
            | Self::UsernameReserved
            | Self::UsernameHeld
            | Self::UsernameUnchanged
            | Self::UsernameChangeCooldown
            | Self::Conflict => StatusCode::CONFLICT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
            Self::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The code for a status the framework produced on its own.
    pub fn for_status(status: StatusCode) -> Self {
        match status.as_u16() {
            401 => Self::AuthenticationRequired,
            403 => Self::InsufficientPermissions,
            404 => Self::NotFound,
            405 => Self::MethodNotAllowed,
            409 => Self::Conflict,
            413 => Self::PayloadTooLarge,
            415 => Self::UnsupportedMediaType,
            429 => Self::RateLimited,
            503 => Self::ServiceUnavailable,
            400..=499 => Self::ValidationFailed,
            _ => Self::InternalError,
        }
    }

    /// The first message of the envelope's `errors`: the docs' own wording.
    pub fn headline(self, language: Language) -> &'static str {
        match self {
            Self::ValidationFailed => {
                language.pick("Validation failed", "Doğrulama başarısız oldu")
            }
            Self::AuthenticationRequired => {
                language.pick("Authentication required", "Kimlik doğrulaması gerekli")
            }
            Self::InsufficientPermissions => {
                language.pick("Insufficient permissions", "Yetersiz yetki")
            }
            Self::ProfileUnavailable => language.pick(
                "This profile cannot be viewed",
                "Bu profil görüntülenemiyor",
            ),
            Self::ProfilePrivate => language.pick("This profile is private", "Bu profil gizli"),
            Self::NotFound => language.pick("Resource not found", "Kaynak bulunamadı"),
            Self::MethodNotAllowed => {
                language.pick("Method not allowed", "Bu yöntem desteklenmiyor")
            }
            Self::UsernameTaken
            | Self::UsernameReserved
            | Self::UsernameHeld
            | Self::UsernameUnchanged
            | Self::UsernameChangeCooldown
            | Self::Conflict => language.pick(
                "Resource already exists or cannot be changed in its current state",
                "Kaynak zaten mevcut veya mevcut durumunda değiştirilemez",
            ),
            Self::PayloadTooLarge => {
                language.pick("Request body is too large", "İstek gövdesi çok büyük")
            }
            Self::UnsupportedMediaType => {
                language.pick("Unsupported media type", "Desteklenmeyen içerik türü")
            }
            Self::RateLimited => language.pick("Too many requests", "Çok fazla istek"),
            Self::InternalError => language.pick("Internal server error", "Sunucu hatası"),
            Self::ServiceUnavailable => language.pick(
                "Service temporarily unavailable",
                "Hizmet geçici olarak kullanılamıyor",
            ),
        }
    }
}

/// A specific reason that follows the headline in `errors`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    /// A path or body field holds an invalid id.
    InvalidId {
        field: &'static str,
        reason: IdError,
    },
    /// A field holds an invalid username.
    InvalidUsername {
        field: &'static str,
        reason: UsernameError,
    },
    /// `X-Timezone` is not one of the documented offsets.
    InvalidTimezone,
    /// The `Authorization` header is absent.
    MissingToken,
    /// The `Authorization` header is not `Bearer <token>` or a bare token.
    MalformedAuthorization,
    /// The token failed verification (signature, algorithm, claims).
    InvalidToken,
    /// The token's `exp` has passed.
    ExpiredToken,
    /// The token names a user that does not exist or is deactivated.
    InactiveAccount,
    /// The request body is not valid JSON, or not the expected shape.
    MalformedBody(String),
    /// A query string parameter is invalid.
    InvalidQuery(String),
    /// No route has this path.
    UnknownRoute,
    /// A profile field breaks its rule.
    Field(FieldError),
    /// The body names a field the endpoint does not know.
    UnknownField(String),
    /// `username` sent to the profile update.
    UsernameNotUpdatable,
    /// The body is JSON but not an object.
    NotAnObject,
    /// The new username is someone else's.
    UsernameTaken,
    /// The new username is reserved.
    UsernameReserved,
    /// The new username is held for its former owner.
    UsernameHeld,
    /// The new username is exactly the current one.
    UsernameUnchanged,
    /// The next username change is allowed at this instant.
    UsernameCooldown(OffsetDateTime),
    /// Another change of the same username won a race.
    ConcurrentChange,
    /// Too many requests; the next is allowed in this many seconds.
    RateLimited(u64),
    /// The body is not strict JSON (see [`crate::strict_json`]).
    Json(crate::strict_json::JsonProblem),
    /// A required body field is absent.
    MissingField(&'static str),
    /// A body field that must be a string is not one.
    NotAString(&'static str),
    /// A query parameter is invalid or unknown.
    InvalidParameter {
        /// The parameter.
        name: String,
        /// What is wrong with it.
        problem: crate::query::ParamProblem,
    },
}

impl Detail {
    /// The message in `language`, instants rendered in `zone`.
    pub fn render(&self, language: Language, zone: TimeZone) -> String {
        use Language::{En, Tr};
        match (self, language) {
            (Self::RateLimited(seconds), En) => format!("Try again in {seconds} seconds"),
            (Self::RateLimited(seconds), Tr) => format!("{seconds} saniye sonra tekrar deneyin"),
            (Self::InvalidParameter { name, problem }, language) => {
                format!("{name}: {}", param_problem(problem, language))
            }
            (Self::Field(error), language) => {
                format!("{}: {}", field_name(error.field), problem(&error.problem, language))
            }
            (Self::Json(problem), language) => json_problem(problem, language),
            (Self::MissingField(name), En) => format!("{name}: is required"),
            (Self::MissingField(name), Tr) => format!("{name}: zorunludur"),
            (Self::NotAString(name), En) => format!("{name}: must be a string"),
            (Self::NotAString(name), Tr) => format!("{name}: bir metin olmalıdır"),
            (Self::UnknownField(name), En) => {
                format!("{}: is not a field of this request", echo(name))
            }
            (Self::UnknownField(name), Tr) => {
                format!("{}: bu isteğin alanlarından biri değil", echo(name))
            }
            (Self::UsernameNotUpdatable, En) => {
                "username: change it with PATCH /api/v1/users/username".into()
            }
            (Self::UsernameNotUpdatable, Tr) => {
                "username: kullanıcı adı PATCH /api/v1/users/username ile değiştirilir".into()
            }
            (Self::NotAnObject, En) => "body: must be a JSON object".into(),
            (Self::NotAnObject, Tr) => "gövde: bir JSON nesnesi olmalıdır".into(),
            (Self::UsernameTaken, En) => "newUsername: this username is taken".into(),
            (Self::UsernameTaken, Tr) => "newUsername: bu kullanıcı adı kullanılıyor".into(),
            (Self::UsernameReserved, En) => "newUsername: this username is reserved".into(),
            (Self::UsernameReserved, Tr) => "newUsername: bu kullanıcı adı ayrılmıştır".into(),
            (Self::UsernameHeld, En) => {
                "newUsername: this username was given up recently and is held for its former owner".into()
            }
            (Self::UsernameHeld, Tr) => {
                "newUsername: bu kullanıcı adı yakın zamanda bırakıldı ve önceki sahibi için ayrılmış durumda".into()
            }
            (Self::UsernameUnchanged, En) => "newUsername: this is already your username".into(),
            (Self::UsernameUnchanged, Tr) => "newUsername: bu zaten sizin kullanıcı adınız".into(),
            (Self::UsernameCooldown(at), En) => format!(
                "The username can be changed once every 30 days; the next change is allowed at {}",
                zone.render(*at)
            ),
            (Self::UsernameCooldown(at), Tr) => format!(
                "Kullanıcı adı 30 günde bir değiştirilebilir; bir sonraki değişiklik {} tarihinden itibaren mümkündür",
                zone.render(*at)
            ),
            (Self::ConcurrentChange, En) => "Another change of this username happened at the same time".into(),
            (Self::ConcurrentChange, Tr) => "Bu kullanıcı adı aynı anda başka bir istekle değiştirildi".into(),
            (Self::InvalidId { field, reason }, En) => {
                format!("{field}: {}", id_reason_en(*reason))
            }
            (Self::InvalidId { field, reason }, Tr) => {
                format!("{field}: {}", id_reason_tr(*reason))
            }
            (Self::InvalidUsername { field, reason }, En) => format!("{field}: {reason}"),
            (Self::InvalidUsername { field, reason }, Tr) => {
                format!("{field}: {}", username_reason_tr(reason))
            }
            (Self::InvalidTimezone, En) => {
                "X-Timezone: must be one of the documented offsets, such as UTC+03:00".into()
            }
            (Self::InvalidTimezone, Tr) => {
                "X-Timezone: belgelenen saat dilimlerinden biri olmalıdır (ör. UTC+03:00)".into()
            }
            (Self::MissingToken, En) => "Authorization: a bearer token is required".into(),
            (Self::MissingToken, Tr) => "Authorization: bir erişim belirteci gereklidir".into(),
            (Self::MalformedAuthorization, En) => {
                "Authorization: expected 'Bearer <token>' or the bare token".into()
            }
            (Self::MalformedAuthorization, Tr) => {
                "Authorization: 'Bearer <token>' ya da yalnızca belirteç bekleniyor".into()
            }
            (Self::InvalidToken, En) => "Authorization: the token is invalid".into(),
            (Self::InvalidToken, Tr) => "Authorization: belirteç geçersiz".into(),
            (Self::ExpiredToken, En) => "Authorization: the token has expired".into(),
            (Self::ExpiredToken, Tr) => "Authorization: belirtecin süresi dolmuş".into(),
            (Self::InactiveAccount, En) => {
                "Authorization: the account does not exist or is deactivated".into()
            }
            (Self::InactiveAccount, Tr) => {
                "Authorization: hesap mevcut değil veya devre dışı bırakılmış".into()
            }
            (Self::MalformedBody(why), En) => format!("body: {why}"),
            (Self::MalformedBody(why), Tr) => format!("gövde: geçersiz JSON ({why})"),
            (Self::InvalidQuery(why), En) => format!("query: {why}"),
            (Self::InvalidQuery(why), Tr) => format!("sorgu: geçersiz parametre ({why})"),
            (Self::UnknownRoute, En) => "No endpoint has this path".into(),
            (Self::UnknownRoute, Tr) => "Bu yolda bir uç nokta yok".into(),
        }
    }
}

fn json_problem(problem: &JsonProblem, language: Language) -> String {
    use Language::{En, Tr};
    match (problem, language) {
        (JsonProblem::NotUtf8, En) => "body: is not valid UTF-8".into(),
        (JsonProblem::NotUtf8, Tr) => "gövde: geçerli bir UTF-8 metni değil".into(),
        (JsonProblem::Syntax { line, column }, En) => {
            format!("body: is not valid JSON (line {line}, column {column})")
        }
        (JsonProblem::Syntax { line, column }, Tr) => {
            format!("gövde: geçerli bir JSON değil (satır {line}, sütun {column})")
        }
        (JsonProblem::TooDeep { field }, En) => {
            format!("{field}: is nested deeper than {MAX_DEPTH} levels")
        }
        (JsonProblem::TooDeep { field }, Tr) => {
            format!("{field}: {MAX_DEPTH} düzeyden daha derin iç içe geçmiş")
        }
        (JsonProblem::DuplicateKey { field }, En) => format!("{field}: appears more than once"),
        (JsonProblem::DuplicateKey { field }, Tr) => format!("{field}: birden fazla kez geçiyor"),
        (JsonProblem::NumberOutOfRange { field }, En) => {
            format!("{field}: is a number too large to read")
        }
        (JsonProblem::NumberOutOfRange { field }, Tr) => {
            format!("{field}: okunamayacak kadar büyük bir sayı")
        }
    }
}

fn param_problem(problem: &crate::query::ParamProblem, language: Language) -> String {
    use crate::query::ParamProblem as P;
    use Language::{En, Tr};
    let types = || {
        allmine_domain::history::TransactionType::ALL
            .map(|t| t.as_str())
            .join(", ")
    };
    match (problem, language) {
        (P::NotAnInteger, En) => "must be a whole number".into(),
        (P::NotAnInteger, Tr) => "bir tam sayı olmalıdır".into(),
        (P::PageBelowOne, En) => "starts at 1".into(),
        (P::PageBelowOne, Tr) => "1'den başlar".into(),
        (P::PageOutOfRange, En) => format!("must be from 1 to {}", crate::query::MAX_PAGE),
        (P::PageOutOfRange, Tr) => format!("1 ile {} arasında olmalıdır", crate::query::MAX_PAGE),
        (P::LimitOutOfRange, En) => {
            format!("must be from 1 to {}", allmine_domain::paging::MAX_LIMIT)
        }
        (P::LimitOutOfRange, Tr) => format!(
            "1 ile {} arasında olmalıdır",
            allmine_domain::paging::MAX_LIMIT
        ),
        (P::UnknownType(kind), En) => format!("unknown type {kind:?}; one of: {}", types()),
        (P::UnknownType(kind), Tr) => format!(
            "bilinmeyen tür {kind:?}; şunlardan biri olmalıdır: {}",
            types()
        ),
        (P::InvalidDate, En) => "must be a calendar date written YYYY-MM-DD".into(),
        (P::InvalidDate, Tr) => "YYYY-AA-GG biçiminde geçerli bir tarih olmalıdır".into(),
        (P::StartAfterEnd, En) => "must not be after endDate".into(),
        (P::StartAfterEnd, Tr) => "endDate tarihinden sonra olamaz".into(),
        (P::InvalidId, En) => id_reason_en(IdError::WrongLength(0)).into(),
        (P::InvalidId, Tr) => id_reason_tr(IdError::WrongLength(0)).into(),
        (P::Repeated, En) => "may be given only once".into(),
        (P::Repeated, Tr) => "yalnızca bir kez verilebilir".into(),
        (P::SearchLimitOutOfRange, En) => {
            format!(
                "must be from 1 to {}",
                allmine_domain::search::MAX_SEARCH_LIMIT
            )
        }
        (P::SearchLimitOutOfRange, Tr) => {
            format!(
                "1 ile {} arasında olmalıdır",
                allmine_domain::search::MAX_SEARCH_LIMIT
            )
        }
        (P::QueryTooLong, En) => {
            format!(
                "may have at most {} characters",
                allmine_domain::search::MAX_QUERY_CHARS
            )
        }
        (P::QueryTooLong, Tr) => {
            format!(
                "en fazla {} karakter olabilir",
                allmine_domain::search::MAX_QUERY_CHARS
            )
        }
        (P::Unknown, En) => "is not a parameter of this endpoint".into(),
        (P::Unknown, Tr) => "bu uç noktanın parametrelerinden biri değil".into(),
    }
}

fn field_name(field: ProfileField) -> &'static str {
    match field {
        ProfileField::Name => "name",
        ProfileField::Surname => "surname",
        ProfileField::Bio => "bio",
        ProfileField::Interests => "interests",
        ProfileField::Expertise => "expertise",
        ProfileField::BirthDate => "birthDate",
        ProfileField::AvailabilityStatus => "availabilityStatus",
        ProfileField::MinutePrice => "minutePriceInLiveStream",
        ProfileField::Social(network) => network.field_name(),
        ProfileField::IsPrivate => "isPrivate",
        ProfileField::ProfilePhotoId => "profilePhotoId",
    }
}

fn network_name(network: Network) -> &'static str {
    match network {
        Network::Instagram => "Instagram",
        Network::Snapchat => "Snapchat",
        Network::X => "X",
        Network::Tiktok => "TikTok",
        Network::Facebook => "Facebook",
    }
}

fn problem(problem: &FieldProblem, language: Language) -> String {
    use Language::{En, Tr};
    match (problem, language) {
        (FieldProblem::Required, En) => "may not be null".into(),
        (FieldProblem::Required, Tr) => "boş (null) olamaz".into(),
        (FieldProblem::WrongType(kind), En) => format!("must be {}", type_en(kind)),
        (FieldProblem::WrongType(kind), Tr) => format!("{} olmalıdır", type_tr(kind)),
        (FieldProblem::TooShort(n), En) => format!("must have at least {n} character(s)"),
        (FieldProblem::TooShort(n), Tr) => format!("en az {n} karakter olmalıdır"),
        (FieldProblem::TooLong(n), En) => format!("must have at most {n} characters"),
        (FieldProblem::TooLong(n), Tr) => format!("en fazla {n} karakter olabilir"),
        (FieldProblem::ControlCharacter, En) => "may not contain control characters".into(),
        (FieldProblem::ControlCharacter, Tr) => "kontrol karakteri içeremez".into(),
        (FieldProblem::TooMany(n), En) => format!("may hold at most {n} items"),
        (FieldProblem::TooMany(n), Tr) => format!("en fazla {n} öğe içerebilir"),
        (FieldProblem::Duplicate(item), En) => format!("{item:?} appears more than once"),
        (FieldProblem::Duplicate(item), Tr) => format!("{item:?} birden fazla kez geçiyor"),
        (FieldProblem::InvalidDate, En) => "must be a calendar date written YYYY-MM-DD".into(),
        (FieldProblem::InvalidDate, Tr) => {
            "YYYY-AA-GG biçiminde geçerli bir tarih olmalıdır".into()
        }
        (FieldProblem::Underage(age), En) => format!("users must be at least {age} years old"),
        (FieldProblem::Underage(age), Tr) => format!("kullanıcılar en az {age} yaşında olmalıdır"),
        (FieldProblem::TooLongAgo, En) => "may not be before 1900-01-01".into(),
        (FieldProblem::TooLongAgo, Tr) => "1900-01-01 tarihinden önce olamaz".into(),
        (FieldProblem::OutOfRange { min, max }, En) => {
            format!("must be an integer from {min} to {max}")
        }
        (FieldProblem::OutOfRange { min, max }, Tr) => {
            format!("{min} ile {max} arasında bir tam sayı olmalıdır")
        }
        (FieldProblem::NotOneOf(values), En) => format!("must be one of: {}", values.join(", ")),
        (FieldProblem::NotOneOf(values), Tr) => {
            format!("şunlardan biri olmalıdır: {}", values.join(", "))
        }
        (FieldProblem::InvalidHandle(network), En) => {
            format!("is not a valid {} handle", network_name(*network))
        }
        (FieldProblem::InvalidHandle(network), Tr) => {
            format!("geçerli bir {} kullanıcı adı değil", network_name(*network))
        }
        (FieldProblem::NotThisNetwork(network), En) => {
            format!(
                "is a link to another site, not to {}",
                network_name(*network)
            )
        }
        (FieldProblem::NotThisNetwork(network), Tr) => {
            format!(
                "{} değil, başka bir siteye bağlantı",
                network_name(*network)
            )
        }
        (FieldProblem::InvalidId, En) => id_reason_en(IdError::WrongLength(0)).into(),
        (FieldProblem::InvalidId, Tr) => id_reason_tr(IdError::WrongLength(0)).into(),
        (FieldProblem::NotYourPhoto, En) => "is not one of your photos".into(),
        (FieldProblem::NotYourPhoto, Tr) => "size ait bir fotoğraf değil".into(),
    }
}

fn type_en(kind: &str) -> &'static str {
    match kind {
        "integer" => "an integer",
        "boolean" => "true or false",
        "string array" => "an array of strings",
        _ => "a string",
    }
}

fn type_tr(kind: &str) -> &'static str {
    match kind {
        "integer" => "bir tam sayı",
        "boolean" => "true ya da false",
        "string array" => "bir metin dizisi",
        _ => "bir metin",
    }
}

fn id_reason_en(reason: IdError) -> &'static str {
    match reason {
        IdError::WrongLength(_) => "must be 24 lowercase hexadecimal characters",
        IdError::NotLowercaseHex => "may only hold the characters 0-9 and a-f",
    }
}

fn id_reason_tr(reason: IdError) -> &'static str {
    match reason {
        IdError::WrongLength(_) => "24 küçük harfli onaltılık karakterden oluşmalıdır",
        IdError::NotLowercaseHex => "yalnızca 0-9 ve a-f karakterlerini içerebilir",
    }
}

fn username_reason_tr(reason: &UsernameError) -> String {
    match reason {
        UsernameError::TooShort => format!(
            "kullanıcı adı en az {} karakter olmalıdır",
            allmine_domain::usernames::MIN_LENGTH
        ),
        UsernameError::TooLong => format!(
            "kullanıcı adı en fazla {} karakter olabilir",
            allmine_domain::usernames::MAX_LENGTH
        ),
        UsernameError::InvalidCharacter(c) => {
            format!(
                "kullanıcı adı yalnızca a-z harfleri, rakamlar, '_' ve '.' içerebilir, {c:?} içeremez"
            )
        }
        UsernameError::DotAtEdge => "kullanıcı adı '.' ile başlayamaz veya bitemez".into(),
        UsernameError::ConsecutiveDots => "kullanıcı adı art arda iki '.' içeremez".into(),
        UsernameError::Reserved => "bu kullanıcı adı ayrılmıştır".into(),
    }
}

/// An error answer: a code, the specific reasons, and (for 5xx) the cause to log.
pub struct ApiError {
    code: ErrorCode,
    details: Vec<Detail>,
    cause: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl ApiError {
    /// An error with this code and no specific reason.
    pub fn new(code: ErrorCode) -> Self {
        Self {
            code,
            details: Vec::new(),
            cause: None,
        }
    }

    /// An error with this code and one specific reason.
    pub fn with(code: ErrorCode, detail: Detail) -> Self {
        Self {
            code,
            details: vec![detail],
            cause: None,
        }
    }

    /// 400 with one reason.
    pub fn validation(detail: Detail) -> Self {
        Self::with(ErrorCode::ValidationFailed, detail)
    }

    /// 401 with one reason.
    pub fn unauthenticated(detail: Detail) -> Self {
        Self::with(ErrorCode::AuthenticationRequired, detail)
    }

    /// 500, keeping the cause for the log.
    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self {
            code: ErrorCode::InternalError,
            details: Vec::new(),
            cause: Some(cause.into()),
        }
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The specific reasons.
    pub fn details(&self) -> &[Detail] {
        &self.details
    }

    /// What went wrong underneath, for the log only.
    pub fn cause(&self) -> Option<&(dyn std::error::Error + Send + Sync)> {
        self.cause.as_deref()
    }

    /// The `errors` array in `language`: the headline, then the reasons, with
    /// instants rendered in `zone`.
    pub fn messages(&self, language: Language, zone: TimeZone) -> Vec<String> {
        std::iter::once(self.code.headline(language).to_owned())
            .chain(
                self.details
                    .iter()
                    .map(|detail| detail.render(language, zone)),
            )
            .collect()
    }

    /// An error with several reasons.
    pub fn with_all(code: ErrorCode, details: Vec<Detail>) -> Self {
        Self {
            code,
            details,
            cause: None,
        }
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("code", &self.code)
            .field("details", &self.details)
            .finish()?;
        let mut source = self.cause.as_deref().map(|e| e as &dyn std::error::Error);
        while let Some(error) = source {
            write!(f, "\n  caused by: {error}")?;
            source = error.source();
        }
        Ok(())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code.headline(Language::En))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    /// An English envelope. The envelope middleware renders it again in the
    /// request's language; this one serves where it cannot.
    fn error_response(&self) -> HttpResponse {
        crate::envelope::error(self.code, self.messages(Language::En, TimeZone::default()))
    }
}

impl From<RepositoryError> for ApiError {
    fn from(error: RepositoryError) -> Self {
        let code = match error {
            RepositoryError::Unavailable(_) => ErrorCode::ServiceUnavailable,
            RepositoryError::Failed(_) => ErrorCode::InternalError,
        };
        Self {
            code,
            details: Vec::new(),
            cause: Some(Box::new(error)),
        }
    }
}

impl From<ViewProfileError> for ApiError {
    fn from(error: ViewProfileError) -> Self {
        match error {
            ViewProfileError::InvalidUsername(reason) => {
                Self::validation(Detail::InvalidUsername {
                    field: "username",
                    reason,
                })
            }
            ViewProfileError::NotFound => Self::new(ErrorCode::NotFound),
            ViewProfileError::Blocked => Self::new(ErrorCode::ProfileUnavailable),
            ViewProfileError::Private => Self::new(ErrorCode::ProfilePrivate),
            ViewProfileError::Repository(error) => error.into(),
        }
    }
}

impl From<UpdateProfileError> for ApiError {
    fn from(error: UpdateProfileError) -> Self {
        match error {
            UpdateProfileError::Invalid(errors) => Self::with_all(
                ErrorCode::ValidationFailed,
                errors.into_iter().map(Detail::Field).collect(),
            ),
            UpdateProfileError::CallerGone => Self::unauthenticated(Detail::InactiveAccount),
            UpdateProfileError::Repository(error) => error.into(),
        }
    }
}

impl From<CheckUsernameError> for ApiError {
    fn from(error: CheckUsernameError) -> Self {
        match error {
            CheckUsernameError::Invalid(reason) => Self::validation(Detail::InvalidUsername {
                field: "username",
                reason,
            }),
            CheckUsernameError::CallerGone => Self::unauthenticated(Detail::InactiveAccount),
            CheckUsernameError::Repository(error) => error.into(),
        }
    }
}

impl From<ChangeUsernameError> for ApiError {
    fn from(error: ChangeUsernameError) -> Self {
        match error {
            ChangeUsernameError::Invalid(reason) => Self::validation(Detail::InvalidUsername {
                field: "newUsername",
                reason,
            }),
            ChangeUsernameError::Reserved => {
                Self::with(ErrorCode::UsernameReserved, Detail::UsernameReserved)
            }
            ChangeUsernameError::Unchanged => {
                Self::with(ErrorCode::UsernameUnchanged, Detail::UsernameUnchanged)
            }
            ChangeUsernameError::Cooldown {
                next_change_allowed_at,
            } => Self::with(
                ErrorCode::UsernameChangeCooldown,
                Detail::UsernameCooldown(next_change_allowed_at),
            ),
            ChangeUsernameError::Taken => {
                Self::with(ErrorCode::UsernameTaken, Detail::UsernameTaken)
            }
            ChangeUsernameError::Held => Self::with(ErrorCode::UsernameHeld, Detail::UsernameHeld),
            ChangeUsernameError::Concurrent => {
                Self::with(ErrorCode::Conflict, Detail::ConcurrentChange)
            }
            ChangeUsernameError::CallerGone => Self::unauthenticated(Detail::InactiveAccount),
            ChangeUsernameError::Repository(error) => error.into(),
        }
    }
}

impl From<allmine_domain::search::SearchUsersError> for ApiError {
    fn from(error: allmine_domain::search::SearchUsersError) -> Self {
        use allmine_domain::search::SearchUsersError;
        match error {
            SearchUsersError::Engine(error) => ApiError::internal(error),
            SearchUsersError::Repository(error) => error.into(),
        }
    }
}

impl From<AuthenticationError> for ApiError {
    fn from(error: AuthenticationError) -> Self {
        match error {
            AuthenticationError::UnknownUser | AuthenticationError::Deactivated => {
                Self::unauthenticated(Detail::InactiveAccount)
            }
            AuthenticationError::Repository(error) => error.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_headline_comes_first_and_reasons_follow_in_the_same_language() {
        let error = ApiError::validation(Detail::InvalidId {
            field: "id",
            reason: IdError::WrongLength(3),
        });
        assert_eq!(
            error.messages(Language::En, TimeZone::default()),
            [
                "Validation failed",
                "id: must be 24 lowercase hexadecimal characters"
            ]
        );
        assert_eq!(
            error.messages(Language::Tr, TimeZone::default()),
            [
                "Doğrulama başarısız oldu",
                "id: 24 küçük harfli onaltılık karakterden oluşmalıdır"
            ]
        );
    }

    #[test]
    fn privacy_denials_use_the_docs_messages_and_distinct_codes() {
        let blocked = ApiError::from(ViewProfileError::Blocked);
        let private = ApiError::from(ViewProfileError::Private);
        assert_eq!(
            blocked.messages(Language::En, TimeZone::default()),
            ["This profile cannot be viewed"]
        );
        assert_eq!(
            private.messages(Language::En, TimeZone::default()),
            ["This profile is private"]
        );
        assert_eq!(blocked.code(), ErrorCode::ProfileUnavailable);
        assert_eq!(private.code(), ErrorCode::ProfilePrivate);
        assert_eq!(blocked.status_code(), StatusCode::FORBIDDEN);
    }

    #[test]
    fn an_unavailable_store_is_503_and_a_failing_one_500() {
        let unavailable = ApiError::from(RepositoryError::Unavailable("down".into()));
        let failed = ApiError::from(RepositoryError::Failed("bad".into()));
        assert_eq!(unavailable.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(failed.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(failed.cause().is_some());
    }

    #[test]
    fn codes_serialise_in_screaming_snake_case() {
        assert_eq!(
            serde_json::to_value(ErrorCode::ProfilePrivate).unwrap(),
            "PROFILE_PRIVATE"
        );
        assert_eq!(
            serde_json::to_value(ErrorCode::ValidationFailed).unwrap(),
            "VALIDATION_FAILED"
        );
    }
}
