//! The message catalogue: every headline and reason in English and Turkish.
//! Each is an exhaustive `match` over the code or reason and the language, so
//! a new error does not compile until both languages have its words.

use allmine_domain::profiles::{FieldProblem, Network, ProfileField};
use allmine_domain::{IdError, UsernameError};

use crate::context::TimeZone;
use crate::i18n::Language;
use crate::strict_json::{JsonProblem, MAX_DEPTH, echo};

use super::{Detail, ErrorCode};

impl ErrorCode {
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
            // The docs open both with the same words; `PROFILE_PRIVATE` adds
            // its reason after them.
            Self::ProfileUnavailable | Self::ProfilePrivate => language.pick(
                "This profile cannot be viewed",
                "Bu profil görüntülenemiyor",
            ),
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

impl Detail {
    /// The message in `language`, instants rendered in `zone`.
    pub fn render(&self, language: Language, zone: TimeZone) -> String {
        use Language::{En, Tr};
        match (self, language) {
            (Self::RateLimited(seconds), En) => format!("Try again in {seconds} seconds"),
            (Self::RateLimited(seconds), Tr) => format!("{seconds} saniye sonra tekrar deneyin"),
            (Self::InvalidParameter { name, problem }, language) => {
                format!("{name}: {}", problem.message(language))
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
            (Self::ProfilePrivate, En) => "This profile is private".into(),
            (Self::ProfilePrivate, Tr) => "Bu profil gizli".into(),
            (Self::ProfileUnavailable, En) => "This profile cannot be viewed".into(),
            (Self::ProfileUnavailable, Tr) => "Bu profil görüntülenemiyor".into(),
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

pub(super) fn id_reason_en(reason: IdError) -> &'static str {
    match reason {
        IdError::WrongLength(_) => "must be 24 lowercase hexadecimal characters",
        IdError::NotLowercaseHex => "may only hold the characters 0-9 and a-f",
    }
}

pub(super) fn id_reason_tr(reason: IdError) -> &'static str {
    match reason {
        IdError::WrongLength(_) => "24 küçük harfli onaltılık karakterden oluşmalıdır",
        IdError::NotLowercaseHex => "yalnızca 0-9 ve a-f karakterlerini içerebilir",
    }
}

pub(super) fn username_reason_tr(reason: &UsernameError) -> String {
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
