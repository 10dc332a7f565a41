package testenv

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net/http/httptest"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A server speaking TLS from the start (SMTPS) that requires AUTH takes it at once: the
// connection is already encrypted, there is no STARTTLS to wait for.
func TestSMTPAuthImplicitTLS(t *testing.T) {
	// httptest's loopback certificate, written as the PEM files the server reads.
	h := httptest.NewTLSServer(nil)
	h.Close()
	c := h.TLS.Certificates[0]
	kder, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	for path, b := range map[string]*pem.Block{cert: {Type: "CERTIFICATE", Bytes: c.Certificate[0]}, key: {Type: "PRIVATE KEY", Bytes: kder}} {
		if err := os.WriteFile(path, pem.EncodeToMemory(b), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s := StartSMTPWith(t, SMTPOptions{Cert: cert, Key: key, Implicit: true, AuthUser: "packuilon", AuthPassword: "pw"})
	roots := x509.NewCertPool()
	roots.AddCert(h.Certificate())
	conn, err := tls.Dial("tcp", s.Addr, &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := smtp.NewClient(conn, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.Auth(smtp.PlainAuth("", "packuilon", "pw", "127.0.0.1")); err != nil {
		t.Fatalf("AUTH over SMTPS: %v", err)
	}
	got, err := s.AuthAttempts()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "|") != "ok PLAIN packuilon" {
		t.Errorf("AUTH attempts = %q, want one PLAIN accepted", got)
	}
}
