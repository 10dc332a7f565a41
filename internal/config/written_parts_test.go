package config

import "testing"

// TestSecretPartsHidden: what a reference brings into a longer secret (RABBIT_PW = pre%(a)s),
// or into a reference that names a secret (%(db_pw)s with db_pw = x%(c)s), is part of the
// secret: hidden however short or plain it is, wherever it appears alone, at any depth of
// references, while a short value of no secret is left.
func TestSecretPartsHidden(t *testing.T) {
	cfg := loadHiding(t, "[DEFAULT]\na = 12\nc = off\nd = yes\nmid = m%(d)s\ndb_pw = x%(c)s\nn = 3\n"+
		"[global]\nRABBIT_PW = pre%(a)s\nRABBIT_VHOST = %(db_pw)s-vh\n"+
		"[notify]\nWEBHOOK_SECRET = s3cret-%(mid)s\n"+
		"[rabbit2packer]\nTHREAD_COUNT = %(n)s\n")
	log, b := hidingLog(t, "info", "text")
	log.Info("login", "part", "12", "flag", "off", "ok", "yes", "threads", cfg.Builder.ThreadCount)
	checkLine(t, b.String(), "threads=3", "part=12", "flag=off", "ok=yes")
	if got, want := cfg.AsWritten("part 12, flag off, ok yes, 3 threads"),
		"part %(a)s, flag %(c)s, ok %(d)s, 3 threads"; got != want {
		t.Errorf("AsWritten:\n got %q\nwant %q", got, want)
	}
}
