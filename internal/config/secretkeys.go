package config

import "strings"

// secretKeys are the keys whose value is a secret: the broker's and the profile server's
// passwords, the webhooks' signing secret and their URLs (which carry tokens).
var secretKeys = map[string]bool{
	"RABBIT_PW": true, "PROFILE_PASSWORD": true, "WEBHOOK_SECRET": true, "WEBHOOK_URL": true, "SLACK_SUCCESS_HOOK": true,
}

// secretKey reports whether key (any case) holds a secret: one of secretKeys, or a name a site
// gives a secret in [DEFAULT] to refer to it (db_password, smtp_secret, api_token, api_key,
// passphrase, pw, db_pwd, db_pass); not a file's path (SMTP_PASSWORD_FILE).
func secretKey(key string) bool {
	k := strings.ToUpper(key)
	if strings.HasSuffix(k, "_FILE") {
		return false
	}
	if secretKeys[k] {
		return true
	}
	for _, s := range []string{"PW", "PWD", "PASS"} {
		if k == s || strings.HasSuffix(k, "_"+s) {
			return true
		}
	}
	for _, s := range []string{"PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "API_KEY", "APIKEY"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// secretReference reports whether written is one %(name)s reference to a secret key.
func secretReference(written string) bool {
	name, ok := strings.CutPrefix(written, "%(")
	if !ok {
		return false
	}
	name, ok = strings.CutSuffix(name, ")s")
	return ok && secretKey(name)
}
