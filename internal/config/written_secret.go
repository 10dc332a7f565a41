package config

import (
	"net/url"
	"strings"
	"unicode"
)

// Which references bring in a secret (refPair.secret: hidden however short and whatever it
// is): every reference of a secret key's value, a part as much as the whole (RABBIT_PW =
// pre%(a)s: a = 123 is hidden wherever it appears alone, as a password's start would be), and
// one whose expansion lands, even in part, in a reference that names a secret key
// (%(RABBIT_PW)s, and what that one's own references bring in), in a URL's password
// (https://aq:%(p)s@aquilon/: Load moves it into ProfileAuth.Password, a secret) or in the
// value of a query parameter named like a secret (?token=%(t)s, key=, secret=, password=,
// sig=): at any depth, as a reference inside another lands where the outer one does. A part of
// under minSecretPart characters is left to the rule of any value (refPair.shownAsIs), unless
// it is the whole secret: log lines are hidden by replacing text wherever it appears, and a
// part "1" or "on" would garble every timestamp, number and word that holds it, to keep from
// a reader of the log, who does not know it belongs to a password, one or two of its
// characters.

// minSecretPart is the length from which a part of a secret is hidden on its own.
const minSecretPart = 3

// placedRef is a reference of a value, with where its expansion starts in the value.
type placedRef struct {
	refPair
	at int
}

// secretRefs returns refs, the references of v (as expanded, before trimming), the value of
// key, each marked secret when it brings in a secret, or a part of one of at least
// minSecretPart characters.
func secretRefs(key, v string, refs []placedRef) []refPair {
	regions := urlSecrets(v)
	if secretKey(key) {
		regions = append(regions, span{len(v) - len(strings.TrimLeftFunc(v, unicode.IsSpace)), len(strings.TrimRightFunc(v, unicode.IsSpace))})
	}
	for _, r := range refs {
		if secretReference(r.written) {
			regions = append(regions, span{r.at, r.at + len(r.expanded)})
		}
	}
	out := make([]refPair, len(refs))
	for i, r := range refs {
		r.secret = inSecret(span{r.at, r.at + len(r.expanded)}, regions)
		out[i] = r.refPair
	}
	return out
}

// span is the part [start, end) of a value.
type span struct{ start, end int }

// inSecret says whether e, a reference's expansion, shares a byte with one of secrets, and is
// either minSecretPart bytes long or holds the whole of that secret.
func inSecret(e span, secrets []span) bool {
	for _, s := range secrets {
		if e.start < s.end && s.start < e.end && (e.end-e.start >= minSecretPart || e.start <= s.start && s.end <= e.end) {
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
