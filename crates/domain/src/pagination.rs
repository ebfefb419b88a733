//! Offset pagination for lists whose size a client needs to know.

/// A requested page: 1-based page number and a page size of 1 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    page: u32,
    limit: u32,
}

/// Why a page request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PageRequestError {
    /// The page number is 0.
    #[error("page must be 1 or more")]
    PageOutOfRange,
    /// The limit is 0 or above the maximum.
    #[error("limit must be between 1 and {max}", max = PageRequest::MAX_LIMIT)]
    LimitOutOfRange,
}

impl PageRequestError {
    /// The request parameter at fault: `page` or `limit`.
    pub fn parameter(&self) -> &'static str {
        match self {
            Self::PageOutOfRange => "page",
            Self::LimitOutOfRange => "limit",
        }
    }
}

impl crate::error::FieldProblem for PageRequestError {
    fn code(&self) -> &'static str {
        "out_of_range"
    }
}

impl PageRequest {
    /// Page size when the client names none.
    pub const DEFAULT_LIMIT: u32 = 20;
    /// Largest page size.
    pub const MAX_LIMIT: u32 = 100;

    /// Builds a page request, with defaults for what the client left out.
    ///
    /// # Errors
    /// [`PageRequestError`] when a number is out of range.
    pub fn new(page: Option<u32>, limit: Option<u32>) -> Result<Self, PageRequestError> {
        let page = page.unwrap_or(1);
        let limit = limit.unwrap_or(Self::DEFAULT_LIMIT);
        if page == 0 {
            return Err(PageRequestError::PageOutOfRange);
        }
        if limit == 0 || limit > Self::MAX_LIMIT {
            return Err(PageRequestError::LimitOutOfRange);
        }
        Ok(Self { page, limit })
    }

    /// The 1-based page number.
    pub fn page(&self) -> u32 {
        self.page
    }

    /// The page size.
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// How many items precede this page.
    pub fn offset(&self) -> u64 {
        u64::from(self.page - 1) * u64::from(self.limit)
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self { page: 1, limit: Self::DEFAULT_LIMIT }
    }
}

/// A trimmed, non-empty search text of at most 100 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTerm(String);

/// A search text longer than [`SearchTerm::MAX_LEN`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("search text must be at most {max} characters", max = SearchTerm::MAX_LEN)]
pub struct SearchTermTooLong;

impl crate::error::FieldProblem for SearchTermTooLong {
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
