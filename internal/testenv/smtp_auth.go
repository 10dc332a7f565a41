package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// smtpAuthScript runs aiosmtpd's SMTP with its Mailbox handler, requiring AUTH (PLAIN or LOGIN)
// as the user and password read from files before MAIL. `python3 -m aiosmtpd` has no option
// for AUTH, hence this script. Every AUTH attempt is appended to the auth log as
// "ok|refused MECHANISM LOGIN" (never the password). Plain text AUTH is allowed only without
// TLS (the server is on 127.0.0.1); with a certificate it offers and requires STARTTLS first,
// or, implicit, takes AUTH at once (aiosmtpd's auth_require_tls counts STARTTLS only).
const smtpAuthScript = `import asyncio, signal, ssl, sys
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

host, port, maildir, authlog, userfile, pwfile, cert, key, implicit = sys.argv[1:10]
user = open(userfile, "rb").read()
password = open(pwfile, "rb").read()

def authenticator(server, session, envelope, mechanism, data):
    ok = isinstance(data, LoginPassword) and data.login == user and data.password == password
    login = data.login.decode("utf-8", "replace") if isinstance(data, LoginPassword) else "?"
    with open(authlog, "a") as f:
        f.write("%s %s %s\n" % ("ok" if ok else "refused", mechanism, login))
    return AuthResult(success=ok, handled=False)

ctx = None
if cert:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
starttls = ctx if cert and implicit != "1" else None
handler = Mailbox(maildir)

def factory():
    return SMTP(handler, authenticator=authenticator, auth_required=True,
                auth_require_tls=starttls is not None, tls_context=starttls, require_starttls=starttls is not None)

loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
server = loop.run_until_complete(loop.create_server(factory, host, int(port),
                                                    ssl=ctx if implicit == "1" else None))
loop.add_signal_handler(signal.SIGTERM, loop.stop)
print("listening on %s:%s" % (host, port), flush=True)
loop.run_forever()
server.close()
`

// authArgv writes the script and the credentials into dir and returns the argv that starts
// the AUTH-requiring server for s.
func (s *SMTP) authArgv(dir, port string, o SMTPOptions) ([]string, error) {
	files := map[string]string{"smtp_auth.py": smtpAuthScript, "smtp_user": o.AuthUser, "smtp_password": o.AuthPassword}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			return nil, err
		}
	}
	implicit := "0"
	if o.Implicit {
		implicit = "1"
	}
	s.authLog = filepath.Join(dir, "log", "smtp_auth.log")
	return []string{"/usr/bin/python3", "-I", filepath.Join(dir, "smtp_auth.py"), "127.0.0.1", port, s.Maildir, s.authLog,
		filepath.Join(dir, "smtp_user"), filepath.Join(dir, "smtp_password"), o.Cert, o.Key, implicit}, nil
}

// AuthAttempts returns the AUTH attempts the server saw, oldest first, each as
// "ok|refused MECHANISM LOGIN" (the password is never recorded). The server must have been
// started with SMTPOptions.AuthUser.
func (s *SMTP) AuthAttempts() ([]string, error) {
	if s.authLog == "" {
		return nil, fmt.Errorf("SMTP server at %s does not require AUTH", s.Addr)
	}
	data, err := os.ReadFile(s.authLog)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n"), nil
}
