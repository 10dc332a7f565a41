package web

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/crypto/bcrypt"

	"github.com/packuilon/packuilon/internal/retry"
)

// Auth checks staff against an htpasswd file of bcrypt hashes (htpasswd -B), read at each
// check so a changed file needs no restart, and makes and checks the CSRF tokens of the page's
// forms.
type Auth struct {
	// File is the htpasswd file (HTTP_AUTH_FILE).
	File string
	// Log is told when the file holds a line that is not user:bcrypt-hash and the users read
	// before are kept (nil: not told).
	Log hclog.Logger
	key []byte
	// compare checks a password against a bcrypt hash (bcrypt.CompareHashAndPassword; tests
	// count the comparisons).
	compare func(hash, pw []byte) error

	mu     sync.Mutex
	good   staff         // the last reading of the file without a bad line
	outage *retry.Outage // the file's time unusable, for the log (nil while Log is)
}

// staff is what an htpasswd file holds: each user's bcrypt hash, and the highest cost among
// them, which an unknown user's check pays too.
type staff struct {
	hashes map[string][]byte
	cost   int
}

// dummyHash is a well-formed bcrypt hash of cost that no password matches (an all-zero
// digest): checking it costs what checking a known user of that cost does.
func dummyHash(cost int) []byte {
	return fmt.Appendf(nil, "$2a$%02d$%s", cost, strings.Repeat(".", 53))
}

// bcryptHash reports whether hash is a well-formed bcrypt hash in one of the forms htpasswd
// and the bcrypt libraries write ($2a$, $2b$, $2y$), and its cost. Its salt and digest must be
// in bcrypt's base64 alphabet: bcrypt.CompareHashAndPassword refuses a salt that is not at once,
// without bcrypt's work.
func bcryptHash(hash string) (int, bool) {
	if len(hash) != 60 || !(strings.HasPrefix(hash, "$2a$") || strings.HasPrefix(hash, "$2b$") || strings.HasPrefix(hash, "$2y$")) {
		return 0, false
	}
	if strings.Trim(hash[7:], bcryptAlphabet) != "" {
		return 0, false
	}
	cost, err := bcrypt.Cost([]byte(hash))
	return cost, err == nil
}

// bcryptAlphabet is the base64 alphabet of bcrypt's salt and digest.
const bcryptAlphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// NewAuth returns an Auth for file, with a fresh CSRF key (tokens live as long as the daemon).
// It fails when the file cannot be read or holds a line that is not user:bcrypt-hash.
func NewAuth(file string) (*Auth, error) {
	a := &Auth{File: file, key: make([]byte, 32), compare: bcrypt.CompareHashAndPassword}
	rand.Read(a.key)
	if _, err := a.current(); err != nil {
		return nil, err
	}
	return a, nil
}

// current is the users to check a login against: the file's, or when it now holds a bad line
// (an htpasswd without -B adds an MD5 line), those it held before, so one bad line does not
// lock every user out; the log names the line. A file that cannot be read lets nobody in.
func (a *Auth) current() (staff, error) {
	users, err := a.users()
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.outage == nil && a.Log != nil {
		// Logged when the file goes bad or its error changes, and when it is right again, not
		// at each login.
		a.outage = retry.LogOutage(a.Log, hclog.Error, "the staff file cannot be used",
			"the staff file is usable again", "logins_meanwhile")
	}
	keep := errors.Is(err, errBadLine) && a.good.hashes != nil
	switch {
	case a.outage == nil:
	case err == nil:
		a.outage.OK()
	case keep:
		a.outage.Fail(0, fmt.Errorf("checking logins against the users it held before: %w", err), 0)
	default:
		a.outage.Fail(0, fmt.Errorf("nobody can log in: %w", err), 0)
	}
	switch {
	case err == nil:
		a.good = users
	case keep:
		return a.good, nil
	}
	return users, err
}

// errBadLine is an htpasswd line that is not user:bcrypt-hash.
var errBadLine = errors.New("not user:bcrypt-hash (make it with htpasswd -B)")

// users reads the htpasswd file. Errors name the line, never its content.
func (a *Auth) users() (staff, error) {
	data, err := os.ReadFile(a.File)
	if err != nil {
		return staff{}, fmt.Errorf("HTTP_AUTH_FILE: %w", err)
	}
	// Without users, nobody logs in; a refused login still costs what htpasswd -B's default
	// cost (5) does.
	users := staff{hashes: map[string][]byte{}, cost: 5}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		user, hash, ok := strings.Cut(line, ":")
		cost, bc := bcryptHash(hash)
		if !ok || user == "" || !bc {
			return staff{}, fmt.Errorf("HTTP_AUTH_FILE %s line %d: %w", a.File, n, errBadLine)
		}
		if len(users.hashes) == 0 || cost > users.cost {
			users.cost = cost
		}
		// As Apache's mod_authn_file, the first line of a user counts (a line added at the
		// end by hand does not replace a password).
		if _, dup := users.hashes[user]; !dup {
			users.hashes[user] = []byte(hash)
		}
	}
	return users, nil
}

// errUnauthorized is a request without valid credentials.
var errUnauthorized = errors.New("unauthorized")

// User returns the authenticated user of r (HTTP Basic), or errUnauthorized.
func (a *Auth) User(r *http.Request) (string, error) {
	user, pw, ok := r.BasicAuth()
	if !ok {
		return "", errUnauthorized
	}
	users, err := a.current()
	if err != nil {
		return "", err
	}
	hash, known := users.hashes[user]
	if !known {
		// One bcrypt check of the file's highest cost, as for a known user, so the time taken
		// does not tell which users exist (htpasswd -B makes cost 5, not bcrypt's default 10).
		hash = dummyHash(users.cost)
	}
	if a.compare(hash, []byte(pw)) != nil || !known {
		return "", errUnauthorized
	}
	return user, nil
}

// Token is the CSRF token of a form that does action on build id.
func (a *Auth) Token(action, id string) string {
	m := hmac.New(sha256.New, a.key)
	m.Write([]byte(action + "\x00" + id))
	return hex.EncodeToString(m.Sum(nil))
}

// CheckToken reports whether token is the one Token gives for action and id.
func (a *Auth) CheckToken(action, id, token string) bool {
	want := a.Token(action, id)
	return subtle.ConstantTimeCompare([]byte(want), []byte(token)) == 1
}
