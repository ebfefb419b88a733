//! Offset pagination for lists whose size a client needs to know.

/// A requested window of a list: how many items to skip and a page size of 1
/// to 100. Built from a 1-based page number or from a raw offset (the RealWorld
/// surface pages by offset).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    offset: u64,
    limit: u32,
}

/// Why a page request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PageRequestError {
    /// The page number is 0.
    #[error("page must be 1 or more")]
    PageOutOfRange,
    /// The offset is larger than any list could be.
    #[error("offset must be between 0 and {max}", max = PageRequest::MAX_OFFSET)]
    OffsetOutOfRange,
    /// The limit is 0 or above the maximum.
    #[error("limit must be between 1 and {max}", max = PageRequest::MAX_LIMIT)]
    LimitOutOfRange,
}

impl PageRequestError {
    /// The request parameter at fault: `page` or `limit`.
    pub fn parameter(&self) -> &'static str {
        match self {
            Self::PageOutOfRange => "page",
            Self::OffsetOutOfRange => "offset",
            Self::LimitOutOfRange => "limit",
        }
    }
}

impl crate::errors::FieldProblem for PageRequestError {
    fn code(&self) -> &'static str {
        "out_of_range"
    }
}

impl PageRequest {
    /// Page size when the client names none.
    pub const DEFAULT_LIMIT: u32 = 20;
    /// Largest page size.
    pub const MAX_LIMIT: u32 = 100;
    /// Largest offset: far past any real list, small enough for every store.
    pub const MAX_OFFSET: u64 = 1 << 40;

    /// Builds a page request from a 1-based page number, with defaults for what
    /// the client left out.
    ///
    /// # Errors
    /// [`PageRequestError`] when a number is out of range.
    pub fn new(page: Option<u32>, limit: Option<u32>) -> Result<Self, PageRequestError> {
        let limit = Self::checked_limit(limit)?;
        match page.unwrap_or(1) {
            0 => Err(PageRequestError::PageOutOfRange),
            page => Ok(Self { offset: u64::from(page - 1) * u64::from(limit), limit }),
        }
    }

    /// Builds a page request from a number of items to skip.
    ///
    /// # Errors
    /// [`PageRequestError`] when a number is out of range.
    pub fn from_offset(offset: Option<u64>, limit: Option<u32>) -> Result<Self, PageRequestError> {
        let limit = Self::checked_limit(limit)?;
        match offset.unwrap_or(0) {
            offset if offset > Self::MAX_OFFSET => Err(PageRequestError::OffsetOutOfRange),
            offset => Ok(Self { offset, limit }),
        }
    }

    fn checked_limit(limit: Option<u32>) -> Result<u32, PageRequestError> {
        match limit.unwrap_or(Self::DEFAULT_LIMIT) {
            limit @ 1..=Self::MAX_LIMIT => Ok(limit),
            _ => Err(PageRequestError::LimitOutOfRange),
        }
    }

    /// The 1-based number of the page this window starts in.
    pub fn page(&self) -> u32 {
        u32::try_from(self.offset / u64::from(self.limit) + 1).unwrap_or(u32::MAX)
    }

    /// The page size.
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// How many items precede this page.
    pub fn offset(&self) -> u64 {
        self.offset
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self { offset: 0, limit: Self::DEFAULT_LIMIT }
    }
}

/// A trimmed, non-empty search text of at most 100 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTerm(String);

/// A search text longer than [`SearchTerm::MAX_LEN`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("search text must be at most {max} characters", max = SearchTerm::MAX_LEN)]
pub struct SearchTermTooLong;

impl crate::errors::FieldProblem for SearchTermTooLong {
    fn code(&self) -> &'static str {
        "too_long"
    }
}

impl SearchTerm {
    /// Longest accepted search text: longer patterns cost much and find little.
    pub const MAX_LEN: usize = 100;

    /// Trims `raw`; blank text means no search (`Ok(None)`).
    ///
    /// # Errors
    /// [`SearchTermTooLong`] past [`SearchTerm::MAX_LEN`] characters.
    pub fn parse(raw: &str) -> Result<Option<Self>, SearchTermTooLong> {
        let text = raw.trim();
        if text.is_empty() {
            Ok(None)
        } else if text.chars().count() > Self::MAX_LEN {
            Err(SearchTermTooLong)
        } else {
            Ok(Some(Self(text.to_owned())))
        }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One page of a list, with the total across all pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// The request that produced it.
    pub request: PageRequest,
    /// How many items there are across all pages.
    pub total: u64,
}

impl<T> Page<T> {
    /// How many pages `total` items make at this page size.
    pub fn total_pages(&self) -> u64 {
        self.total.div_ceil(u64::from(self.request.limit()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_bounds() {
        assert_eq!(PageRequest::new(None, None), Ok(PageRequest::default()));
        assert_eq!(PageRequest::new(Some(0), None), Err(PageRequestError::PageOutOfRange));
        assert_eq!(PageRequest::new(None, Some(0)), Err(PageRequestError::LimitOutOfRange));
        assert_eq!(PageRequest::new(None, Some(101)), Err(PageRequestError::LimitOutOfRange));
        let request = PageRequest::new(Some(3), Some(10)).expect("valid");
        assert_eq!(request.offset(), 20);
        assert_eq!(request.page(), 3);
        let request = PageRequest::from_offset(Some(25), Some(10)).expect("valid");
        assert_eq!((request.offset(), request.page()), (25, 3));
        assert_eq!(PageRequest::from_offset(None, None), Ok(PageRequest::default()));
        assert_eq!(PageRequest::from_offset(Some(u64::MAX), None), Err(PageRequestError::OffsetOutOfRange));
    }

    #[test]
    fn search_terms_are_trimmed_and_bounded() {
        assert_eq!(SearchTerm::parse("  rust "), Ok(Some(SearchTerm("rust".to_owned()))));
        assert_eq!(SearchTerm::parse("   "), Ok(None));
        assert_eq!(SearchTerm::parse(&"x".repeat(101)), Err(SearchTermTooLong));
    }

    #[test]
    fn total_pages_rounds_up() {
        let request = PageRequest::new(Some(1), Some(20)).expect("valid");
        let page = |total| Page::<()> { items: vec![], request, total };
        assert_eq!(page(0).total_pages(), 0);
        assert_eq!(page(20).total_pages(), 1);
        assert_eq!(page(135).total_pages(), 7);
    }
}
