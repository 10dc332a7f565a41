package config

import (
	"net/url"
	"strings"
)

// Which references bring in a secret (refPair.secret: hidden however short and whatever it
// is): every reference of a secret key's value, a part as much as the whole (RABBIT_PW =
// pre%(a)s: a = 12 is hidden wherever it appears alone, as a password's start would be), and
// one whose expansion lands, even in part, in a reference that names a secret key
// (%(RABBIT_PW)s, and what that one's own references bring in), in a URL's password
// (https://aq:%(p)s@aquilon/: Load moves it into ProfileAuth.Password, a secret) or in the
// value of a query parameter named like a secret (?token=%(t)s, key=, secret=, password=,
// sig=): at any depth, as a reference inside another lands where the outer one does.

// placedRef is a reference of a value, with where its expansion starts in the value.
type placedRef struct {
	refPair
	at int
}

// secretRefs returns refs, the references of v (as expanded, before trimming), the value of
// key, each marked secret when it brings in a secret or a part of one.
func secretRefs(key, v string, refs []placedRef) []refPair {
	whole := secretKey(key)
	regions := urlSecrets(v)
	for _, r := range refs {
		if secretReference(r.written) {
			regions = append(regions, span{r.at, r.at + len(r.expanded)})
		}
	}
	out := make([]refPair, len(refs))
	for i, r := range refs {
		r.secret = whole || overlaps(r.at, r.at+len(r.expanded), regions)
		out[i] = r.refPair
	}
	return out
}

// span is the part [start, end) of a value.
type span struct{ start, end int }

// overlaps says whether [start, end) shares a byte with any of spans.
func overlaps(start, end int, spans []span) bool {
	for _, s := range spans {
		if start < s.end && s.start < end {
			return true
		}
	}
	return false
}

// urlSecrets returns the parts of v that are a URL's password or a secret query parameter's
// value, for every URL in v (a list may hold several). A URL runs from its "scheme://" to the
// next white space; its authority to the first "/", "?" or "#" after it, and its userinfo to
// the last "@" of the authority, as net/url reads them (a part that runs into the next URL of a
// list only hides more).
func urlSecrets(v string) []span {
	var out []span
	for from := 0; ; {
		i := strings.Index(v[from:], "://")
		if i < 0 {
			return out
		}
		start := from + i + 3
		end := start + strings.IndexFunc(v[start:], isSpace)
		if end < start {
			end = len(v)
		}
		out = append(out, urlPartSecrets(v[start:end], start)...)
		from = start
	}
}

func isSpace(c rune) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// urlPartSecrets is urlSecrets for u, a URL after its "://", which starts at offset base of the value.
func urlPartSecrets(u string, base int) []span {
	var out []span
	auth := u
	if i := strings.IndexAny(u, "/?#"); i >= 0 {
		auth = u[:i]
	}
	if at := strings.LastIndexByte(auth, '@'); at >= 0 {
		if c := strings.IndexByte(auth[:at], ':'); c >= 0 && c+1 < at {
			out = append(out, span{base + c + 1, base + at})
		}
	}
	q := strings.IndexByte(u, '?')
	if q < 0 {
		return out
	}
	query := u[q+1:]
	if h := strings.IndexByte(query, '#'); h >= 0 {
		query = query[:h]
	}
	off := base + q + 1
	for pos := 0; pos <= len(query); {
		n := strings.IndexAny(query[pos:], "&;")
		if n < 0 {
			n = len(query) - pos
		}
		if name, val, ok := strings.Cut(query[pos:pos+n], "="); ok && val != "" && secretParam(name) {
			out = append(out, span{off + pos + len(name) + 1, off + pos + n})
		}
		pos += n + 1
	}
	return out
}

// secretParam says whether a query parameter named name (as written: unescaped here as net/url
// reads it, to%6Ben is token) holds a secret: a name a secret key would have (token, password,
// secret, access_token, pw), or key, sig, signature, auth or a name ending in _key or -key
// (api-key).
func secretParam(name string) bool {
	if u, err := url.QueryUnescape(name); err == nil {
		name = u
	}
	n := strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
	switch n {
	case "KEY", "SIG", "SIGNATURE", "AUTH":
		return true
	}
	return strings.HasSuffix(n, "_KEY") || secretKey(n)
}
