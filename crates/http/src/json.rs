//! Success bodies written as JSON by sonic-rs.
//!
//! actix-web's `.json()` writes with serde_json, which escapes a string one
//! byte at a time: that loop was the largest single cost of the post reads
//! and lists in the instruction counts of `python3 bench/instructions.py`
//! (bench/README.md). sonic-rs takes the same `Serialize` types and writes the
//! same text, scanning strings many bytes per step.
//! Error bodies stay on `.json()`: they are rare, and the fallback below
//! must not depend on the writer that failed. So do the health checks'
//! one-field bodies, which an orchestrator reads a few times a minute.

use actix_web::HttpResponse;
use actix_web::HttpResponseBuilder;
use actix_web::http::header::ContentType;
use serde::Serialize;

use crate::error::ApiError;

/// `body` written as JSON into `response`, or the internal error to answer
/// with if it cannot be (a map with keys that are not strings, say: none of
/// the API's types has one).
///
/// The buffer starts small: a single resource grows it once or twice (a long
/// text reserves all the room it can need in one step).
pub(crate) fn respond<T: Serialize + ?Sized>(
    response: HttpResponseBuilder,
    body: &T,
) -> Result<HttpResponse, ApiError> {
    write(response, body, Vec::with_capacity(128))
}

/// As [`respond`], for a list of `items` entries: the buffer starts with room
/// for them, since growing it from a small start copied a page's body several
/// times (visible in `python3 bench/instructions.py`).
pub(crate) fn respond_list<T: Serialize + ?Sized>(
    response: HttpResponseBuilder,
    body: &T,
    items: usize,
) -> Result<HttpResponse, ApiError> {
    write(response, body, Vec::with_capacity(ROOM_PER_ITEM.saturating_mul(items.max(1))))
}

/// About twice a post summary's JSON (550 bytes), so that a page seldom grows
/// its buffer.
const ROOM_PER_ITEM: usize = 1024;

fn write<T: Serialize + ?Sized>(
    mut response: HttpResponseBuilder,
    body: &T,
    mut bytes: Vec<u8>,
) -> Result<HttpResponse, ApiError> {
    match sonic_rs::to_writer(&mut bytes, body) {
        Ok(()) => Ok(response.content_type(ContentType::json()).body(bytes)),
        Err(error) => Err(ApiError::internal(&anyhow::Error::new(error).context("writing a response body"))),
    }
}

#[cfg(test)]
mod tests {
    use actix_web::body::MessageBody;
    use actix_web::http::StatusCode;

    use super::*;

    /// The check behind every test here: the text serde_json writes, which
    /// the API wrote before and which clients and the OpenAPI tests expect.
    fn as_serde_json_writes<T: Serialize + ?Sized + std::fmt::Debug>(value: &T) {
        assert_eq!(
            sonic_rs::to_string(value).expect("serialises"),
            serde_json::to_string(value).expect("serialises"),
            "{value:?}"
        );
    }

    #[test]
    fn every_character_class_is_written_as_serde_json_writes_it() {
        // Each ASCII character and a few multi-byte ones, alone and at every
        // offset of runs past the 32-byte step, so that each lands at each
        // lane of a vector and in the tail after the last whole one.
        let mut specials: Vec<char> = (0_u8..=0x7f).map(char::from).collect();
        specials.extend(['é', 'ß', '€', '😀', '\u{2028}', '\u{2029}', '\u{feff}', '\u{10ffff}']);
        for special in specials {
            as_serde_json_writes(&special.to_string());
            for offset in 0..70 {
                for tail in [0, 1, 31, 33, 97] {
                    let mut text = "a".repeat(offset);
                    text.push(special);
                    text.push_str(&"b".repeat(tail));
                    as_serde_json_writes(&text);
                }
            }
        }
    }

    #[test]
    fn lengths_around_the_vector_widths_are_written_as_serde_json_writes_them() {
        let pattern = "Markdown \"quoted\" \\ back\tslash\r\nline é😀 \u{1}\u{1f}\u{7f}";
        for length in 0..330 {
            let text: String = pattern.chars().cycle().take(length).collect();
            as_serde_json_writes(&text);
        }
        as_serde_json_writes("");
        as_serde_json_writes(&"\n".repeat(5_000));
        as_serde_json_writes(&"plain text without escapes ".repeat(400));
    }

    #[test]
    fn the_shapes_of_the_api_are_written_as_serde_json_writes_them() {
        #[derive(Debug, Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Shape {
            title: String,
            body: Option<String>,
            published_at: Option<String>,
            tag_list: Vec<&'static str>,
            favorited: bool,
            favorites_count: u64,
            nested: Vec<Option<Shape>>,
        }
        let text = "# Title\n\nSome *Markdown* with \"quotes\" and a long line. ".repeat(30);
        let inner = Shape {
            title: "t".into(),
            body: None,
            published_at: None,
            tag_list: vec![],
            favorited: false,
            favorites_count: 0,
            nested: vec![None],
        };
        as_serde_json_writes(&Shape {
            title: "A title".into(),
            body: Some(text),
            published_at: Some("2026-11-22T04:31:00.000Z".into()),
            tag_list: vec!["rust", "c++"],
            favorited: true,
            favorites_count: u64::MAX,
            nested: vec![Some(inner), None],
        });
        as_serde_json_writes(&serde_json::json!({ "a": [1, -2, 3.5, null], "b": { "c": "d" } }));
    }

    #[test]
    fn a_body_is_sent_as_json_with_the_status_asked_for() {
        let response = respond(HttpResponse::Created(), &serde_json::json!({ "data": "x" })).expect("written");
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(response.headers().get("content-type").expect("a content type"), "application/json");
        let body = response.into_body().try_into_bytes().expect("in one piece");
        assert_eq!(&body[..], br#"{"data":"x"}"#);
    }

    #[test]
    fn a_list_is_written_whatever_room_it_was_given() {
        let long = "x".repeat(5_000);
        let list = vec![long.as_str(); 3];
        for items in [0, 1, 3, 100] {
            let response = respond_list(HttpResponse::Ok(), &list, items).expect("written");
            let body = response.into_body().try_into_bytes().expect("in one piece");
            assert_eq!(&body[..], serde_json::to_string(&list).expect("serialises").as_bytes());
        }
    }

    #[test]
    fn a_body_that_cannot_be_json_is_an_internal_error() {
        let keys_not_strings = std::collections::BTreeMap::from([(vec![1_u8], 1)]);
        let error = respond(HttpResponse::Ok(), &keys_not_strings).expect_err("no JSON object has such keys");
        assert_eq!(error.code(), crate::error::ErrorCode::InternalError);
    }
}
