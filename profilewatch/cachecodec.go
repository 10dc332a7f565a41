package profilewatch

import (
	"bytes"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"unsafe"
)

// The cache file is JSON, {"version":1,"entries":{"<key>":{"mtime":N,"digest":"…"},…}}, as it
// has always been (an entry a --publish-all has yet to publish adds "pending":true, which older
// versions ignore). With 100,000 entries, encoding/json spent more time on it than the rest of a
// scan, so the watcher writes it with appendCache and reads what appendCache writes with
// parseCache; a file in any other JSON form (written by hand, or by an older version) is read
// by encoding/json.

// appendCache appends the cache file for entries, keys sorted.
func appendCache(buf []byte, entries map[string]CacheEntry) []byte {
	var b bytes.Buffer
	b.Write(buf)
	writeCache(&b, entries, slices.Sorted(maps.Keys(entries))) // a bytes.Buffer does not fail
	return b.Bytes()
}

// writeCache writes the cache file for entries in the order of keys (sorted, without
// duplicates; keys not in entries are skipped), a few KB at a time.
func writeCache(w io.Writer, entries map[string]CacheEntry, keys []string) error {
	buf := make([]byte, 0, 8<<10)
	flush := func() error {
		_, err := w.Write(buf)
		buf = buf[:0]
		return err
	}
	buf = append(buf, `{"version":`...)
	buf = strconv.AppendInt(buf, cacheVersion, 10)
	buf = append(buf, `,"entries":{`...)
	first := true
	for _, k := range keys {
		e, ok := entries[k]
		if !ok {
			continue
		}
		if !first {
			buf = append(buf, ',')
		}
		first = false
		buf = appendEntry(buf, k, e)
		if len(buf) > 7<<10 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	buf = append(buf, "}}\n"...)
	return flush()
}

// appendEntry appends one member of "entries": "key":{"mtime":N,"digest":"…","pending":true}.
func appendEntry(buf []byte, k string, e CacheEntry) []byte {
	buf = appendJSONString(buf, k)
	buf = append(buf, `:{"mtime":`...)
	buf = strconv.AppendInt(buf, e.MTime, 10)
	if e.Digest != "" {
		buf = append(buf, `,"digest":`...)
		buf = appendJSONString(buf, e.Digest)
	}
	if e.Pending {
		buf = append(buf, `,"pending":true`...)
	}
	return append(buf, '}')
}

// appendJSONString quotes s; names and digests are printable ASCII without '"' or '\\' (the
// index check refuses the rest), else strconv's quoting, which is valid JSON for them.
func appendJSONString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return strconv.AppendQuoteToASCII(buf, s)
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
}

// layout is where a loaded cache file's entries are, for writing the unchanged ones back as
// they were read: keys in the file's (strictly ascending) order, spans[i] the bytes of keys[i]'s
// entry in raw.
type layout struct {
	keys  []string
	spans [][2]int32
	raw   []byte
}

// parseCache reads a cache file in exactly the form appendCache writes. ok is false for
// anything else, and the caller falls back to encoding/json. lay is nil unless the keys are in
// strictly ascending order (as writeCache writes them). The strings share data's memory: the
// caller must not change data afterwards.
func parseCache(data []byte) (entries map[string]CacheEntry, lay *layout, version int, ok bool) {
	// The strings are cut from the file's bytes rather than allocated one by one (100,000 small
	// allocations were a third of the load): data is not written to after this.
	p := cacheParser{data: data, text: unsafe.String(unsafe.SliceData(data), len(data))}
	if !p.lit(`{"version":`) {
		return nil, nil, 0, false
	}
	v, ok := p.int()
	if !ok || !p.lit(`,"entries":{`) {
		return nil, nil, 0, false
	}
	n := bytes.Count(data, []byte(`"mtime"`))
	entries = make(map[string]CacheEntry, n)
	lay = &layout{keys: make([]string, 0, n), spans: make([][2]int32, 0, n), raw: data}
	if len(data) > math.MaxInt32 {
		lay = nil
	}
	for !p.lit("}}") {
		if len(entries) > 0 && !p.lit(",") {
			return nil, nil, 0, false
		}
		start := p.pos
		key, ok := p.str()
		if !ok || !p.lit(`:{"mtime":`) {
			return nil, nil, 0, false
		}
		var e CacheEntry
		if e.MTime, ok = p.int(); !ok {
			return nil, nil, 0, false
		}
		if p.lit(`,"digest":`) {
			if e.Digest, ok = p.str(); !ok {
				return nil, nil, 0, false
			}
		}
		e.Pending = p.lit(`,"pending":true`)
		if !p.lit("}") {
			return nil, nil, 0, false
		}
		if _, dup := entries[key]; dup {
			return nil, nil, 0, false
		}
		entries[key] = e
		if lay != nil && len(lay.keys) > 0 && lay.keys[len(lay.keys)-1] >= key {
			lay = nil
		} else if lay != nil {
			lay.keys = append(lay.keys, key)
			lay.spans = append(lay.spans, [2]int32{int32(start), int32(p.pos)})
		}
	}
	if len(bytes.Trim(data[p.pos:], " \t\r\n")) != 0 { // JSON's whitespace only
		return nil, nil, 0, false
	}
	return entries, lay, int(v), true
}

type cacheParser struct {
	data []byte
	text string // data as a string, for cutting keys and digests out of without copying
	pos  int
}

func (p *cacheParser) lit(s string) bool {
	if len(p.data)-p.pos >= len(s) && string(p.data[p.pos:p.pos+len(s)]) == s {
		p.pos += len(s)
		return true
	}
	return false
}

func (p *cacheParser) int() (int64, bool) {
	start := p.pos
	for p.pos < len(p.data) && (p.data[p.pos] >= '0' && p.data[p.pos] <= '9' || p.pos == start && p.data[p.pos] == '-') {
		p.pos++
	}
	num := p.data[start:p.pos]
	digits := bytes.TrimPrefix(num, []byte("-"))
	if len(digits) > 1 && digits[0] == '0' { // JSON has no leading zeros
		return 0, false
	}
	n, err := strconv.ParseInt(string(num), 10, 64)
	return n, err == nil
}

// str reads a string without escapes (printable ASCII); anything else is not appendCache's.
func (p *cacheParser) str() (string, bool) {
	if !p.lit(`"`) {
		return "", false
	}
	start := p.pos
	for p.pos < len(p.data) {
		switch c := p.data[p.pos]; {
		case c == '"':
			p.pos++
			return p.text[start : p.pos-1], true
		case c < 0x20 || c >= 0x7f || c == '\\':
			return "", false
		}
		p.pos++
	}
	return "", false
}
