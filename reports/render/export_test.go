package render

// The page around the report's data, for the fuzz tests.
var PageHead, PageTail = pageHead, pageTail
