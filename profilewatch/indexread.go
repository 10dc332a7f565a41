package profilewatch

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// BadEntry is an index entry that was skipped: an unsafe name, a missing, empty, negative or
// unreadable mtime, or text that is not a <profile> element.
type BadEntry struct {
	// Name is the profile's name when it was read and is safe, so its cache entry is kept.
	Name string
	// Text is what the index holds, quoted and cut to 200 bytes, for the warning.
	Text string
	Err  error
}

// bytesPerEntry is about the size of one index entry: <profile mtime='1718963105'>host.domain.json</profile>.
const bytesPerEntry = 64

// maxEntryLen bounds one <profile> element; anything longer is a bad entry.
const maxEntryLen = 64 << 10

var (
	tagOpen      = []byte("<profile")
	tagClose     = []byte("</profile>")
	rootClose    = []byte("</profiles>")
	commentClose = []byte("-->")
	piClose      = []byte("?>")
	tagEnd       = []byte(">")
	lessThan     = []byte("<")
)

// ParseIndex reads an Aquilon index, <profiles><profile mtime='SECONDS'>NAME</profile>...</profiles>,
// as a stream: it holds one entry at a time, not the document. Names that are not profiles (not
// ending .json or .json.gz) are left out. An entry that cannot be used (a name unsafe in a URL
// path, since the index comes from another machine; a missing, empty or negative mtime; a line
// that is not a <profile> element) is skipped and returned in bad; the others are read on. The
// document fails as a whole (ErrBadIndex) when it has no <profiles> root, is cut short before
// </profiles>, or holds more bad entries than good ones. mtimes are normalised to milliseconds.
func ParseIndex(r io.Reader) (Index, []BadEntry, error) { return parseIndex(r, 0, nil) }

// parseIndex is ParseIndex for a document of about entries entries (0: unknown), whose map is
// made big enough for them at once rather than grown entry by entry. each, if not nil, is given
// every entry as it is read instead, and the index returned is nil: the caller keeps them.
func parseIndex(r io.Reader, entries int, each func(name string, mt int64)) (Index, []BadEntry, error) {
	s := &indexScanner{r: r, buf: make([]byte, 0, 64<<10), each: each}
	var idx Index
	if each == nil {
		idx = make(Index, min(entries, maxIndexSize/bytesPerEntry))
	}
	var bad []BadEntry
	root := false
	for {
		i := s.find(lessThan, 0, maxEntryLen)
		if s.err != nil {
			return nil, nil, fmt.Errorf("read index: %w", s.err)
		}
		if i < 0 && !s.eof { // a run of text too long to be an entry
			bad = append(bad, BadEntry{Text: quote(s.unread()), Err: errors.New("text outside a <profile> element")})
			s.pos = len(s.buf)
			continue
		}
		if i < 0 {
			if !root {
				return nil, nil, fmt.Errorf("%w: no <profiles> element", ErrBadIndex)
			}
			return nil, nil, fmt.Errorf("%w: cut short, no </profiles> at the end", ErrBadIndex)
		}
		if text := s.unread()[:i]; len(bytes.TrimSpace(text)) > 0 {
			if !root {
				return nil, nil, fmt.Errorf("%w: text before the <profiles> element", ErrBadIndex)
			}
			bad = append(bad, BadEntry{Text: quote(text), Err: errors.New("text outside a <profile> element")})
		}
		s.pos += i
		s.ensure(len(rootClose) + 1) // enough to tell the tags apart
		rest := s.unread()
		switch {
		case bytes.HasPrefix(rest, []byte("<?")):
			s.skipPast(piClose)
		case bytes.HasPrefix(rest, []byte("<!--")):
			s.skipPast(commentClose)
		case bytes.HasPrefix(rest, []byte("<!")): // DOCTYPE
			s.skipPast(tagEnd)
		case !root:
			if !isTag(rest, "profiles") {
				return nil, nil, fmt.Errorf("%w: root element is not <profiles>", ErrBadIndex)
			}
			root = true
			if !s.skipPast(tagEnd) {
				return nil, nil, fmt.Errorf("%w: cut short in <profiles>", ErrBadIndex)
			}
			if bytes.HasSuffix(s.buf[:s.pos], []byte("/>")) {
				return idx, nil, nil // <profiles/>: an empty index
			}
		case bytes.HasPrefix(rest, rootClose):
			usable := s.usable
			if idx != nil {
				usable = len(idx) // a name listed twice counts once
			}
			if len(bad) > 0 && len(bad) > usable {
				return nil, bad, fmt.Errorf("%w: %d entries unusable, more than the %d usable ones", ErrBadIndex, len(bad), usable)
			}
			return idx, bad, nil
		case isTag(rest, "profile"):
			if b, ok := s.entry(idx); !ok {
				bad = append(bad, b)
			}
		default: // another element or a stray end tag: skipped, as before
			s.skipPast(tagEnd)
		}
	}
}

// isTag reports whether b starts with the start tag of name.
func isTag(b []byte, name string) bool {
	if len(b) < len(name)+2 || b[0] != '<' || string(b[1:len(name)+1]) != name {
		return false
	}
	switch b[len(name)+1] {
	case ' ', '\t', '\r', '\n', '>', '/':
		return true
	}
	return false
}

// entry reads the <profile> element at the scanner's position into idx. When the element is
// unusable it returns why, and the scanner goes on after the line (or the start tag) it is on.
func (s *indexScanner) entry(idx Index) (BadEntry, bool) {
	j := s.find(tagClose, len(tagOpen), maxEntryLen)
	if j < 0 {
		return s.badLine(errors.New("no </profile> on the entry")), false
	}
	elem := s.unread()[:j]
	if bytes.IndexByte(elem[1:], '<') >= 0 {
		return s.badLine(errors.New("not one <profile>NAME</profile> element")), false
	}
	nameB, mtime, err := parseEntry(elem)
	s.pos += j + len(tagClose)
	if err != nil {
		return BadEntry{Text: quote(elem), Err: err}, false
	}
	if !IsProfileName(nameB) {
		return BadEntry{}, true
	}
	name := string(nameB)
	if err := checkName(name); err != nil {
		return BadEntry{Text: quote([]byte(name)), Err: err}, false
	}
	mt, ok := digitsValue(mtime) // whole seconds, the common case, without a string
	if ok && mt < msThreshold {
		mt *= 1000
	}
	if !ok {
		mt, err = parseMTime(string(mtime))
	}
	if err != nil {
		return BadEntry{Name: name, Text: quote([]byte(name)), Err: err}, false
	}
	s.usable++
	if s.each != nil {
		s.each(name, mt)
	} else {
		idx[name] = mt
	}
	return BadEntry{}, true
}

// badLine skips the rest of the line the scanner is on (at least the start of the tag).
func (s *indexScanner) badLine(err error) BadEntry {
	rest := s.unread()
	end := bytes.IndexByte(rest, '\n')
	if end < 0 {
		end = len(tagOpen)
	}
	b := BadEntry{Text: quote(rest[:end]), Err: err}
	s.pos += end
	return b
}

// parseEntry reads <profile mtime='…'>NAME (without the end tag). Entities are rare in an
// index; an element that has one is read by encoding/xml. The name is in elem or a new slice.
func parseEntry(elem []byte) (name, mtime []byte, err error) {
	if bytes.IndexByte(elem, '&') >= 0 {
		var p struct {
			MTime string `xml:"mtime,attr"`
			Name  string `xml:",chardata"`
		}
		if err := xml.Unmarshal(append(elem[:len(elem):len(elem)], tagClose...), &p); err != nil {
			return nil, nil, err
		}
		return []byte(strings.TrimSpace(p.Name)), []byte(p.MTime), nil
	}
	gt := bytes.IndexByte(elem, '>')
	if gt < 0 || elem[gt-1] == '/' {
		return nil, nil, errors.New("not a <profile>NAME</profile> element")
	}
	attrs := elem[len(tagOpen):gt]
	for {
		attrs = trimXMLSpace(attrs)
		if len(attrs) == 0 {
			break
		}
		eq := bytes.IndexByte(attrs, '=')
		if eq < 1 {
			return nil, nil, fmt.Errorf("bad attributes %q", attrs)
		}
		key := bytes.TrimSpace(attrs[:eq])
		v := trimXMLSpace(attrs[eq+1:])
		if len(v) == 0 || (v[0] != '\'' && v[0] != '"') {
			return nil, nil, fmt.Errorf("bad attributes %q", attrs)
		}
		end := bytes.IndexByte(v[1:], v[0])
		if end < 0 {
			return nil, nil, fmt.Errorf("bad attributes %q", attrs)
		}
		if string(key) == "mtime" {
			mtime = v[1 : end+1]
		}
		attrs = v[end+2:]
	}
	return bytes.TrimSpace(elem[gt+1:]), mtime, nil
}

// trimXMLSpace cuts XML's whitespace from the start of b (bytes.TrimLeft with a cutset builds a
// set for every call, twice per entry of a 100,000-entry index).
func trimXMLSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n') {
		b = b[1:]
	}
	return b
}

func quote(b []byte) string {
	if len(b) > 200 {
		return fmt.Sprintf("%q...", b[:200])
	}
	return fmt.Sprintf("%q", b)
}
