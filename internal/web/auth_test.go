package web

import (
	"bytes"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/crypto/bcrypt"
)

// hashOf is a bcrypt hash of pw at cost in the form of version ("2a", "2b" or "2y": the same
// algorithm for a short ASCII password, as htpasswd -B, OpenBSD and Go write them).
func hashOf(t *testing.T, pw string, cost int, version string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(pw), cost)
	if err != nil {
		t.Fatal(err)
	}
	return "$" + version + string(h[3:])
}

// authFile writes lines as an htpasswd file and returns its path.
func authFile(t *testing.T, lines ...string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "htpasswd")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// countingAuth opens file and counts its bcrypt comparisons, recording the cost of each hash
// compared (0 for one that is not a well-formed bcrypt hash).
func countingAuth(t *testing.T, file string) (*Auth, *[]int) {
	t.Helper()
	a, err := NewAuth(file)
	if err != nil {
		t.Fatal(err)
	}
	var costs []int
	a.compare = func(hash, pw []byte) error {
		cost, ok := bcryptHash(string(hash))
		if !ok {
			cost = 0
		}
		costs = append(costs, cost)
		return bcrypt.CompareHashAndPassword(hash, pw)
	}
	return a, &costs
}

func login(a *Auth, user, pw string) (string, error) {
	r := httptest.NewRequest("GET", "/", nil)
	r.SetBasicAuth(user, pw)
	return a.User(r)
}

// TestUnknownUserCostsAKnownOne: in a file of several hash forms and costs, every user logs in
// with their password and not with another; an unknown user gets exactly one bcrypt check of
// the file's highest cost, whichever user the file lists first, so a refusal takes as long as
// for the slowest known user.
func TestUnknownUserCostsAKnownOne(t *testing.T) {
	users := []struct {
		name, version string
		cost          int
	}{{"alice", "2a", 4}, {"bob", "2b", 6}, {"carol", "2y", 5}}
	var lines []string
	for _, u := range users {
		lines = append(lines, u.name+":"+hashOf(t, "pw-"+u.name, u.cost, u.version))
	}
	a, costs := countingAuth(t, authFile(t, append([]string{"# staff"}, lines...)...))
	for _, u := range users {
		if who, err := login(a, u.name, "pw-"+u.name); err != nil || who != u.name {
			t.Errorf("%s ($%s$, cost %d): got %q, %v; want logged in", u.name, u.version, u.cost, who, err)
		}
		if _, err := login(a, u.name, "pw-x"); err == nil {
			t.Errorf("%s logged in with a wrong password", u.name)
		}
	}
	for range 20 {
		*costs = nil
		if _, err := login(a, "mallory", "pw-bob"); err == nil {
			t.Fatal("an unknown user logged in")
		}
		if len(*costs) != 1 || (*costs)[0] != 6 {
			t.Fatalf("unknown user: bcrypt checks of costs %v, want one of cost 6 (the file's highest)", *costs)
		}
	}
	// A file with nobody in it still makes a refusal cost one check.
	a, costs = countingAuth(t, authFile(t, "# nobody yet"))
	if _, err := login(a, "alice", "pw"); err == nil || len(*costs) != 1 || (*costs)[0] < 4 {
		t.Errorf("empty file: %v, checks of costs %v; want refused after one bcrypt check", err, *costs)
	}
}

// TestAuthFileRefusesOtherHashes: a line whose hash is not a well-formed bcrypt hash is refused
// when the file is read (such a hash would be refused at once, without bcrypt's work), with an
// error naming the line but not its content.
func TestAuthFileRefusesOtherHashes(t *testing.T) {
	good := hashOf(t, "pw", 4, "2y")
	for name, hash := range map[string]string{
		"$2x$":              "$2x" + good[3:],
		"truncated":         good[:59],
		"bad cost":          "$2a$99" + good[6:],
		"apr1":              "$apr1$abcdefgh$0123456789abcdefghijkl",
		"sha":               "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=",
		"just $2":           "$2secret",
		"salt not base64":   good[:7] + "!" + good[8:],
		"digest not base64": good[:59] + "~",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := NewAuth(authFile(t, "alice:"+good, "bob:"+hash))
			if err == nil || !strings.Contains(err.Error(), "line 2") || strings.Contains(err.Error(), hash) {
				t.Errorf("got %v; want line 2 refused, without the hash", err)
			}
		})
	}
}

// TestBadLineKeepsUsers: a line that is not user:bcrypt-hash added to a working file (htpasswd
// without -B writes MD5) does not lock the others out: logins are checked against the users
// read before, and the log names the line without its hash; the file put right is read again,
// and a file that is gone lets nobody in, logged too.
func TestBadLineKeepsUsers(t *testing.T) {
	alice := "alice:" + hashOf(t, "pw-alice", 4, "2y")
	file := authFile(t, alice)
	a, err := NewAuth(file)
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	a.Log = hclog.New(&hclog.LoggerOptions{Output: &logged})
	const md5 = "$apr1$abcdefgh$0123456789abcdefghijkl"
	if err := os.WriteFile(file, []byte(alice+"\nbob:"+md5+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if who, err := login(a, "alice", "pw-alice"); err != nil || who != "alice" {
		t.Errorf("alice after a bad line was added: %q, %v", who, err)
	}
	if _, err := login(a, "bob", "pw-bob"); err == nil {
		t.Error("bob logged in with an MD5 line")
	}
	// Two logins with the bad line: it is logged once, not at each login.
	if out := logged.String(); strings.Count(out, "line 2") != 1 || strings.Contains(out, md5) || strings.Contains(out, "abcdefgh") {
		t.Errorf("log: %s", out)
	}
	bob := "bob:" + hashOf(t, "pw-bob", 4, "2y")
	if err := os.WriteFile(file, []byte(alice+"\n"+bob+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if who, err := login(a, "bob", "pw-bob"); err != nil || who != "bob" {
		t.Errorf("bob once the file is right: %q, %v", who, err)
	}
	if !strings.Contains(logged.String(), "usable again") {
		t.Errorf("file right again, log: %s", logged.String())
	}
	logged.Reset()
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	if _, err := login(a, "alice", "pw-alice"); err == nil {
		t.Error("alice logged in with the file gone")
	}
	if !strings.Contains(logged.String(), "nobody can log in") {
		t.Errorf("file gone, log: %s", logged.String())
	}
}

// TestFirstLineOfAUserCounts: a user listed twice logs in with the first line's password only,
// as Apache's mod_authn_file reads an htpasswd file.
func TestFirstLineOfAUserCounts(t *testing.T) {
	a, _ := countingAuth(t, authFile(t, "ann:"+hashOf(t, "first-pw", 4, "2y"), "ann:"+hashOf(t, "second-pw", 4, "2y")))
	if user, err := login(a, "ann", "first-pw"); err != nil || user != "ann" {
		t.Errorf("first line's password: %q, %v; want ann", user, err)
	}
	if _, err := login(a, "ann", "second-pw"); err == nil {
		t.Error("the second line's password is taken too")
	}
}
