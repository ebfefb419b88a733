//! Seeded text: titles, descriptions, Markdown bodies and comments that read
//! roughly like a developer blog, in plain ASCII.

use std::fmt::Write as _;

use super::random::{PowerLaw, Rng};
use super::words::{ADJECTIVES, CODE_LANGUAGES, COMMON, REACTIONS, TOPICS, VERBS};

/// Draws words and builds text. Topic words are passed in, so a post talks
/// about its own subjects.
#[derive(Debug)]
pub(super) struct Writer {
    common: PowerLaw,
}

/// Upper-cases the first letter of `word` into `out`.
fn push_capitalised(out: &mut String, word: &str) {
    let mut chars = word.chars();
    if let Some(first) = chars.next() {
        out.push(first.to_ascii_uppercase());
        out.push_str(chars.as_str());
    }
}

impl Writer {
    pub(super) fn new() -> Self {
        Self { common: PowerLaw::new(COMMON.len(), 1.0) }
    }

    fn word<'a>(&self, rng: &mut Rng, topics: &[&'a str]) -> &'a str {
        if !topics.is_empty() && rng.chance(0.08) {
            return rng.pick::<&str>(topics);
        }
        COMMON[self.common.sample(rng)]
    }

    /// One sentence of 5 to 18 words, capitalised and punctuated.
    pub(super) fn sentence(&self, rng: &mut Rng, topics: &[&str], out: &mut String) {
        let words = rng.between(5, 18);
        for i in 0..words {
            let word = self.word(rng, topics);
            if i == 0 {
                push_capitalised(out, word);
                continue;
            }
            out.push(' ');
            match rng.below(40) {
                0 => {
                    out.push('`');
                    out.push_str(word);
                    out.push('`');
                }
                1 => {
                    out.push_str("**");
                    out.push_str(word);
                    out.push_str("**");
                }
                2 => {
                    out.push('_');
                    out.push_str(word);
                    out.push('_');
                }
                3 if i + 1 < words => {
                    out.push_str(word);
                    out.push(',');
                }
                _ => out.push_str(word),
            }
        }
        out.push(match rng.below(12) {
            0 => '?',
            1 => '!',
            _ => '.',
        });
    }

    /// A paragraph of 2 to 6 sentences.
    pub(super) fn paragraph(&self, rng: &mut Rng, topics: &[&str], out: &mut String) {
        for i in 0..rng.between(2, 6) {
            if i > 0 {
                out.push(' ');
            }
            self.sentence(rng, topics, out);
        }
    }

    /// A title of a few words around the post's main topic, at most 200 characters.
    pub(super) fn title(&self, rng: &mut Rng, topics: &[&str]) -> String {
        let topic = topics.first().copied().unwrap_or("software");
        let other = topics.get(1).copied().unwrap_or("production");
        let verb = *rng.pick(VERBS);
        let adjective = *rng.pick(ADJECTIVES);
        let mut title = String::new();
        let noun = self.word(rng, &[]);
        // `write!` to a String cannot fail.
        let _ = match rng.below(10) {
            0 => write!(title, "How we {verb} {topic} in {other}"),
            1 => write!(title, "{} things I learned about {topic}", rng.between(3, 12)),
            2 => write!(title, "A {adjective} guide to {topic}"),
            3 => write!(title, "Why {topic} and {other} get along"),
            4 => write!(title, "Understanding {topic}: the {adjective} parts"),
            5 => write!(title, "{topic} for people who {verb} {other}"),
            6 => write!(title, "What nobody tells you about {topic} and {noun}"),
            7 => write!(title, "From {other} to {topic}: a {adjective} story"),
            8 => write!(title, "The {adjective} {noun} behind {topic}"),
            _ => write!(title, "Notes on {topic}, {other} and the {noun}"),
        };
        let mut capitalised = String::with_capacity(title.len());
        push_capitalised(&mut capitalised, &title);
        capitalised
    }

    /// A summary of one or two sentences, at most 500 characters.
    pub(super) fn description(&self, rng: &mut Rng, topics: &[&str]) -> String {
        let mut out = String::new();
        self.sentence(rng, topics, &mut out);
        if rng.chance(0.5) {
            out.push(' ');
            self.sentence(rng, topics, &mut out);
        }
        truncate(out, 500)
    }

    /// A Markdown body of roughly `target` characters (at least one paragraph):
    /// an introduction, then sections with headings, paragraphs, lists, code,
    /// quotes and links.
    pub(super) fn body(&self, rng: &mut Rng, topics: &[&str], target: usize, out: &mut String) {
        self.paragraph(rng, topics, out);
        while out.len() < target {
            out.push_str("\n\n## ");
            let mut heading = String::new();
            self.sentence(rng, topics, &mut heading);
            heading.pop();
            out.push_str(&heading);
            for _ in 0..rng.between(1, 3) {
                out.push_str("\n\n");
                self.paragraph(rng, topics, out);
            }
            match rng.below(10) {
                0..=2 => {
                    out.push('\n');
                    for _ in 0..rng.between(3, 6) {
                        out.push_str("\n- ");
                        self.sentence(rng, topics, out);
                    }
                }
                3 | 4 => self.code_block(rng, topics, out),
                5 => {
                    out.push_str("\n\n> ");
                    self.sentence(rng, topics, out);
                }
                6 => {
                    let topic = topics.first().copied().unwrap_or("notes");
                    let _ = write!(out, "\n\nMore in [the {topic} notes](https://example.com/{topic}/notes).");
                }
                _ => {}
            }
        }
    }

    fn code_block(&self, rng: &mut Rng, topics: &[&str], out: &mut String) {
        let language = *rng.pick(CODE_LANGUAGES);
        let name = topics.first().copied().unwrap_or("thing").replace('-', "_");
        let other = self.word(rng, &[]).replace('-', "_");
        let _ = write!(out, "\n\n```{language}\n");
        let _ = match language {
            "rust" => write!(
                out,
                "fn {name}_{other}(input: &str) -> Result<usize, Error> {{\n    let parsed = input.parse()?;\n    Ok(parsed)\n}}"
            ),
            "sql" => write!(
                out,
                "SELECT id, {other}\nFROM {name}\nWHERE created_at > now() - interval '7 days'\nORDER BY id DESC\nLIMIT 20;"
            ),
            "python" => write!(out, "def {name}_{other}(items):\n    return [item for item in items if item.{other}]"),
            "bash" => write!(out, "$ {name} --{other} --verbose\n$ echo $?\n0"),
            "typescript" => {
                write!(out, "export function {name}({other}: string): number {{\n  return {other}.length;\n}}")
            }
            "go" => write!(out, "func {name}({other} string) (int, error) {{\n\treturn len({other}), nil\n}}"),
            "toml" => write!(out, "[{name}]\n{other} = true\nlimit = {}", rng.between(1, 100)),
            _ => write!(out, "{{\n  \"{name}\": \"{other}\",\n  \"count\": {}\n}}", rng.between(1, 100)),
        };
        out.push_str("\n```");
    }

    /// A comment: usually a sentence or three, sometimes two paragraphs; at
    /// most 5000 characters.
    pub(super) fn comment(&self, rng: &mut Rng, topics: &[&str]) -> String {
        let mut out = String::new();
        if rng.chance(0.3) {
            out.push_str(rng.pick::<&str>(REACTIONS));
            out.push(' ');
        }
        for i in 0..rng.between(1, 3) {
            if i > 0 {
                out.push(' ');
            }
            self.sentence(rng, topics, &mut out);
        }
        if rng.chance(0.1) {
            out.push_str("\n\n");
            self.paragraph(rng, topics, &mut out);
        }
        truncate(out, 5000)
    }

    /// A short bio.
    pub(super) fn bio(&self, rng: &mut Rng) -> String {
        let topic = *rng.pick(&TOPICS[..60]);
        let other = *rng.pick(TOPICS);
        format!("Writes about {topic} and {other}. {}", rng.pick(REACTIONS))
    }
}

/// `text` cut to at most `max` characters (ASCII) and trimmed.
fn truncate(mut text: String, max: usize) -> String {
    if text.len() > max {
        text.truncate(max);
    }
    text.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use folio_domain::content::values::Title;

    use super::*;

    #[test]
    fn seeded_text_is_valid_for_the_domain() {
        use folio_domain::content::values::{Body, CommentBody, Description};
        let writer = Writer::new();
        let mut rng = Rng::new(5, 5);
        for _ in 0..200 {
            let topics = ["rust", "postgres", "trade-off"];
            let title = writer.title(&mut rng, &topics);
            Title::parse(&title).unwrap_or_else(|e| panic!("{title:?}: {e}"));
            let description = writer.description(&mut rng, &topics);
            Description::parse(&description).unwrap_or_else(|e| panic!("{description:?}: {e}"));
            let mut body = String::new();
            writer.body(&mut rng, &topics, 2000, &mut body);
            Body::parse(&body).unwrap_or_else(|e| panic!("{body:?}: {e}"));
            let comment = writer.comment(&mut rng, &topics);
            CommentBody::parse(&comment).unwrap_or_else(|e| panic!("{comment:?}: {e}"));
        }
    }
}
