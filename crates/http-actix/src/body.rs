//! Request bodies: the JSON-object extractor and the profile update's parsing.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use serde_json::{Map, Value};

use allmine_domain::profiles::{
    FieldError, FieldProblem, Network, Patch, ProfileField, ProfileUpdateRequest,
};

use crate::error::{ApiError, Detail, ErrorCode};
use crate::strict_json;

/// A JSON object body of at most [`crate::MAX_BODY_BYTES`]. An empty body reads
/// as `{}`; a non-empty one must be `application/json`, and is read by
/// [`strict_json`]: UTF-8, nested at most 32 levels, no key twice, no number
/// too large to read.
#[derive(Debug, Clone, Default)]
pub struct JsonObject(pub Map<String, Value>);

impl FromRequest for JsonObject {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| {
                let essence = ct
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                essence == "application/json"
                    || (essence.starts_with("application/") && essence.ends_with("+json"))
            });
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = bytes.await.map_err(|error| {
                if error.as_response_error().status_code().as_u16() == 413 {
                    ApiError::new(ErrorCode::PayloadTooLarge)
                } else {
                    ApiError::validation(Detail::MalformedBody(error.to_string()))
                }
            })?;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(Self::default());
            }
            if !is_json {
                return Err(ApiError::new(ErrorCode::UnsupportedMediaType));
            }
            match strict_json::parse(&bytes) {
                Ok(Value::Object(object)) => Ok(Self(object)),
                Ok(_) => Err(ApiError::validation(Detail::NotAnObject)),
                Err(problem) => Err(ApiError::validation(Detail::Json(problem))),
            }
        })
    }
}

/// The profile update's fields, read from the body: each field's JSON type is
/// checked here, its content by the domain. Unknown fields are refused, and
/// `username` points to its own endpoint.
pub fn profile_update(object: Map<String, Value>) -> Result<ProfileUpdateRequest, ApiError> {
    let mut request = ProfileUpdateRequest::default();
    let mut details = Vec::new();
    for (key, value) in object {
        let Some(field) = profile_field(&key) else {
            details.push(if key == "username" {
                Detail::UsernameNotUpdatable
            } else {
                Detail::UnknownField(key)
            });
            continue;
        };
        let parsed = match field {
            ProfileField::Name => text(value).map(|p| request.name = p),
            ProfileField::Surname => text(value).map(|p| request.surname = p),
            ProfileField::Bio => text(value).map(|p| request.bio = p),
            ProfileField::Expertise => text(value).map(|p| request.expertise = p),
            ProfileField::Interests => strings(value).map(|p| request.interests = p),
            ProfileField::BirthDate => text(value).map(|p| request.birth_date = p),
            ProfileField::AvailabilityStatus => {
                text(value).map(|p| request.availability_status = p)
            }
            ProfileField::MinutePrice => integer(value).map(|p| request.minute_price = p),
            ProfileField::Social(network) => {
                let slot = Network::ALL.iter().position(|n| *n == network).unwrap_or(0);
                text(value).map(|p| request.socials[slot] = p)
            }
            ProfileField::IsPrivate => boolean(value).map(|p| request.is_private = p),
            ProfileField::ProfilePhotoId => text(value).map(|p| request.profile_photo_id = p),
        };
        if let Err(problem) = parsed {
            details.push(Detail::Field(FieldError { field, problem }));
        }
    }
    if details.is_empty() {
        Ok(request)
    } else {
        Err(ApiError::with_all(ErrorCode::ValidationFailed, details))
    }
}

/// The one string field `name` of a body that has nothing else, such as
/// `{"username": "..."}`: a missing field, another type and any other field
/// are 400, each named.
pub fn only_string(object: Map<String, Value>, name: &'static str) -> Result<String, ApiError> {
    let mut details = Vec::new();
    let mut found = None;
    for (key, value) in object {
        if key == name {
            match value {
                Value::String(text) => found = Some(text),
                _ => details.push(Detail::NotAString(name)),
            }
        } else {
            details.push(Detail::UnknownField(key));
        }
    }
    match found {
        Some(text) if details.is_empty() => Ok(text),
        None if !details.contains(&Detail::NotAString(name)) => {
            details.insert(0, Detail::MissingField(name));
            Err(ApiError::with_all(ErrorCode::ValidationFailed, details))
        }
        _ => Err(ApiError::with_all(ErrorCode::ValidationFailed, details)),
    }
}

fn profile_field(key: &str) -> Option<ProfileField> {
    Some(match key {
        "name" => ProfileField::Name,
        "surname" => ProfileField::Surname,
        "bio" => ProfileField::Bio,
        "interests" => ProfileField::Interests,
        "expertise" => ProfileField::Expertise,
        "birthDate" => ProfileField::BirthDate,
        "availabilityStatus" => ProfileField::AvailabilityStatus,
        "minutePriceInLiveStream" => ProfileField::MinutePrice,
        "isPrivate" => ProfileField::IsPrivate,
        "profilePhotoId" => ProfileField::ProfilePhotoId,
        other => ProfileField::Social(Network::ALL.into_iter().find(|n| n.field_name() == other)?),
    })
}

fn text(value: Value) -> Result<Patch<String>, FieldProblem> {
    match value {
        Value::Null => Ok(Patch::Clear),
        Value::String(text) => Ok(Patch::Set(text)),
        _ => Err(FieldProblem::WrongType("string")),
    }
}

fn strings(value: Value) -> Result<Patch<Vec<String>>, FieldProblem> {
    match value {
        Value::Null => Ok(Patch::Clear),
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::String(text) => Ok(text),
                _ => Err(FieldProblem::WrongType("string array")),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Patch::Set),
        _ => Err(FieldProblem::WrongType("string array")),
    }
}

fn integer(value: Value) -> Result<Patch<i64>, FieldProblem> {
    let out_of_range = FieldProblem::OutOfRange {
        min: 0,
        max: allmine_domain::profiles::MAX_MINUTE_PRICE,
    };
    match value {
        Value::Null => Ok(Patch::Clear),
        Value::Number(number) => match (number.as_i64(), number.as_u64(), number.as_f64()) {
            (Some(n), _, _) => Ok(Patch::Set(n)),
            (None, Some(_), _) => Err(out_of_range),
            (None, None, Some(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
                Ok(Patch::Set(f as i64))
            }
            (None, None, Some(f)) if f.fract() == 0.0 => Err(out_of_range),
            _ => Err(FieldProblem::WrongType("integer")),
        },
        _ => Err(FieldProblem::WrongType("integer")),
    }
}

fn boolean(value: Value) -> Result<Patch<bool>, FieldProblem> {
    match value {
        Value::Null => Ok(Patch::Clear),
        Value::Bool(flag) => Ok(Patch::Set(flag)),
        _ => Err(FieldProblem::WrongType("boolean")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: Value) -> Result<ProfileUpdateRequest, ApiError> {
        let Value::Object(object) = value else {
            unreachable!()
        };
        profile_update(object)
    }

    #[test]
    fn absent_null_and_values_become_keep_clear_and_set() {
        let request =
            parse(json!({"bio": null, "name": "Ada", "interests": ["a"], "isPrivate": true}))
                .unwrap();
        assert_eq!(request.bio, Patch::Clear);
        assert_eq!(request.name, Patch::Set("Ada".into()));
        assert_eq!(request.surname, Patch::Keep);
        assert_eq!(request.interests, Patch::Set(vec!["a".into()]));
        assert_eq!(request.is_private, Patch::Set(true));
    }

    #[test]
    fn unknown_fields_and_username_are_refused_by_name() {
        let error = parse(json!({"nmae": "typo", "username": "x"})).unwrap_err();
        assert_eq!(error.code(), ErrorCode::ValidationFailed);
        assert!(
            error
                .details()
                .contains(&Detail::UnknownField("nmae".into()))
        );
        assert!(error.details().contains(&Detail::UsernameNotUpdatable));
    }

    #[test]
    fn wrong_json_types_name_the_field() {
        let error =
            parse(json!({"minutePriceInLiveStream": "5", "isPrivate": 1, "interests": [1]}))
                .unwrap_err();
        assert_eq!(error.details().len(), 3);
    }

    #[test]
    fn a_single_string_body_names_what_is_wrong() {
        let object = |value: Value| match value {
            Value::Object(object) => object,
            _ => unreachable!(),
        };
        assert_eq!(
            only_string(object(json!({"username": "ada"})), "username").unwrap(),
            "ada"
        );
        let details = |value: Value| {
            only_string(object(value), "username")
                .unwrap_err()
                .details()
                .to_vec()
        };
        assert_eq!(details(json!({})), [Detail::MissingField("username")]);
        assert_eq!(
            details(json!({"username": 5})),
            [Detail::NotAString("username")]
        );
        assert_eq!(
            details(json!({"user": "ada"})),
            [
                Detail::MissingField("username"),
                Detail::UnknownField("user".into())
            ]
        );
        assert_eq!(
            details(json!({"username": "ada", "x": 1})),
            [Detail::UnknownField("x".into())]
        );
    }

    #[test]
    fn prices_must_be_whole_numbers() {
        assert!(parse(json!({"minutePriceInLiveStream": 1.5})).is_err());
        assert_eq!(
            parse(json!({"minutePriceInLiveStream": 2.0}))
                .unwrap()
                .minute_price,
            Patch::Set(2)
        );
        assert!(parse(json!({"minutePriceInLiveStream": 1e300})).is_err());
        assert!(parse(json!({"minutePriceInLiveStream": u64::MAX})).is_err());
    }
}
