// Package notify tells people about builds: mail over SMTP and webhooks (a versioned JSON event,
// or Slack/Mattermost text). Events are queued in the build store's outbox by the builder and
// delivered by a Dispatcher with retries and backoff, so a slow or broken mail server or hook
// never blocks or fails a build.
//
//	ev := notify.Event{Type: config.EventBuildFailed, BuildID: id, ImageKey: key, ...}
//	err := notify.Queue(ctx, store, cfg.Notify, ev)        // durable, returns at once
//	d := &notify.Dispatcher{Store: store, Config: cfgFunc, Log: log}
//	go d.Run(ctx)                                          // delivers and retries
package notify

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"time"
)

// Schema is the schema of the JSON event object; a change that is not backwards compatible
// gets a new version.
const Schema = "packuilon.event/v1"

// Event is one notification: what happened to which build. It is the JSON body of a
// WEBHOOK_FORMAT = json hook (documented in the README) and the source of mails and Slack text.
type Event struct {
	Schema string `json:"schema"`
	// Type is one of config.AllEvents.
	Type string `json:"type"`
	// ID is unique per event (receivers may drop duplicates: delivery is at least once).
	ID   string    `json:"id"`
	At   time.Time `json:"at"`
	Host string    `json:"host"`
	// BuildID is "" for events not about a build (a rollback).
	BuildID  string `json:"build_id,omitempty"`
	ImageKey string `json:"image_key"`
	State    string `json:"state,omitempty"`
	Stage    string `json:"stage,omitempty"`
	// Message is the build's status message (the reason of a failure).
	Message string `json:"message,omitempty"`
	Attempt int    `json:"attempt,omitempty"`
	// Images are the build's images (one per template).
	Images []Image `json:"images,omitempty"`
	// LogTail is the last lines of the build log (failures and rejections).
	LogTail []string `json:"log_tail,omitempty"`
	// Commands are what staff can run next (show, retry, approve, deny).
	Commands []string `json:"commands,omitempty"`
}

// Image is one image of an event.
type Image struct {
	Key  string `json:"key"`
	Name string `json:"name"`
	// ImageID is the candidate (or, once promoted, the current) image.
	ImageID string `json:"image_id,omitempty"`
	// Warehoused is the image the promotion replaced.
	Warehoused  string `json:"warehoused_id,omitempty"`
	TestVerdict string `json:"test_verdict,omitempty"`
	Promoted    bool   `json:"promoted,omitempty"`
	// Rejected is set for a candidate its smoke test turned down; BrokenName is what it was
	// renamed to (with the date left as a pattern), or "deleted".
	Rejected   bool   `json:"rejected,omitempty"`
	BrokenName string `json:"broken_name,omitempty"`
}

// New returns an event of type typ with its schema, id, time and host filled in.
func New(typ string) Event {
	var b [8]byte
	rand.Read(b[:])
	host, _ := os.Hostname()
	return Event{Schema: Schema, Type: typ, ID: hex.EncodeToString(b[:]), At: time.Now().UTC(), Host: host}
}
