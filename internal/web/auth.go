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

	"golang.org/x/crypto/bcrypt"
)

// Auth checks staff against an htpasswd file of bcrypt hashes (htpasswd -B), read at each
// check so a changed file needs no restart, and makes and checks the CSRF tokens of the page's
// forms.
type Auth struct {
	// File is the htpasswd file (HTTP_AUTH_FILE).
	File string
	key  []byte
}

// NewAuth returns an Auth for file, with a fresh CSRF key (tokens live as long as the daemon).
// It fails when the file cannot be read or holds a line that is not user:bcrypt-hash.
func NewAuth(file string) (*Auth, error) {
	a := &Auth{File: file, key: make([]byte, 32)}
	rand.Read(a.key)
	if _, err := a.users(); err != nil {
		return nil, err
	}
	return a, nil
}

// users reads the htpasswd file. Errors name the line, never its content.
func (a *Auth) users() (map[string][]byte, error) {
	data, err := os.ReadFile(a.File)
	if err != nil {
		return nil, fmt.Errorf("HTTP_AUTH_FILE: %w", err)
	}
	users := map[string][]byte{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		user, hash, ok := strings.Cut(line, ":")
		if !ok || user == "" || !strings.HasPrefix(hash, "$2") {
			return nil, fmt.Errorf("HTTP_AUTH_FILE %s line %d: not user:bcrypt-hash (make it with htpasswd -B)", a.File, n)
		}
		users[user] = []byte(hash)
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
	users, err := a.users()
	if err != nil {
		return "", err
	}
	hash, known := users[user]
	if !known {
		// Same work as a known user, so the time taken does not tell which users exist: another
		// user's hash has the file's cost (htpasswd -B makes cost 5, not bcrypt's default 10).
		hash = []byte("$2a$10$0000000000000000000000000000000000000000000000000000.")
		for _, h := range users {
			hash = h
			break
		}
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(pw)) != nil || !known {
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
