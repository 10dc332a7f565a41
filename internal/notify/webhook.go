package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/retry"
)

// SignatureHeader carries "sha256=<hex HMAC-SHA256 of the body>" keyed with WEBHOOK_SECRET.
const SignatureHeader = "X-Packuilon-Signature"

// EventHeader names the event type of a webhook post.
const EventHeader = "X-Packuilon-Event"

// webhookTimeout bounds one post.
const webhookTimeout = 30 * time.Second

// Sign returns the SignatureHeader value of body.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Body returns the webhook body of ev in format (config.WebhookJSON or config.WebhookSlack).
func Body(format string, ev Event) ([]byte, error) {
	if format == config.WebhookSlack {
		return json.Marshal(map[string]string{"text": SlackText(ev)})
	}
	return json.Marshal(ev)
}

// PostHook posts ev to hook. The error names the hook by label only: hook URLs often carry
// their token in the path. A 4xx answer other than 408 and 429 is permanent (retry.Permanent):
// sending the same body again cannot help.
func PostHook(ctx context.Context, label, hook, format, secret string, ev Event) error {
	body, err := Body(format, ev)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, webhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook, bytes.NewReader(body))
	if err != nil {
		return retry.Permanent(fmt.Errorf("%s: not a usable URL", label))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "packuilon")
	req.Header.Set(EventHeader, ev.Type)
	if secret != "" {
		req.Header.Set(SignatureHeader, Sign(secret, body))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL
		}
		return fmt.Errorf("%s: %w", label, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != 408 && resp.StatusCode != 429:
		return retry.Permanent(fmt.Errorf("%s: %s: %q", label, resp.Status, bytes.TrimSpace(msg)))
	}
	return fmt.Errorf("%s: %s: %q", label, resp.Status, bytes.TrimSpace(msg))
}
