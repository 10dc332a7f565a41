package notify

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/testenv"
)

// selfSigned writes a certificate for 127.0.0.1 that is its own CA, and its key.
func selfSigned(t *testing.T) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "packuilon test SMTP"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cert, key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	return cert, key
}

// TestMailOverTLS sends through real servers speaking STARTTLS and SMTPS, verified with
// SMTP_CA_FILE; SMTP_TLS = starttls refuses a server that does not offer it, and an unknown CA
// is refused.
func TestMailOverTLS(t *testing.T) {
	cert, key := selfSigned(t)
	plain := testenv.StartSMTP(t)
	starttls := testenv.StartSMTPWith(t, testenv.SMTPOptions{Cert: cert, Key: key})
	smtps := testenv.StartSMTPWith(t, testenv.SMTPOptions{Cert: cert, Key: key, Implicit: true})
	ev := failedEvent()
	send := func(s *testenv.SMTP, mode, ca string) error {
		n := config.Notify{SMTPServer: s.Addr, SMTPTLS: mode, SMTPCAFile: ca, MailFrom: "factory@example.org"}
		return SendMail(context.Background(), n, []string{"ops@example.org"}, ev)
	}
	for _, c := range []struct {
		name string
		srv  *testenv.SMTP
		mode string
	}{{"starttls", starttls, config.SMTPTLSStartTLS}, {"tls", smtps, config.SMTPTLSImplicit}} {
		t.Run(c.name, func(t *testing.T) {
			if err := send(c.srv, c.mode, cert); err != nil {
				t.Fatal(err)
			}
			if ms := c.srv.WaitMails(t, 1, time.Minute); !strings.Contains(ms[0].Header.Get("Subject"), "failed at packer") {
				t.Errorf("subject %q", ms[0].Header.Get("Subject"))
			}
		})
	}
	if err := send(plain, config.SMTPTLSStartTLS, cert); err == nil || !strings.Contains(err.Error(), "does not offer STARTTLS") {
		t.Errorf("starttls to a plain server: %v", err)
	}
	if err := send(smtps, config.SMTPTLSImplicit, ""); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("an unknown CA: %v", err)
	}
	if len(plain.Mails(t)) != 0 {
		t.Error("a mail went out in clear text to a server without STARTTLS")
	}
}
