package report

// Markdown building blocks for renderers of other reports (the fleet
// audit's summary), so that every summary escapes server text the same way.

// MarkdownText escapes s for Markdown prose.
func MarkdownText(s string) string { return mdLine(s) }

// MarkdownCell escapes s for a table cell (line breaks become <br>).
func MarkdownCell(s string) string { return mdCell(s) }

// MarkdownCode is an inline code span that nothing in s can end; inside a
// table cell, use MarkdownCellCode.
func MarkdownCode(s string) string { return mdCode(s) }

// MarkdownCellCode is MarkdownCode inside a table cell.
func MarkdownCellCode(s string) string { return mdCellCode(s) }
