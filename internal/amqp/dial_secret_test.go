package amqp

import (
	"context"
	"strings"
	"testing"

	"github.com/packuilon/packuilon/internal/config"
)

// TestDialErrorsHoldNoPassword: a RABBIT_HOST that makes no URL (it bypassed config validation)
// and a broker that is not there give errors without the password.
func TestDialErrorsHoldNoPassword(t *testing.T) {
	const pw = "Amqp-secret-55"
	for _, host := range []string{"bad host", "bad%zzhost", "broker/vhost", "127.0.0.1"} {
		g := config.Global{RabbitHost: host, RabbitPort: 1, RabbitUser: "guest", RabbitPW: pw, RabbitVHost: "/"}
		_, err := Dial(context.Background(), g)
		if err == nil {
			t.Fatalf("dial %q: no error", host)
		}
		if strings.Contains(err.Error(), pw) {
			t.Errorf("dial %q: error shows the password: %v", host, err)
		}
	}
}
