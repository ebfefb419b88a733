//! The states of deliveries and the reasons endpoints are disabled, with
//! the stable names stored for them.

/// Where a delivery is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    /// Not delivered yet: waiting for its first attempt or for a retry.
    Pending,
    /// The receiver answered 2xx.
    Succeeded,
    /// Given up: attempts ran out, the endpoint was disabled or deleted, or
    /// the event is gone.
    Failed,
}

impl DeliveryStatus {
    /// Every status.
    pub const ALL: [DeliveryStatus; 3] = [Self::Pending, Self::Succeeded, Self::Failed];

    /// The stable name (`pending`, `succeeded`, `failed`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }

    /// Parses a stable name; `None` for anything else.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == name)
    }
}

/// Why an endpoint is disabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DisabledReason {
    /// An admin switched it off.
    Admin,
    /// Folio switched it off after too many consecutive failed attempts.
    Failures,
}

impl DisabledReason {
    /// Every reason.
    pub const ALL: [DisabledReason; 2] = [Self::Admin, Self::Failures];

    /// The stable name (`admin`, `failures`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Failures => "failures",
        }
    }

    /// Parses a stable name; `None` for anything else.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|reason| reason.as_str() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for status in DeliveryStatus::ALL {
            assert_eq!(DeliveryStatus::parse(status.as_str()), Some(status));
        }
        for reason in DisabledReason::ALL {
            assert_eq!(DisabledReason::parse(reason.as_str()), Some(reason));
        }
    }
}
