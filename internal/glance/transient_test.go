package glance

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// A server whose certificate the client does not trust (a wrong CA_FILE) is not retried, while
// a refused connection (the service restarting) is.
func TestTransientTLSVerification(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	_, err := (&http.Client{}).Get(srv.URL)
	if err == nil {
		t.Fatal("an untrusted certificate was accepted")
	}
	if Transient(err) {
		t.Errorf("certificate error classed transient: %v", err)
	}
	addr := srv.Listener.Addr().String()
	srv.Close()
	_, err = (&http.Client{}).Get("http://" + addr)
	if err == nil {
		t.Fatal("a closed port answered")
	}
	if !Transient(err) {
		t.Errorf("refused connection classed permanent: %v", err)
	}
}
