//! The messages Folio sends, each as a subject, a plain-text part and an HTML
//! part with the same content. Every piece of user content that reaches the
//! HTML part goes through [`escape_html`]; links are built by
//! [`super::values::PublicBaseUrl`] and contain only URL-safe characters.

use super::ports::CommentNotice;
use crate::accounts::model::User;

/// The product name messages sign with.
const PRODUCT: &str = "Folio";

/// A message's content, before it is addressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Content {
    pub(crate) subject: String,
    pub(crate) text: String,
    pub(crate) html: String,
}

/// Escapes text for an HTML element's content or a quoted attribute value.
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// How a message addresses its recipient: their display name, else their handle.
pub(crate) fn name_of(user: &User) -> String {
    user.display_name.as_ref().map_or_else(|| user.username.as_str().to_owned(), |name| name.as_str().to_owned())
}

/// Wraps HTML paragraphs into a document.
fn document(subject: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n</head>\n\
         <body style=\"font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; line-height: 1.5; \
         color: #1f2328; max-width: 36em;\">\n{body}<p style=\"color: #6e7781; font-size: 0.9em;\">\
         &mdash; {PRODUCT}</p>\n</body>\n</html>\n",
        title = escape_html(subject),
    )
}

/// A paragraph of escaped text.
fn paragraph(text: &str) -> String {
    format!("<p>{}</p>\n", escape_html(text))
}

/// A paragraph holding a link as a button and, for clients that hide links,
/// the URL as text.
fn link_block(label: &str, url: &str) -> String {
    let url = escape_html(url);
    format!(
        "<p><a href=\"{url}\" style=\"display: inline-block; padding: 0.6em 1.2em; background: #1f6feb; \
         color: #ffffff; border-radius: 6px; text-decoration: none;\">{label}</a></p>\n\
         <p style=\"font-size: 0.9em;\">Or open this link: <a href=\"{url}\">{url}</a></p>\n",
        label = escape_html(label),
    )
}

/// Welcome, with a verification link unless the address is verified already.
pub(crate) fn welcome(user: &User, verify_link: Option<&str>, valid_hours: i64) -> Content {
    let name = name_of(user);
    let subject = format!("Welcome to {PRODUCT}");
    let greeting = format!("Hi {name},");
    let intro = format!("welcome to {PRODUCT}! Your account {} is ready.", user.username.as_str());
    let mut text = format!("{greeting}\n\n{intro}\n");
    let mut html = paragraph(&greeting) + &paragraph(&intro);
    if let Some(link) = verify_link {
        let ask = "Please confirm that this is your e-mail address:";
        let expiry = format!("The link works once, for {valid_hours} hours.");
        text.push_str(&format!("\n{ask}\n\n{link}\n\n{expiry}\n"));
        html.push_str(&paragraph(ask));
        html.push_str(&link_block("Confirm my address", link));
        html.push_str(&paragraph(&expiry));
    }
    text.push_str(&format!("\n-- {PRODUCT}\n"));
    Content { html: document(&subject, &html), subject, text }
}

/// A fresh verification link.
pub(crate) fn verification(user: &User, link: &str, valid_hours: i64) -> Content {
    let subject = format!("Confirm your e-mail address for {PRODUCT}");
    let greeting = format!("Hi {},", name_of(user));
    let ask = "please confirm that this is your e-mail address:";
    let expiry =
        format!("The link works once, for {valid_hours} hours. If you did not ask for it, ignore this message.");
    let text = format!("{greeting}\n\n{ask}\n\n{link}\n\n{expiry}\n\n-- {PRODUCT}\n");
    let html = paragraph(&greeting) + &paragraph(ask) + &link_block("Confirm my address", link) + &paragraph(&expiry);
    Content { html: document(&subject, &html), subject, text }
}

/// A password reset link.
pub(crate) fn password_reset(user: &User, link: &str, valid_minutes: i64) -> Content {
    let subject = format!("Reset your {PRODUCT} password");
    let greeting = format!("Hi {},", name_of(user));
    let ask = "someone (hopefully you) asked to reset the password of your account. To choose a new one, open:";
    let expiry = format!(
        "The link works once, for {valid_minutes} minutes. Setting a new password signs you out everywhere. \
         If you did not ask for this, ignore this message: your password stays as it is."
    );
    let text = format!("{greeting}\n\n{ask}\n\n{link}\n\n{expiry}\n\n-- {PRODUCT}\n");
    let html =
        paragraph(&greeting) + &paragraph(ask) + &link_block("Choose a new password", link) + &paragraph(&expiry);
    Content { html: document(&subject, &html), subject, text }
}

/// A new comment on the recipient's post.
pub(crate) fn comment_notice(
    recipient: &User,
    notice: &CommentNotice,
    post_link: &str,
    settings_link: &str,
) -> Content {
    let title = notice.post_title.as_str();
    let commenter = notice.commenter.as_str();
    let subject = format!("{commenter} commented on \"{title}\"");
    let greeting = format!("Hi {},", name_of(recipient));
    let intro = format!("{commenter} commented on your post \"{title}\":");
    let body = notice.body.as_str();
    let quoted: String = body.lines().map(|line| format!("> {line}\n")).collect();
    let opt_out = "You get these messages because comment notices are on in your settings; turn them off at:";
    let text = format!(
        "{greeting}\n\n{intro}\n\n{quoted}\nReply or read the discussion: {post_link}\n\n{opt_out}\n{settings_link}\n\n\
         -- {PRODUCT}\n"
    );
    let body_html = body.lines().map(escape_html).collect::<Vec<_>>().join("<br>\n");
    let html = paragraph(&greeting)
        + &paragraph(&intro)
        + &format!(
            "<blockquote style=\"margin: 0 0 1em; padding: 0.5em 1em; border-left: 4px solid #d0d7de; \
             color: #424a53;\">{body_html}</blockquote>\n"
        )
        + &link_block("Read the discussion", post_link)
        + &format!(
            "<p style=\"font-size: 0.9em; color: #6e7781;\">{} <a href=\"{url}\">{url}</a></p>\n",
            escape_html(opt_out),
            url = escape_html(settings_link)
        );
    Content { html: document(&subject, &html), subject, text }
}

#[cfg(test)]
mod tests {
    use super::escape_html;

    #[test]
    fn html_special_characters_are_escaped() {
        assert_eq!(
            escape_html(r#"<script>alert("x") & 'y'</script>"#),
            "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;"
        );
        assert_eq!(escape_html("plain text"), "plain text");
    }
}
