//! What every request carries besides its route: language, time zone, id.

use std::convert::Infallible;
use std::future::{Ready, ready};

use actix_web::http::header::HeaderMap;
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload};
use time::format_description::well_known::iso8601::{self, EncodedConfig, Iso8601, TimePrecision};
use time::{OffsetDateTime, UtcOffset};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use crate::i18n::Language;

/// The offsets `X-Timezone` accepts: the docs' list, plus `UTC-08:00`, which
/// the list forgets.
pub const TIMEZONES: &[&str] = &[
    "UTC-12:00",
    "UTC-11:00",
    "UTC-10:00",
    "UTC-09:30",
    "UTC-09:00",
    "UTC-08:00",
    "UTC-07:00",
    "UTC-06:00",
    "UTC-05:00",
    "UTC-04:00",
    "UTC-03:30",
    "UTC-03:00",
    "UTC-02:00",
    "UTC-01:00",
    "UTC+00:00",
    "UTC+01:00",
    "UTC+02:00",
    "UTC+03:00",
    "UTC+03:30",
    "UTC+04:00",
    "UTC+04:30",
    "UTC+05:00",
    "UTC+05:30",
    "UTC+05:45",
    "UTC+06:00",
    "UTC+06:30",
    "UTC+07:00",
    "UTC+08:00",
    "UTC+08:45",
    "UTC+09:00",
    "UTC+09:30",
    "UTC+10:00",
    "UTC+10:30",
    "UTC+11:00",
    "UTC+12:00",
    "UTC+12:45",
    "UTC+13:00",
    "UTC+14:00",
];

/// The docs' name for the default zone (`Zaman dilimi (varsayılan: UTC)`):
/// accepted as `UTC+00:00`.
pub const UTC: &str = "UTC";

/// The `X-Platform` values the docs list (others are recorded as given).
pub const PLATFORMS: &[&str] = &[
    "web",
    "mobile_ios",
    "mobile_android",
    "admin",
    "api",
    "unknown",
    "all",
];

/// A UTC offset from the documented list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZone(UtcOffset);

impl Default for TimeZone {
    fn default() -> Self {
        Self(UtcOffset::UTC)
    }
}

impl TimeZone {
    /// Reads an `X-Timezone` value; `None` unless it is one of [`TIMEZONES`]
    /// or [`UTC`].
    ///
    /// ```
    /// use allmine_http::context::TimeZone;
    /// assert!(TimeZone::parse("UTC+03:00").is_some());
    /// assert!(TimeZone::parse("UTC-08:00").is_some());
    /// assert_eq!(TimeZone::parse("UTC"), TimeZone::parse("UTC+00:00"));
    /// assert!(TimeZone::parse("UTC+03:15").is_none());
    /// assert!(TimeZone::parse("Europe/Istanbul").is_none());
    /// ```
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        if value == UTC {
            return Some(Self::default());
        }
        if !TIMEZONES.contains(&value) {
            return None;
        }
        let sign: i8 = if value.as_bytes().get(3) == Some(&b'-') {
            -1
        } else {
            1
        };
        let hours: i8 = value.get(4..6)?.parse().ok()?;
        let minutes: i8 = value.get(7..9)?.parse().ok()?;
        UtcOffset::from_hms(sign * hours, sign * minutes, 0)
            .ok()
            .map(Self)
    }

    /// The offset.
    pub fn offset(self) -> UtcOffset {
        self.0
    }

    /// Renders an instant in this zone with millisecond precision, as the docs
    /// do: `2026-05-22T16:11:26.806Z` in UTC, `2026-05-22T19:11:26.806+03:00`
    /// elsewhere.
    pub fn render(self, instant: OffsetDateTime) -> String {
        render_instant(instant.to_offset(self.0))
    }
}

const MILLIS: EncodedConfig = iso8601::Config::DEFAULT
    .set_time_precision(TimePrecision::Second {
        decimal_digits: std::num::NonZeroU8::new(3),
    })
    .encode();

/// An instant in its own offset, millisecond precision, `Z` for UTC.
pub fn render_instant(instant: OffsetDateTime) -> String {
    let text = instant.format(&Iso8601::<MILLIS>).unwrap_or_default();
    match text.strip_suffix("+00:00") {
        Some(utc) if instant.offset().is_utc() => format!("{utc}Z"),
        _ => text,
    }
}

/// A UTC offset from the documented list, or `UTC` (the docs' default, the
/// same as `UTC+00:00`); date-times in `data` are rendered in it.
#[derive(Debug)]
pub struct Timezone;

impl PartialSchema for Timezone {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(std::iter::once(UTC).chain(TIMEZONES.iter().copied())))
            .default(Some(UTC.into()))
            .into()
    }
}
impl ToSchema for Timezone {}

/// The headers every endpoint accepts. None is required, and none can be
/// null: an absent header takes its default.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct StandardHeaders {
    /// Language of the messages in `errors`: `tr` (any case) for Turkish;
    /// anything else, or no header, means English (`en`).
    #[param(rename = "X-Language", value_type = String, required = false, example = "tr")]
    pub language: Language,
    /// Time zone (default: UTC). Date-times in `data` are rendered in it;
    /// `UTC` is `UTC+00:00`, and a value outside the list is 400.
    #[param(rename = "X-Timezone", value_type = Timezone, required = false)]
    pub timezone: Option<TimeZone>,
    /// Platform, recorded in the logs (default: web): one of `web`,
    /// `mobile_ios`, `mobile_android`, `admin`, `api`, `unknown`, `all`; other
    /// values are recorded as given.
    #[param(rename = "X-Platform", value_type = String, required = false, example = "web")]
    pub platform: String,
    /// App version, recorded in the logs (optional).
    #[param(rename = "X-App-Version", value_type = String, required = false)]
    pub app_version: String,
    /// Device id, recorded in the logs (optional).
    #[param(rename = "X-Device-ID", value_type = String, required = false)]
    pub device_id: String,
}

impl StandardHeaders {
    /// The names of these headers, lower case, in the order of the fields.
    pub const NAMES: [&'static str; 5] = [
        "x-language",
        "x-timezone",
        "x-platform",
        "x-app-version",
        "x-device-id",
    ];

    /// Reads the headers; `timezone` is `None` when `X-Timezone` is given but
    /// is not one of [`TIMEZONES`] (a 400).
    pub fn read(headers: &HeaderMap) -> Self {
        let [language, timezone, platform, app_version, device_id] = Self::NAMES;
        let text = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
        Self {
            language: Language::from_header(text(language)),
            timezone: match headers.get(timezone) {
                None => Some(TimeZone::default()),
                Some(value) => value.to_str().ok().and_then(TimeZone::parse),
            },
            platform: text(platform).unwrap_or("web").to_owned(),
            app_version: text(app_version).unwrap_or("").to_owned(),
            device_id: text(device_id).unwrap_or("").to_owned(),
        }
    }
}

/// The request's language, time zone and id, read once by the envelope
/// middleware and available to handlers as an extractor.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestContext {
    /// `X-Language`.
    pub language: Language,
    /// `X-Timezone`.
    pub timezone: TimeZone,
    /// The id returned in `X-Request-Id` and logged with every line.
    pub request_id: String,
}

impl RequestContext {
    /// The context the envelope middleware read for `req` (the defaults
    /// outside it).
    pub fn of(req: &HttpRequest) -> Self {
        req.extensions()
            .get::<RequestContext>()
            .cloned()
            .unwrap_or_default()
    }
}

impl FromRequest for RequestContext {
    type Error = Infallible;
    type Future = Ready<Result<Self, Infallible>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self::of(req)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn every_documented_offset_parses_to_its_value() {
        for name in TIMEZONES {
            let zone = TimeZone::parse(name).unwrap_or_else(|| panic!("{name}"));
            let (h, m, _) = zone.offset().as_hms();
            let sign = if name.as_bytes()[3] == b'-' { "-" } else { "+" };
            assert_eq!(format!("UTC{sign}{:02}:{:02}", h.abs(), m.abs()), *name);
        }
    }

    #[test]
    fn utc_by_its_name_is_the_zero_offset() {
        assert_eq!(TimeZone::parse("UTC"), Some(TimeZone::default()));
        assert_eq!(TimeZone::parse(" UTC "), TimeZone::parse("UTC+00:00"));
        for other in ["utc", "UTC+0", "UTC0", "GMT", "Z"] {
            assert_eq!(TimeZone::parse(other), None, "{other}");
        }
    }

    #[test]
    fn negative_half_hour_offsets_keep_their_sign_on_the_minutes() {
        assert_eq!(
            TimeZone::parse("UTC-09:30").unwrap().offset(),
            UtcOffset::from_hms(-9, -30, 0).unwrap()
        );
    }

    #[test]
    fn utc_renders_with_z_and_milliseconds() {
        let instant = datetime!(2026-05-22 16:11:26.806123 UTC);
        assert_eq!(
            TimeZone::default().render(instant),
            "2026-05-22T16:11:26.806Z"
        );
    }

    #[test]
    fn other_zones_render_the_same_instant_with_their_offset() {
        let instant = datetime!(2026-05-22 23:30:00 UTC);
        let istanbul = TimeZone::parse("UTC+03:00").unwrap();
        assert_eq!(istanbul.render(instant), "2026-05-23T02:30:00.000+03:00");
        let marquesas = TimeZone::parse("UTC-09:30").unwrap();
        assert_eq!(marquesas.render(instant), "2026-05-22T14:00:00.000-09:30");
    }
}
