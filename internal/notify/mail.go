package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/smtp"
	"net/textproto"
	"os"
	"strings"
	"time"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/retry"
)

// smtpTimeout bounds one mail delivery, from dial to QUIT.
const smtpTimeout = 2 * time.Minute

// SendMail delivers ev as a plain-text mail to the addresses, through [notify] SMTP_SERVER
// with SMTP_TLS and, when set, AUTH PLAIN as SMTP_USER (the password is read from
// SMTP_PASSWORD_FILE now, so a rotated password needs no restart). Errors never contain the
// password. A refused AUTH (5xx) and a server requiring AUTH while SMTP_USER is unset are
// permanent (retry.Permanent); 4xx replies and connection failures are worth retrying.
func SendMail(ctx context.Context, n config.Notify, to []string, ev Event) error {
	if len(to) == 0 {
		return errors.New("no mail address configured")
	}
	host, _, err := net.SplitHostPort(n.SMTPServer)
	if err != nil {
		return fmt.Errorf("SMTP_SERVER: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, smtpTimeout)
	defer cancel()
	tc, err := tlsConfig(n, host)
	if err != nil {
		return err
	}
	d := &net.Dialer{}
	var conn net.Conn
	if n.SMTPTLS == config.SMTPTLSImplicit {
		conn, err = (&tls.Dialer{NetDialer: d, Config: tc}).DialContext(ctx, "tcp", n.SMTPServer)
	} else {
		conn, err = d.DialContext(ctx, "tcp", n.SMTPServer)
	}
	if err != nil {
		return fmt.Errorf("connect to %s: %w", n.SMTPServer, err)
	}
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("SMTP %s: %w", n.SMTPServer, err)
	}
	defer c.Close()
	if me, err := os.Hostname(); err == nil {
		if err := c.Hello(me); err != nil {
			return fmt.Errorf("SMTP %s: HELO: %w", n.SMTPServer, err)
		}
	}
	if n.SMTPTLS == config.SMTPTLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return fmt.Errorf("SMTP %s does not offer STARTTLS (SMTP_TLS = starttls)", n.SMTPServer)
		}
		if err := c.StartTLS(tc); err != nil {
			return fmt.Errorf("SMTP %s: STARTTLS: %w", n.SMTPServer, err)
		}
	}
	if n.SMTPUser != "" {
		pw, err := os.ReadFile(n.SMTPPasswordFile)
		if err != nil {
			return fmt.Errorf("SMTP_PASSWORD_FILE: %w", err)
		}
		if err := c.Auth(smtp.PlainAuth("", n.SMTPUser, strings.TrimRight(string(pw), "\r\n"), host)); err != nil {
			if replyCode(err) >= 500 {
				return configError(fmt.Errorf("SMTP %s: authentication as %s failed (check SMTP_USER and SMTP_PASSWORD_FILE in [notify]): %w",
					n.SMTPServer, n.SMTPUser, err))
			}
			return fmt.Errorf("SMTP %s: authentication as %s failed: %w", n.SMTPServer, n.SMTPUser, err)
		}
	}
	if err := c.Mail(n.MailFrom); err != nil {
		if n.SMTPUser == "" && replyCode(err) == 530 {
			return configError(fmt.Errorf("SMTP %s requires authentication: set SMTP_USER and SMTP_PASSWORD_FILE in [notify]: %w", n.SMTPServer, err))
		}
		return fmt.Errorf("SMTP %s: MAIL FROM: %w", n.SMTPServer, err)
	}
	for _, a := range to {
		if err := c.Rcpt(a); err != nil {
			return fmt.Errorf("SMTP %s: RCPT TO %s: %w", n.SMTPServer, a, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("SMTP %s: DATA: %w", n.SMTPServer, err)
	}
	if _, err := w.Write(message(n.MailFrom, to, ev)); err != nil {
		return fmt.Errorf("SMTP %s: DATA: %w", n.SMTPServer, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("SMTP %s: message refused: %w", n.SMTPServer, err)
	}
	return c.Quit()
}

// replyCode is the SMTP reply code of err, or 0 when err is not a server reply (a refused,
// reset or timed-out connection).
func replyCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

// configError marks an SMTP failure that no retry can cure until the operator fixes [notify]
// (a refused AUTH, or a server requiring AUTH while SMTP_USER is unset): the Dispatcher gives
// the notification up at once instead of sending the credentials RETRIES times.
func configError(err error) error {
	return retry.Permanent(fmt.Errorf("configuration problem, not retried: %w", err))
}

// tlsConfig verifies the server as host, with SMTP_CA_FILE when set.
func tlsConfig(n config.Notify, host string) (*tls.Config, error) {
	tc := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if n.SMTPCAFile == "" {
		return tc, nil
	}
	pem, err := os.ReadFile(n.SMTPCAFile)
	if err != nil {
		return nil, fmt.Errorf("SMTP_CA_FILE: %w", err)
	}
	tc.RootCAs = x509.NewCertPool()
	if !tc.RootCAs.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("SMTP_CA_FILE %s holds no PEM certificate", n.SMTPCAFile)
	}
	return tc, nil
}

// message is the mail: headers, then the Text body (the writer turns \n into CRLF).
func message(from string, to []string, ev Event) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\n", from)
	fmt.Fprintf(&b, "To: %s\n", strings.Join(to, ", "))
	fmt.Fprintf(&b, "Subject: %s\n", mime.QEncoding.Encode("utf-8", headline(ev)))
	fmt.Fprintf(&b, "Date: %s\n", ev.At.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s.%s@packuilon>\n", ev.ID, strings.ReplaceAll(ev.Type, ".", "-"))
	fmt.Fprintf(&b, "X-Packuilon-Event: %s\n", ev.Type)
	if ev.BuildID != "" {
		fmt.Fprintf(&b, "X-Packuilon-Build: %s\n", ev.BuildID)
	}
	b.WriteString("MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n")
	b.WriteString(Text(ev))
	return []byte(b.String())
}
