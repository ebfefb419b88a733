//! The success envelope: `{"data": ...}`, plus `meta` for paged lists.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, HttpResponseBuilder, ResponseError};
use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};
use folio_domain::pagination::Page;
use serde::Serialize;
use utoipa::ToSchema;

use crate::json;

/// A success answer: `{"data": ...}`.
#[derive(Serialize, ToSchema)]
pub(crate) struct Data<T> {
    data: T,
}

/// A page of a list: `{"data": [...], "meta": {...}}`.
#[derive(Serialize, ToSchema)]
pub(crate) struct List<T> {
    data: Vec<T>,
    meta: Meta,
}

/// Paging metadata of a list response.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Meta {
    /// The page returned, from 1.
    #[schema(example = 1)]
    page: u32,
    /// The page size asked for (default 20, at most 100).
    #[schema(example = 20)]
    limit: u32,
    /// How many items there are in all the pages.
    #[schema(example = 135)]
    total: u64,
    /// How many pages of `limit` items there are.
    #[schema(example = 7)]
    total_pages: u64,
}

/// 200 with `{"data": body}`.
pub(crate) fn ok<T: Serialize>(body: T) -> HttpResponse {
    with_status(StatusCode::OK, body)
}

/// 201 with `{"data": body}`.
pub(crate) fn created<T: Serialize>(body: T) -> HttpResponse {
    with_status(StatusCode::CREATED, body)
}

/// 202 with `{"data": body}`: recorded, done later.
pub(crate) fn accepted<T: Serialize>(body: T) -> HttpResponse {
    with_status(StatusCode::ACCEPTED, body)
}

/// 204 with no body.
pub(crate) fn no_content() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

fn with_status<T: Serialize>(status: StatusCode, body: T) -> HttpResponse {
    respond(HttpResponse::build(status), &Data { data: body })
}

/// `body` as JSON, or the API's internal error if it cannot be written.
fn respond<T: Serialize>(response: HttpResponseBuilder, body: &T) -> HttpResponse {
    json::respond(response, body).unwrap_or_else(|error| error.error_response())
}

/// 200 with `{"data": [...], "meta": {...}}`, mapping each item.
pub(crate) fn page<T, D: Serialize>(page: Page<T>, map: impl FnMut(T) -> D) -> HttpResponse {
    let meta = Meta {
        page: page.request.page(),
        limit: page.request.limit(),
        total: page.total,
        total_pages: page.total_pages(),
    };
    let items = page.items.len();
    let list = List { data: page.items.into_iter().map(map).collect(), meta };
    json::respond_list(HttpResponse::Ok(), &list, items).unwrap_or_else(|error| error.error_response())
}

/// RFC 3339, UTC, milliseconds: the one time format of the API, as
/// `to_rfc3339_opts(SecondsFormat::Millis, true)` writes it.
///
/// Written digit by digit: a page of 20 posts carries 60 timestamps, and
/// chrono's general formatter was a visible share of such a request's
/// instructions (`python3 bench/instructions.py`). Years outside 0–9999 and
/// leap seconds are left to chrono.
pub(crate) fn timestamp(time: DateTime<Utc>) -> String {
    let (year, nanos) = (time.year(), time.nanosecond());
    let Ok(year) = u32::try_from(year) else { return time.to_rfc3339_opts(SecondsFormat::Millis, true) };
    if year > 9999 || nanos >= 1_000_000_000 {
        return time.to_rfc3339_opts(SecondsFormat::Millis, true);
    }
    let mut text = String::with_capacity(24);
    let mut field = |value: u32, width: u32, separator: char| {
        for place in (0..width).rev() {
            text.push(char::from_digit(value / 10_u32.pow(place) % 10, 10).unwrap_or('0'));
        }
        text.push(separator);
    };
    field(year, 4, '-');
    field(time.month(), 2, '-');
    field(time.day(), 2, 'T');
    field(time.hour(), 2, ':');
    field(time.minute(), 2, ':');
    field(time.second(), 2, '.');
    field(nanos / 1_000_000, 3, 'Z');
    text
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone};

    use super::*;

    fn chrono_writes(time: DateTime<Utc>) -> String {
        time.to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    #[test]
    fn timestamps_are_written_as_chrono_writes_them() {
        // Every day of four centuries, at a time and millisecond that move with it.
        let start = Utc.with_ymd_and_hms(1900, 1, 1, 0, 0, 0).single().expect("valid");
        for day in 0..146_097_i64 {
            let time = start
                + chrono::Duration::days(day)
                + chrono::Duration::seconds(day * 7919 % 86_400)
                + chrono::Duration::nanoseconds(day * 1_000_003 % 1_000_000_000);
            assert_eq!(timestamp(time), chrono_writes(time));
        }
    }

    #[test]
    fn unusual_instants_are_left_to_chrono() {
        let leap_second = NaiveDate::from_ymd_opt(2016, 12, 31)
            .and_then(|day| day.and_hms_milli_opt(23, 59, 59, 1_500))
            .expect("valid")
            .and_utc();
        let edges = [
            Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).single().expect("valid"),
            Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).single().expect("valid"),
            Utc.with_ymd_and_hms(10_000, 1, 1, 0, 0, 0).single().expect("valid"),
            Utc.with_ymd_and_hms(-1, 6, 15, 12, 0, 0).single().expect("valid"),
            leap_second,
        ];
        for time in edges {
            assert_eq!(timestamp(time), chrono_writes(time));
        }
    }
}
