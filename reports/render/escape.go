package render

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text from a report — names, descriptions, reasons, evidence, links —
// comes from implementations, drivers and go test output, none of which a
// report trusts: it is shown as text, never as markup.

// SafeLink returns link when it is an absolute http or https URL (the
// scheme in lower case), and "" otherwise: only those become links;
// anything else is shown as text.
func SafeLink(link string) string {
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(link, "http://") && !strings.HasPrefix(link, "https://") || u.Host == "" ||
		strings.ContainsAny(link, " <>\"'`\\\x00") || !utf8.ValidString(link) {
		return ""
	}
	for _, r := range link {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return ""
		}
	}
	return link
}

// clean makes s valid UTF-8 without terminal escape sequences or control
// characters but newlines and tabs: no colour, NUL or bell reaches a
// report's text.
func clean(s string) string {
	if strings.IndexByte(s, 0x1b) >= 0 {
		s = ansi.ReplaceAllString(s, "")
	}
	ok := utf8.ValidString(s)
	for i := 0; ok && i < len(s); i++ {
		c := s[i]
		ok = (c >= 0x20 && c != 0x7f || c == '\n' || c == '\t') && c != 0xc2 // 0xc2 starts C1 controls
	}
	if ok {
		return s
	}
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case unicode.IsControl(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Clean is clean, for text a report prints to a terminal or a CI log.
func Clean(s string) string { return clean(s) }

// mdEscaper escapes what Markdown and HTML would read as markup in inline
// text: HTML by entities, Markdown punctuation by backslashes.
var mdEscaper = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;",
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "|", `\|`, "~", `\~`, "#", `\#`, "!", `\!`,
)

// mdText renders s as inline Markdown text: on one line, escaped.
func mdText(s string) string {
	s = strings.Join(strings.Fields(strings.ReplaceAll(clean(s), "\t", " ")), " ")
	return mdEscaper.Replace(s)
}

// mdCell renders s as a table cell: text, at most max bytes of it.
func mdCell(s string, max int) string {
	s = strings.Join(strings.Fields(clean(s)), " ")
	if len(s) > max {
		cut := max - 3
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return mdEscaper.Replace(s)
}

// mdCode renders s as an inline code span, delimited by more backticks
// than any run in it. Text with a pipe is escaped text instead: a table
// splits a code span on its pipes, and a backslash, literal in code,
// would leave a pipe after it ambiguous.
func mdCode(s string) string {
	s = strings.Join(strings.Fields(clean(s)), " ")
	if strings.Contains(s, "|") {
		return mdEscaper.Replace(s)
	}
	ticks := strings.Repeat("`", longestRun(s, '`')+1)
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || s == "" {
		pad = " "
	}
	return ticks + pad + s + pad + ticks
}

// mdFence renders s as a fenced code block: the fence is longer than any
// run of backticks in s, so nothing in s closes it.
func mdFence(s, info string) string {
	s = strings.TrimRight(clean(s), "\n")
	fence := strings.Repeat("`", max(3, longestRun(s, '`')+1))
	return fence + info + "\n" + s + "\n" + fence + "\n"
}

func longestRun(s string, c byte) int {
	n, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			run++
			n = max(n, run)
		} else {
			run = 0
		}
	}
	return n
}

// mdAnchor is the anchor GitHub gives a heading of text: lower case,
// letters, digits, hyphens and underscores, spaces to hyphens.
func mdAnchor(text string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(clean(text)) {
		switch {
		case r == ' ' || r == '-':
			b.WriteByte('-')
		case r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}
