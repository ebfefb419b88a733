//! The set of events an endpoint subscribes to.

use crate::errors::FieldProblem;
use crate::events::EventType;

/// The events an endpoint subscribes to: at least one, only public event
/// names (see [`EventType::PUBLIC`]), each once, kept in the order of
/// [`EventType::PUBLIC`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EventSet(Vec<EventType>);

/// Why a list of names is not an [`EventSet`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventSetError {
    /// No event named.
    #[error("events must name at least one event")]
    Empty,
    /// A name that is not a public event.
    #[error("{name:?} is not an event; use one of {}", public_names())]
    Unknown {
        /// The name as given (cut to 64 characters).
        name: String,
    },
}

fn public_names() -> String {
    EventType::PUBLIC.map(EventType::as_str).join(", ")
}

impl FieldProblem for EventSetError {
    fn code(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::Unknown { .. } => "unknown_event",
        }
    }
}

impl EventSet {
    /// Parses event names; duplicates are dropped.
    ///
    /// # Errors
    /// [`EventSetError::Empty`] for no names, [`EventSetError::Unknown`] for
    /// the first name that is not a public event.
    pub fn parse<S: AsRef<str>>(names: &[S]) -> Result<Self, EventSetError> {
        if names.is_empty() {
            return Err(EventSetError::Empty);
        }
        let mut kinds = Vec::with_capacity(names.len());
        for name in names {
            let name = name.as_ref().trim();
            match EventType::parse(name).filter(|kind| kind.is_public()) {
                Some(kind) => kinds.push(kind),
                None => return Err(EventSetError::Unknown { name: name.chars().take(64).collect() }),
            }
        }
        Self::from_types(kinds).ok_or(EventSetError::Empty)
    }

    /// A set of the public types among `kinds`; `None` when none is left.
    pub fn from_types(kinds: impl IntoIterator<Item = EventType>) -> Option<Self> {
        let kinds: Vec<EventType> = kinds.into_iter().collect();
        let set: Vec<EventType> = EventType::PUBLIC.into_iter().filter(|kind| kinds.contains(kind)).collect();
        (!set.is_empty()).then_some(Self(set))
    }

    /// Whether `kind` is in the set.
    pub fn contains(&self, kind: EventType) -> bool {
        self.0.contains(&kind)
    }

    /// The types, in the order of [`EventType::PUBLIC`].
    pub fn iter(&self) -> impl Iterator<Item = EventType> + '_ {
        self.0.iter().copied()
    }

    /// The types' names, in the order of [`EventType::PUBLIC`].
    pub fn names(&self) -> Vec<&'static str> {
        self.iter().map(EventType::as_str).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_sets_keep_public_names_once_in_a_fixed_order() {
        let set = EventSet::parse(&["post.published", "user.registered", "post.published"]).expect("valid");
        assert_eq!(set.names(), ["user.registered", "post.published"]);
        assert!(set.contains(EventType::PostPublished));
        assert!(!set.contains(EventType::PostDeleted));

        assert_eq!(EventSet::parse::<&str>(&[]), Err(EventSetError::Empty));
        let unknown = EventSet::parse(&["post.published", "post.exploded"]);
        assert_eq!(unknown, Err(EventSetError::Unknown { name: "post.exploded".into() }));
        // Internal events exist but are not for webhooks.
        let internal = EventSet::parse(&["user.password_reset_requested"]);
        assert!(matches!(internal, Err(EventSetError::Unknown { .. })), "{internal:?}");
        let every = EventSet::parse(&EventType::PUBLIC.map(EventType::as_str)).expect("valid");
        assert_eq!(every.iter().collect::<Vec<_>>(), EventType::PUBLIC);
    }
}
