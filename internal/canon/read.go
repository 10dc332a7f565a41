package canon

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/zeebo/blake3"
)

// ErrSyntax is wrapped when the input is not one JSON object (bad syntax, another kind of value,
// or data after the object).
var ErrSyntax = errors.New("not a JSON object")

// ErrLimit is wrapped when the input is over a structure limit (depth, values, canonical size).
var ErrLimit = errors.New("over the structure limits")

// DefaultMaxDepth is the nesting depth allowed when Limits.MaxDepth is 0. Aquilon profiles
// nest about 12 deep; encoding/json itself stops at 10,000.
const DefaultMaxDepth = 512

// Limits bound what one document may contain.
type Limits struct {
	// MaxDepth bounds the nesting of objects and arrays (0: DefaultMaxDepth).
	MaxDepth int
	// MaxValues bounds the number of values of every kind (0: no bound beyond the input size).
	MaxValues int
}

// Options say what Read leaves out of the digest and what it picks up.
type Options struct {
	// Ignore are slash paths ("/system/network/interfaces") of object members left out of the
	// digest; a path whose parents are not all objects ignores nothing.
	Ignore []string
	// Capture are paths of values to return, in Doc.Values.
	Capture [][]string
	Limits  Limits
}

// Kind is the JSON type of a captured value.
type Kind uint8

// Kinds of captured values; Missing when the path is absent. An object or an array is
// captured as present, without its content.
const (
	Missing Kind = iota
	String
	Number
	Literal // true, false or null
	Object
	Array
)

// Value is a captured value: a string decoded, a number or a literal as written; for an object
// or an array only its kind.
type Value struct {
	Kind Kind
	Text string
}

// Doc is what Read found in a document.
type Doc struct {
	// Digest is "blake3:<hex>", the 256-bit BLAKE3 of the canonical form without the ignored
	// paths.
	Digest string
	// SHA256 is "sha256:<hex>" of the same bytes, the digest earlier versions cached; set
	// only by ReadWithSHA256.
	SHA256 string
	// Values holds the captured values in the order of Options.Capture.
	Values []Value
}

// Read validates body as one JSON object and returns its digest and captured values.
func Read(body []byte, o Options) (Doc, error) { return Compile(o).Read(body) }

// Compiled are Options made ready for many documents (the paths put into tries once).
type Compiled struct {
	ign, capt *trie
	captures  int
	limits    Limits
}

// Compile prepares o for reading many documents with the same options.
func Compile(o Options) *Compiled {
	c := &Compiled{captures: len(o.Capture), limits: o.Limits}
	for _, path := range o.Ignore {
		c.ign = c.ign.add(strings.Split(strings.Trim(path, "/"), "/"), 0)
	}
	for i, path := range o.Capture {
		c.capt = c.capt.add(path, i+1)
	}
	return c
}

// Read validates body as one JSON object and returns its digest and captured values.
func (c *Compiled) Read(body []byte) (Doc, error) { return c.read(body, false) }

// ReadWithSHA256 is Read that also takes Doc.SHA256, to compare with a digest an earlier version
// cached (BLAKE3 takes half the CPU time of SHA-256).
func (c *Compiled) ReadWithSHA256(body []byte) (Doc, error) { return c.read(body, true) }

func (c *Compiled) read(body []byte, withSHA256 bool) (Doc, error) {
	p := parser{in: body, maxDepth: c.limits.MaxDepth, maxValues: c.limits.MaxValues}
	if p.maxDepth <= 0 {
		p.maxDepth = DefaultMaxDepth
	}
	p.room = math.MaxInt
	if p.maxValues > 0 {
		p.room = p.maxValues
	}
	p.maxOut = 2*len(body) + 1024
	bufs := pool.Get().(*buffers)
	defer func() {
		if cap(bufs.out) <= maxPooled {
			for f := bufs.base.child; f != nil; f = f.child {
				f.ign, f.capt, f.prev = nil, nil, nil // the names are the input's
			}
			bufs.out, bufs.members, bufs.scratch = p.out[:0], p.members[:0], p.scratch[:0]
			pool.Put(bufs)
		}
	}()
	p.out, p.members, p.scratch, p.base = bufs.out, bufs.members, bufs.scratch, &bufs.base
	if want := len(body)/2 + 64; cap(p.out) < want {
		p.out = make([]byte, 0, want) // a large document: one allocation rather than doublings
	}
	p.caps = make([]Value, c.captures)
	p.skipWS()
	if p.pos >= len(body) || body[p.pos] != '{' {
		return Doc{}, p.fail(ErrSyntax, "the document does not start with an object")
	}
	if p.room--; p.room < 0 {
		return Doc{}, p.tooMany()
	}
	if c.capt != nil && c.capt.idx > 0 {
		p.caps[c.capt.idx-1] = Value{Kind: Object}
	}
	if err := p.document(c.ign, c.capt); err != nil {
		return Doc{}, err
	}
	p.skipWS()
	if p.pos != len(body) {
		return Doc{}, p.fail(ErrSyntax, "data after the object")
	}
	sum := blake3.Sum256(p.out)
	doc := Doc{Digest: "blake3:" + hex.EncodeToString(sum[:]), Values: p.caps}
	if withSHA256 {
		sum := sha256.Sum256(p.out)
		doc.SHA256 = "sha256:" + hex.EncodeToString(sum[:])
	}
	return doc, nil
}

// buffers are a parser's working memory, reused across documents: a scan reads hundreds of
// profiles, and fresh buffers for each were most of the garbage the scan made.
type buffers struct {
	out, scratch []byte
	members      []member
	base         frame // the start of the chain of frames, kept with them
}

// maxPooled: buffers of a document larger than this are left to the collector.
const maxPooled = 4 << 20

var pool = sync.Pool{New: func() any { return &buffers{} }}

// trie holds paths by member name; idx > 0 marks the end of a path (the capture index + 1 for
// captures, any positive value for ignored paths). under are the capture indexes + 1 of the
// paths through it, cleared when a member of its name comes again.
type trie struct {
	idx   int
	names []string // of the kids, searched in turn: a node has a few, and hashing cost more
	kids  []*trie
	under []int
}

func (t *trie) add(path []string, idx int) *trie {
	if t == nil {
		t = &trie{}
	}
	if idx > 0 {
		t.under = append(t.under, idx)
	}
	if len(path) == 0 {
		t.idx = max(idx, 1)
		return t
	}
	for k, name := range t.names {
		if name == path[0] {
			t.kids[k] = t.kids[k].add(path[1:], idx)
			return t
		}
	}
	t.names = append(t.names, path[0])
	t.kids = append(t.kids, (*trie)(nil).add(path[1:], idx))
	return t
}

func (t *trie) child(key []byte) *trie {
	if t == nil {
		return nil
	}
	for k, name := range t.names {
		if name == string(key) {
			return t.kids[k]
		}
	}
	return nil
}

// clear forgets the values captured under t: a later duplicate member replaces an earlier one,
// as it does in a decoded map.
func (p *parser) clear(t *trie) {
	for _, idx := range t.under {
		p.caps[idx-1] = Value{}
	}
}

func (p *parser) fail(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: %s at byte %d", sentinel, fmt.Sprintf(format, args...), p.pos)
}

var (
	litTrue  = []byte("true")
	litFalse = []byte("false")
	litNull  = []byte("null")
)

func (p *parser) literal() ([]byte, error) {
	for _, lit := range [][]byte{litTrue, litFalse, litNull} {
		if bytes.HasPrefix(p.in[p.pos:], lit) {
			p.pos += len(lit)
			return lit, nil
		}
	}
	return nil, p.fail(ErrSyntax, "invalid character %q", p.in[p.pos])
}
