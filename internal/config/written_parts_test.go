package config

import "testing"

// TestSecretPartsHidden: what a reference brings into a longer secret (RABBIT_PW = pre%(a)s),
// or into a reference that names a secret (%(db_pw)s with db_pw = x%(c)s), is part of the
// secret: hidden however plain it is, wherever it appears alone, at any depth of references,
// while a short value of no secret is left. A part of 1 or 2 characters is left on its own
// (hiding "on" would garble every word that holds it), the whole secret still hidden, and so
// is a secret of 2 characters that a reference brings in whole (a query parameter's key=).
func TestSecretPartsHidden(t *testing.T) {
	cfg := loadHiding(t, "[DEFAULT]\na = 123\nc = off\nd = yes\nmid = m%(d)s\ndb_pw = x%(c)s\nn = 3\ntwo = on\nk2 = ab\n"+
		"[global]\nRABBIT_PW = pre%(a)s\nRABBIT_VHOST = %(db_pw)s-vh\n"+
		"[cdb2rabbit]\nPROFILE_USER = aq\nPROFILE_PASSWORD = hunter%(two)s\n"+
		"[notify]\nWEBHOOK_SECRET = s3cret-%(mid)s\n"+
		"[smoke]\nBOOT_NETWORK = https://nets/?key=%(k2)s\n"+
		"[rabbit2packer]\nTHREAD_COUNT = %(n)s\n")
	log, b := hidingLog(t, "info", "text")
	log.Info("login", "part", "123", "flag", "off", "ok", "yes", "threads", cfg.Builder.ThreadCount, "state", "on",
		"password", "hunteron", "key", "ab")
	checkLine(t, b.String(), "threads=3 state=on", "part=123", "flag=off", "ok=yes", "hunteron", "key=ab")
	if got, want := cfg.AsWritten("part 123, flag off, ok yes, 3 threads, state on, password hunteron"),
		"part %(a)s, flag %(c)s, ok %(d)s, 3 threads, state on, password hunter%(two)s"; got != want {
		t.Errorf("AsWritten:\n got %q\nwant %q", got, want)
	}
}
